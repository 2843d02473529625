"""One-coin Dawid-Skene: a single accuracy per worker, errors spread evenly."""

from __future__ import annotations

import numpy as np

from .answers import FloatArray
from .base import EPS
from .dawid_skene import DawidSkene
from .response_matrix import ResponseMatrix


class OneCoinDawidSkene(DawidSkene):
    r"""One-coin Dawid-Skene: each worker is right with probability :math:`s_w`, whatever the truth.

    The confusion matrix of worker :math:`w` has a single parameter, the skill :math:`s_w`:

    .. math::
        e^w_{y c} = \begin{cases} s_w & y = c \\ \frac{1 - s_w}{K - 1} & y \ne c \end{cases},
        \qquad s_w = \frac{\sum_{a \in w} v_a\, q_{t_a}(y_a)}{\sum_{a \in w} v_a},

    i.e. the M-step sets the skill to the expected share of the worker's answers that are right.
    Entries are clipped to :math:`[10^{-10}, 1 - 10^{-10}]`. The E-step, prior update, majority-vote
    start, stopping rule and known-label clamping are those of :class:`DawidSkene`. Fewer parameters
    make it the better choice when workers answer few tasks each.

    Reference: Y. Zhang, X. Chen, D. Zhou and M. I. Jordan, *Spectral Methods Meet EM: A Provably
    Optimal Algorithm for Crowdsourcing*, Journal of Machine Learning Research 17, 2016, 1-44.
    https://arxiv.org/abs/1406.3824

    Attributes:
        skills_: ``(n_workers,)`` accuracy of each worker (NaN for workers without answers).
        errors_: ``(n_workers, n_labels, n_labels)`` implied confusion matrices ``[worker, answer, truth]``.
    """

    skills_: FloatArray

    def __init__(self, n_iter: int = 100, tol: float = 1e-5) -> None:
        super().__init__(n_iter=n_iter, tol=tol, diagonal_prior=0.0)

    def _skills(self, matrix: ResponseMatrix, posteriors: FloatArray) -> FloatArray:
        right = matrix.per_worker(matrix.diagonal(matrix.pair_totals(posteriors)))
        total = matrix.per_worker(matrix.pair_weight)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, right / np.where(total > 0, total, 1.0), np.nan)

    def _error_rates(self, skills: FloatArray, n_labels: int) -> tuple[FloatArray, FloatArray]:
        right = np.clip(skills, EPS, 1 - EPS)
        wrong = np.clip((1 - skills) / max(n_labels - 1, 1), EPS, 1 - EPS)
        return right, wrong

    def _m_step(self, matrix: ResponseMatrix, posteriors: FloatArray) -> tuple[FloatArray, FloatArray]:
        log_prior = np.log(np.maximum(posteriors.mean(axis=1), EPS))
        right, wrong = self._error_rates(self._skills(matrix, posteriors), matrix.n_labels)
        log_right = np.log(right)[matrix.pair_worker]
        log_wrong = np.log(wrong)[matrix.pair_worker]
        pair_scores = np.where(matrix.label_onehot > 0, log_right, log_wrong)
        return log_prior, pair_scores

    def _store_parameters(self, matrix: ResponseMatrix, posteriors: FloatArray) -> None:
        n_labels = matrix.n_labels
        self.skills_ = self._skills(matrix, posteriors)
        right, wrong = self._error_rates(np.nan_to_num(self.skills_, nan=1.0 / n_labels), n_labels)
        errors = np.repeat(wrong[:, None, None], n_labels, axis=1).repeat(n_labels, axis=2)
        diagonal = np.arange(n_labels)
        errors[:, diagonal, diagonal] = right[:, None]
        self.errors_ = errors
