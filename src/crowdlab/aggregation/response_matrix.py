"""Answers as a sparse task x (worker, label) matrix: the engine of the confusion-matrix EM methods.

Dawid-Skene, one-coin Dawid-Skene and MACE all model ``P(worker w answers y | true label c)``. Group
answers by their (worker, observed label) *pair* ``p``; with ``C`` the sparse ``n_tasks x n_pairs``
matrix of answer weights and ``S[c, p] = log P(y_p | c, w_p)``:

* E-step: ``log P(answers of task t | c) = (C @ S[c])[t]`` -- one sparse mat-vec per label;
* M-step: ``N[c, p] = (C.T @ q[c])[p]`` -- the expected number of times pair ``p`` occurred while
  the truth was ``c``, given posteriors ``q``.

Two savings keep this fast: only the ``K - 1`` *differences* ``S[c] - S[K-1]`` go through the matrix
in the E-step (the softmax ignores a per-task constant; its total is a dot product over pairs), and
the last row of ``N`` is the pair weight minus the others. Memory is about 12 bytes per answer
(``int32`` column index + ``float64`` weight) on top of the answers themselves.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .answers import UNKNOWN, Answers, FloatArray, IntArray, bincount_sum, chunks

#: Use a presence table over all (worker, label) keys while it is at most this many times the answers.
_DENSE_PAIR_LIMIT = 4


class ResponseMatrix:
    """Sparse task x (worker, label) view of :class:`Answers` (see the module docstring)."""

    def __init__(self, answers: Answers) -> None:
        n_labels = answers.n_labels
        n_keys = answers.n_workers * n_labels

        def keys(part: slice) -> npt.NDArray[np.int64]:
            return answers.worker_idx[part].astype(np.int64) * n_labels + answers.label_idx[part]

        pair_of_answer = np.empty(answers.n_answers, dtype=np.int32)
        if n_keys <= _DENSE_PAIR_LIMIT * answers.n_answers:
            present = np.zeros(n_keys, dtype=bool)
            for part in chunks(answers.n_answers):
                present[keys(part)] = True
            codes = (np.cumsum(present, dtype=np.int64) - 1).astype(np.int32)
            for part in chunks(answers.n_answers):
                pair_of_answer[part] = codes[keys(part)]
            pair_key = np.flatnonzero(present)
        else:  # many workers x labels but few answers: sort instead of a huge presence table
            pair_key, inverse = np.unique(keys(slice(None)), return_inverse=True)
            pair_of_answer[:] = inverse.reshape(-1)
        self.n_tasks = answers.n_tasks
        self.n_workers = answers.n_workers
        self.n_labels = n_labels
        self.n_pairs = int(pair_key.size)
        self.pair_worker: IntArray = (pair_key // n_labels).astype(np.int32)
        self.pair_label: IntArray = (pair_key % n_labels).astype(np.int32)
        weight = answers.weights()
        self.pair_weight: FloatArray = bincount_sum(pair_of_answer, weight, self.n_pairs)
        self.total_weight = float(self.pair_weight.sum())
        self.matrix = sp.csr_matrix(
            (weight, (answers.task_idx, pair_of_answer)), shape=(self.n_tasks, self.n_pairs)
        )

    def task_scores(self, pair_scores: FloatArray) -> tuple[FloatArray, float]:
        """Per-task log-likelihood of each true label, up to a per-task constant.

        Args:
            pair_scores: ``(n_labels, n_pairs)`` array ``S[c, p] = log P(y_p | c, w_p)``.

        Returns:
            ``(scores, offset)``: label-major ``(n_labels, n_tasks)`` scores equal to the exact
            log-likelihoods minus a per-task constant, and the sum of those constants over tasks.
        """
        n_labels = self.n_labels
        base = pair_scores[n_labels - 1]
        scores = np.empty((n_labels, self.n_tasks))
        for label in range(n_labels - 1):
            scores[label] = self.matrix @ (pair_scores[label] - base)
        scores[n_labels - 1] = 0.0
        return scores, float(self.pair_weight @ base)

    def pair_totals(self, posteriors: FloatArray) -> FloatArray:
        """Expected counts ``N[c, p]`` of each pair under each true label, ``(n_labels, n_pairs)``."""
        n_labels = self.n_labels
        transposed = self.matrix.T
        totals = np.empty((n_labels, self.n_pairs))
        for label in range(n_labels - 1):
            totals[label] = transposed @ posteriors[label]
        totals[n_labels - 1] = self.pair_weight - totals[: n_labels - 1].sum(axis=0)
        np.maximum(totals[n_labels - 1], 0.0, out=totals[n_labels - 1])
        return totals

    def diagonal(self, pair_values: FloatArray) -> FloatArray:
        """``pair_values[pair_label[p], p]`` for every pair: the entry where truth equals the answer."""
        return pair_values[self.pair_label, np.arange(self.n_pairs)]

    def per_worker(self, pair_values: FloatArray) -> FloatArray:
        """Sum a ``(n_pairs,)`` array over each worker's pairs, giving ``(n_workers,)``."""
        return bincount_sum(self.pair_worker, pair_values, self.n_workers)

    @cached_property
    def label_onehot(self) -> FloatArray:
        """``(n_labels, n_pairs)`` indicator of ``c == y_p``."""
        onehot = np.zeros((self.n_labels, self.n_pairs))
        onehot[self.pair_label, np.arange(self.n_pairs)] = 1.0
        return onehot


def posterior(
    scores: FloatArray, log_prior: FloatArray, offset: float, known: IntArray | None
) -> tuple[FloatArray, float]:
    """Normalise label-major log-scores into posteriors, in place, and total the log-likelihood.

    Args:
        scores: ``(n_labels, n_tasks)`` log-likelihoods up to per-task constants (overwritten).
        log_prior: ``(n_labels,)`` log prior of each label.
        offset: sum of the per-task constants (see :meth:`ResponseMatrix.task_scores`).
        known: known label per task (-1 unknown), or ``None``; known tasks get one-hot posteriors
            and contribute the joint likelihood with their known label.

    Returns:
        ``(posteriors, log_likelihood)``; posteriors are label-major and sum to 1 over labels.
    """
    scores += log_prior[:, None]
    top = scores.max(axis=0)
    scores -= top
    known_tasks = np.flatnonzero(known != UNKNOWN) if known is not None else np.empty(0, np.intp)
    known_label = known[known_tasks] if known is not None else np.empty(0, np.intp)
    known_score = float(scores[known_label, known_tasks].sum())
    np.exp(scores, out=scores)
    total = scores.sum(axis=0)
    log_total = np.log(total)
    log_total[known_tasks] = 0.0
    log_likelihood = float(top.sum() + log_total.sum()) + known_score + offset
    scores /= total
    if known_tasks.size:
        scores[:, known_tasks] = 0.0
        scores[known_label, known_tasks] = 1.0
    return scores, log_likelihood


def label_major(probas: FloatArray) -> FloatArray:
    """Contiguous label-major copy of a task-major matrix."""
    return np.ascontiguousarray(probas.T)


def task_major(probas: FloatArray) -> FloatArray:
    """Contiguous task-major copy of a label-major matrix."""
    return np.ascontiguousarray(probas.T)
