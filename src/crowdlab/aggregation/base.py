"""What every categorical method shares: the fit contract, tie-breaking, voting and clamping.

Contract (scikit-learn style): settings go to the constructor; ``fit(answers, true_labels=None,
progress=None)`` learns and returns ``self``; results are attributes ending in ``_``:

* ``probas_`` -- ``(n_tasks, n_labels)`` posterior (or vote-share) matrix, rows sum to 1;
* ``labels_`` -- most probable label index per task;
* ``confidences_`` -- probability of the chosen label.

Tie-breaking: labels whose probability is within :data:`TIE_TOLERANCE` of the row maximum count as
tied, and the tie goes to the **lowest label index**, i.e. the smallest label in sorted order. The
tolerance makes the rule immune to floating-point summation order, so results do not depend on how
workers or tasks happen to be numbered.

Known labels: ``true_labels`` (an array over tasks with -1 for unknown, or ``{task_idx: label_idx}``)
are control-task answers. Methods that learn worker quality use them as fixed posteriors during
fitting; every method reports them as the result for those tasks (confidence 1).

Progress: ``progress(fraction)`` is called with non-decreasing values in ``[0, 1]``, ending with 1.
Raising from the callback aborts the fit (that is how a cancelled operation stops a long run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np

from .answers import UNKNOWN, Answers, FloatArray, IntArray, chunks

#: ``progress(fraction)`` hook for long runs; see the module docstring.
Progress = Callable[[float], None]

#: Probabilities closer than this to the row maximum are treated as a tie.
TIE_TOLERANCE = 1e-9

#: Floor for probabilities before taking logarithms.
EPS = 1e-10


def report(progress: Progress | None, fraction: float) -> None:
    """Call the progress hook, if any, with ``fraction`` clipped to ``[0, 1]``."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def most_probable(probas: FloatArray) -> IntArray:
    """Index of the most probable label per row; ties go to the lowest index (see module docs)."""
    top = probas.max(axis=1, keepdims=True)
    return np.argmax(probas >= top - TIE_TOLERANCE, axis=1).astype(np.int32)


def vote_scores(answers: Answers, worker_weight: FloatArray | None = None) -> FloatArray:
    """Sum of (weighted) votes per label and task, as a label-major ``(n_labels, n_tasks)`` array.

    Each answer contributes its own weight times its worker's weight (both default to 1).
    Answers are counted chunk by chunk, so memory beyond the result stays small.
    """
    size = answers.n_labels * answers.n_tasks
    scores = np.zeros(size)
    for part in chunks(answers.n_answers):
        cell = answers.label_idx[part].astype(np.intp) * answers.n_tasks + answers.task_idx[part]
        weight = None if answers.weight is None else answers.weight[part]
        if worker_weight is not None:
            voter = worker_weight[answers.worker_idx[part]]
            weight = voter if weight is None else voter * weight
        scores += np.bincount(cell, weights=weight, minlength=size)
    return scores.reshape(answers.n_labels, answers.n_tasks)


def normalize_votes(scores: FloatArray, fallback: FloatArray | None = None) -> FloatArray:
    """Turn label-major vote sums into task-major shares ``(n_tasks, n_labels)`` summing to 1.

    Tasks whose votes sum to zero take their row from ``fallback`` (label-major too, e.g. the
    unweighted votes) and, failing that, the uniform distribution.
    """
    total = scores.sum(axis=0)
    empty = total <= 0
    if empty.any() and fallback is not None:
        scores = np.where(empty, fallback, scores)
        total = scores.sum(axis=0)
        empty = total <= 0
    if empty.any():
        scores = np.where(empty, 1.0, scores)
        total = scores.sum(axis=0)
    return np.ascontiguousarray((scores / total).T)


def clamp_known(probas: FloatArray, known: IntArray | None) -> None:
    """Set rows of tasks with a known label to that label's one-hot vector (task-major, in place)."""
    if known is None:
        return
    tasks = np.flatnonzero(known != UNKNOWN)
    probas[tasks] = 0.0
    probas[tasks, known[tasks]] = 1.0


def worker_accuracy(answers: Answers, labels: IntArray, tasks: IntArray | None = None) -> FloatArray:
    """Weighted share of each worker's answers that equal ``labels`` of their task (NaN if none).

    Only answers to ``tasks`` (a boolean-like mask over tasks) count when it is given; ``labels``
    may hold :data:`UNKNOWN` for tasks to skip. Answers are processed chunk by chunk.
    """
    correct = np.zeros(answers.n_workers)
    total = np.zeros(answers.n_workers)
    for part in chunks(answers.n_answers):
        task = answers.task_idx[part]
        target = labels[task]
        counted = target != UNKNOWN
        if tasks is not None:
            counted &= tasks[task].astype(bool)
        hit = counted & (target == answers.label_idx[part])
        worker = answers.worker_idx[part]
        weight = 1.0 if answers.weight is None else answers.weight[part]
        correct += np.bincount(worker, weights=hit * weight, minlength=answers.n_workers)
        total += np.bincount(worker, weights=counted * weight, minlength=answers.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, correct / np.where(total > 0, total, 1.0), np.nan)


class CategoricalAggregator:
    """Base class of the categorical methods (see the module docstring for the contract)."""

    probas_: FloatArray
    labels_: IntArray

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Learn from ``answers``; ``true_labels`` are known labels of control tasks."""
        raise NotImplementedError

    def fit_predict(
        self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None
    ) -> IntArray:
        """Fit and return the label index chosen for each task."""
        return self.fit(answers, true_labels, progress=progress).labels_

    def fit_predict_proba(
        self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None
    ) -> FloatArray:
        """Fit and return the ``(n_tasks, n_labels)`` label distribution of each task."""
        return self.fit(answers, true_labels, progress=progress).probas_

    @property
    def confidences_(self) -> FloatArray:
        """Probability of the chosen label of each task."""
        return self.probas_[np.arange(self.labels_.size), self.labels_]

    def _finish(self, probas: FloatArray, known: IntArray | None) -> None:
        """Store task-major ``probas`` (clamping known tasks) and the labels they imply."""
        clamp_known(probas, known)
        self.probas_ = probas
        self.labels_ = most_probable(probas)

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{name}={value!r}" for name, value in vars(self).items() if not name.endswith("_")
        )
        return f"{type(self).__name__}({settings})"


def known_or_none(answers: Answers, true_labels: Any) -> IntArray | None:
    """Validated known labels, or ``None`` when there are none."""
    if true_labels is None:
        return None
    known = answers.known_labels(true_labels)
    return known if (known != UNKNOWN).any() else None
