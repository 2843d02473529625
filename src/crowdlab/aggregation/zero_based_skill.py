"""Zero-Based Skill: skill-weighted voting with skills refined by gradient steps."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from .answers import Answers
from .base import Progress, known_or_none, report, worker_accuracy
from .majority_vote import SkillVoteAggregator, skill_vote_labels


class ZeroBasedSkill(SkillVoteAggregator):
    r"""Zero-Based Skill (ZBS): weighted majority vote with skills fitted by gradient descent.

    All skills start at :math:`s_w = 1/K + \varepsilon` (K labels). Each iteration takes the vote
    weighted by :math:`s`, measures every worker's agreement :math:`acc_w` with it, and moves the
    skill towards it, i.e. a gradient step on :math:`\tfrac12 \sum_w (acc_w - s_w)^2`:

    .. math:: s_w \leftarrow s_w + \eta_i\,(acc_w - s_w),

    with learning rate :math:`\eta` starting at ``lr_init`` and multiplied by ``lr_reduce_factor``
    every ``lr_steps_to_reduce`` iterations. It stops after ``n_iter`` iterations or once no skill
    moves by more than ``eps`` and the labels did not change (a fixed point). The result is the vote
    weighted by the final skills; the confidence is the weighted vote share.

    Known labels replace the vote when measuring agreement and are reported as the result.

    Reference: the ZBS method of crowd-kit (Ustalov et al., *Learning from Crowds with Crowd-Kit*,
    JOSS 2024).
    """

    def __init__(
        self,
        n_iter: int = 100,
        lr_init: float = 1.0,
        lr_steps_to_reduce: int = 20,
        lr_reduce_factor: float = 0.5,
        eps: float = 1e-5,
    ) -> None:
        if n_iter < 1 or lr_steps_to_reduce < 1:
            raise ValueError("n_iter and lr_steps_to_reduce must be at least 1")
        self.n_iter = n_iter
        self.lr_init = lr_init
        self.lr_steps_to_reduce = lr_steps_to_reduce
        self.lr_reduce_factor = lr_reduce_factor
        self.eps = eps

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Fit skills by iterated weighted voting, then vote with them."""
        known = known_or_none(answers, true_labels)
        skills = np.full(answers.n_workers, 1.0 / answers.n_labels + self.eps)
        learning_rate = self.lr_init
        previous = None
        self.n_iter_ = 0
        for iteration in range(1, self.n_iter + 1):
            if iteration % self.lr_steps_to_reduce == 0:
                learning_rate *= self.lr_reduce_factor
            labels = skill_vote_labels(answers, skills)
            if known is not None:
                labels = np.where(known >= 0, known, labels).astype(np.int32)
            accuracy = worker_accuracy(answers, labels)
            step = learning_rate * np.nan_to_num(accuracy - skills, nan=0.0)
            skills = skills + step
            self.n_iter_ = iteration
            report(progress, iteration / self.n_iter)
            if previous is not None and np.abs(step).max() < self.eps and np.array_equal(labels, previous):
                break
            previous = labels
        self.skills_ = skills
        self._vote(answers, true_labels)
        report(progress, 1.0)
        return self
