"""Wawa: worker agreement with aggregate."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from .answers import Answers
from .base import Progress, known_or_none, most_probable, report, worker_accuracy
from .majority_vote import SkillVoteAggregator, weighted_vote


class Wawa(SkillVoteAggregator):
    r"""Worker Agreement With Aggregate (Wawa).

    1. Take the majority vote :math:`\hat z^{MV}_t`.
    2. A worker's skill is their (answer-weighted) agreement with it:
       :math:`s_w = \frac{\sum_{a \in w} [y_a = \hat z^{MV}_{t_a}]}{|\{a \in w\}|}`.
    3. The result is the majority vote weighted by :math:`s_w`; the confidence is the weighted
       vote share. Tasks where every answering worker has skill 0 keep the plain vote shares.

    Known labels (control tasks) replace the majority vote in step 2, so workers are scored on
    them exactly, and are reported as the result for those tasks.

    Reference: the Wawa baseline as described in crowd-kit (Ustalov et al., *Learning from Crowds
    with Crowd-Kit*, JOSS 2024); the idea goes back to "inter-annotator agreement with the
    aggregate" used by Appen/Figure Eight.
    """

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Estimate skills from agreement with the majority vote, then vote with them."""
        known = known_or_none(answers, true_labels)
        majority = most_probable(weighted_vote(answers, None))
        if known is not None:
            majority = np.where(known >= 0, known, majority).astype(np.int32)
        self.skills_ = worker_accuracy(answers, majority)
        self._vote(answers, true_labels)
        report(progress, 1.0)
        return self
