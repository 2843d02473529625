"""Majority vote, plain or weighted by worker skill."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np

from .answers import Answers, FloatArray, IntArray
from .base import (
    CategoricalAggregator,
    Progress,
    known_or_none,
    most_probable,
    normalize_votes,
    report,
    vote_scores,
    worker_accuracy,
)

MissingSkill = Literal["error", "ignore", "value"]


def resolve_skills(
    answers: Answers, skills: Any, on_missing_skill: MissingSkill, default_skill: float | None
) -> tuple[Answers, FloatArray]:
    """Validate worker skills and deal with workers whose skill is unknown (NaN).

    Returns the answers to vote with (some may be dropped with ``"ignore"``) and per-worker weights.
    """
    weights = answers.worker_skills(skills)
    if on_missing_skill != "value" and default_skill is not None:
        raise ValueError('default_skill is only used with on_missing_skill="value"')
    missing_answers = np.isnan(weights)[answers.worker_idx]
    if not missing_answers.any():
        return answers, weights
    missing_workers = np.unique(answers.worker_idx[missing_answers])
    if on_missing_skill == "error":
        raise ValueError(
            f"{missing_workers.size} workers who answered have no skill (first: worker index "
            f"{int(missing_workers[0])}); give their skills or set on_missing_skill"
        )
    if on_missing_skill == "value":
        if default_skill is None or not np.isfinite(default_skill) or default_skill < 0:
            raise ValueError('on_missing_skill="value" needs a finite, non-negative default_skill')
        return answers, np.where(np.isnan(weights), float(default_skill), weights)
    if on_missing_skill != "ignore":
        raise ValueError(f"on_missing_skill must be 'error', 'ignore' or 'value', got {on_missing_skill!r}")
    kept = answers.select(~missing_answers)
    answered = np.bincount(answers.task_idx, minlength=answers.n_tasks) > 0
    still = np.bincount(kept.task_idx, minlength=answers.n_tasks) > 0
    lost = answered & ~still
    if lost.any():
        raise ValueError(
            f"{int(lost.sum())} tasks have no answer from a worker with a known skill "
            f"(first: task index {int(np.flatnonzero(lost)[0])})"
        )
    return kept, np.nan_to_num(weights, nan=0.0)


def weighted_vote(answers: Answers, worker_weight: FloatArray | None) -> FloatArray:
    """Task-major vote shares; tasks whose weighted votes sum to 0 fall back to plain votes."""
    scores = vote_scores(answers, worker_weight)
    fallback = None if worker_weight is None else vote_scores(answers)
    return normalize_votes(scores, fallback)


class MajorityVote(CategoricalAggregator):
    r"""Majority vote: the label with the most (weighted) votes wins.

    For task :math:`t`, with :math:`s_w` the skill (weight) of worker :math:`w` (1 when no skills are
    given) and :math:`v_a` the weight of answer :math:`a`,

    .. math::
        \hat p_t(c) = \frac{\sum_{a \in t} s_{w_a} v_a [y_a = c]}{\sum_{a \in t} s_{w_a} v_a},
        \qquad \hat z_t = \arg\max_c \hat p_t(c).

    The confidence is the chosen label's (weighted) vote share. Ties go to the lowest label index.
    A task whose weighted votes sum to zero uses the unweighted shares. ``skills_`` is each worker's
    agreement with the result.

    Toloka's "weighted dynamic overlap" aggregation is the weighted form with skills as weights.

    Reference: the baseline of crowd-consensus benchmarks, e.g. A. Sheshadri and M. Lease,
    *SQUARE: A Benchmark for Research on Computing Crowd Consensus*, HCOMP 2013.

    Args:
        on_missing_skill: what to do with answers of workers whose skill is unknown (NaN):
            ``"error"`` raises, ``"ignore"`` drops their answers, ``"value"`` uses ``default_skill``.
        default_skill: the skill used with ``on_missing_skill="value"``.
    """

    skills_: FloatArray

    def __init__(self, on_missing_skill: MissingSkill = "error", default_skill: float | None = None) -> None:
        self.on_missing_skill = on_missing_skill
        self.default_skill = default_skill

    def fit(
        self,
        answers: Answers,
        true_labels: Any = None,
        *,
        skills: Any = None,
        progress: Progress | None = None,
    ) -> Self:
        """Count votes; ``skills`` (per worker, NaN = unknown) weights them when given."""
        known = known_or_none(answers, true_labels)
        voters, weights = (
            (answers, None)
            if skills is None
            else resolve_skills(answers, skills, self.on_missing_skill, self.default_skill)
        )
        self._finish(weighted_vote(voters, weights), known)
        self.skills_ = worker_accuracy(answers, self.labels_)
        report(progress, 1.0)
        return self

    def fit_predict(
        self,
        answers: Answers,
        true_labels: Any = None,
        *,
        skills: Any = None,
        progress: Progress | None = None,
    ) -> IntArray:
        """Fit and return the label index chosen for each task."""
        return self.fit(answers, true_labels, skills=skills, progress=progress).labels_

    def fit_predict_proba(
        self,
        answers: Answers,
        true_labels: Any = None,
        *,
        skills: Any = None,
        progress: Progress | None = None,
    ) -> FloatArray:
        """Fit and return the vote shares of each task."""
        return self.fit(answers, true_labels, skills=skills, progress=progress).probas_


def skill_vote_labels(answers: Answers, skills: FloatArray) -> IntArray:
    """Labels of a vote weighted by ``skills`` (no clamping; used inside iterative methods)."""
    return most_probable(weighted_vote(answers, skills))


class SkillVoteAggregator(CategoricalAggregator):
    """Base of methods that learn worker skills and then take a skill-weighted majority vote.

    ``predict`` / ``predict_proba`` apply the learnt ``skills_`` to new answers from the same
    workers (indices must refer to the same worker coding).
    """

    skills_: FloatArray
    on_missing_skill: MissingSkill = "error"
    default_skill: float | None = None

    def predict(self, answers: Answers, true_labels: Any = None) -> IntArray:
        """Labels of a vote over ``answers`` weighted by the fitted skills."""
        return self._vote(answers, true_labels).labels_

    def predict_proba(self, answers: Answers, true_labels: Any = None) -> FloatArray:
        """Weighted vote shares over ``answers`` using the fitted skills."""
        return self._vote(answers, true_labels).probas_

    def _vote(self, answers: Answers, true_labels: Any) -> Self:
        if not hasattr(self, "skills_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call fit() first")
        if self.skills_.shape != (answers.n_workers,):
            raise ValueError(
                f"answers have {answers.n_workers} workers but the model was fitted on {self.skills_.size}"
            )
        voters, weights = resolve_skills(answers, self.skills_, self.on_missing_skill, self.default_skill)
        self._finish(weighted_vote(voters, weights), known_or_none(answers, true_labels))
        return self
