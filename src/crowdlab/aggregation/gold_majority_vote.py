"""Gold majority vote: skills measured on control tasks, then a skill-weighted vote."""

from __future__ import annotations

from typing import Any, Self

from .answers import Answers
from .base import Progress, known_or_none, report, worker_accuracy
from .majority_vote import MissingSkill, SkillVoteAggregator


class GoldMajorityVote(SkillVoteAggregator):
    r"""Majority vote weighted by each worker's accuracy on control (golden) tasks.

    With :math:`G` the tasks whose true label :math:`z_t` is known,

    .. math::
        s_w = \frac{\sum_{a \in w,\, t_a \in G} v_a [y_a = z_{t_a}]}{\sum_{a \in w,\, t_a \in G} v_a},
        \qquad \hat p_t(c) \propto \sum_{a \in t} s_{w_a} v_a [y_a = c].

    Workers who answered no control task have no skill; ``on_missing_skill`` decides what happens to
    their answers (``"error"`` like crowd-kit, ``"ignore"`` drops them, ``"value"`` uses
    ``default_skill``). Control tasks report their known label.

    Reference: the GoldMajorityVote method of crowd-kit (Ustalov et al., *Learning from Crowds with
    Crowd-Kit*, JOSS 2024); Toloka's control tasks play the role of the golden set.
    """

    def __init__(self, on_missing_skill: MissingSkill = "error", default_skill: float | None = None) -> None:
        self.on_missing_skill = on_missing_skill
        self.default_skill = default_skill

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Measure skills on the tasks with ``true_labels`` (required), then vote with them."""
        known = known_or_none(answers, true_labels)
        if known is None:
            raise ValueError("GoldMajorityVote needs true_labels (control-task answers) for some tasks")
        self.skills_ = worker_accuracy(answers, known)
        self._vote(answers, true_labels)
        report(progress, 1.0)
        return self
