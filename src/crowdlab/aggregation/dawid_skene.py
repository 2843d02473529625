"""Dawid-Skene: one confusion matrix per worker, fitted by expectation-maximisation."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from .answers import UNKNOWN, Answers, FloatArray, IntArray
from .base import EPS, CategoricalAggregator, Progress, known_or_none, report
from .majority_vote import weighted_vote
from .response_matrix import ResponseMatrix, label_major, posterior, task_major


def clamp_label_major(posteriors: FloatArray, known: IntArray | None) -> None:
    """One-hot columns for tasks with a known label (label-major, in place)."""
    if known is None:
        return
    tasks = np.flatnonzero(known != UNKNOWN)
    posteriors[:, tasks] = 0.0
    posteriors[known[tasks], tasks] = 1.0


class DawidSkene(CategoricalAggregator):
    r"""Dawid-Skene model: every worker has a full confusion matrix.

    Worker :math:`w` answers :math:`y` on a task whose true label is :math:`c` with probability
    :math:`e^w_{y c}` (``errors_[w, y, c]``); true labels follow the prior :math:`p_c`. The posterior
    of task :math:`t` is

    .. math:: q_t(c) \propto p_c \prod_{a \in t} \left(e^{w_a}_{y_a c}\right)^{v_a},

    and EM alternates it (E-step) with the maximum a posteriori update (M-step)

    .. math::
        p_c = \frac{1}{T}\sum_t q_t(c), \qquad
        e^w_{y c} = \frac{N^w_{y c} + \alpha [y = c]}{\sum_{y'} \left(N^w_{y' c} + \alpha [y' = c]\right)},
        \quad N^w_{y c} = \sum_{a \in w,\, y_a = y} v_a\, q_{t_a}(c),

    starting from majority-vote posteriors. :math:`\alpha` (``diagonal_prior``) is a small Dirichlet
    pseudo-count on the diagonal: it is negligible once a worker has answers under a true label, but
    keeps a true label the worker never met from looking like a flat column. Without it (``alpha=0``,
    the plain maximum-likelihood model, as in crowd-kit) two workers who agree on a task and were
    never seen on another label leave that task at 0.5/0.5, and the class prior can overrule
    unanimous answers.
    Iteration stops after ``n_iter`` rounds or when the log-likelihood per answer improves by less
    than ``tol``. (crowd-kit tests its own loss against 1e-5; that loss counts the prior once per
    answer and keeps moving for about twice as many rounds, so the equivalent here is about 1e-6.)
    Known labels are fixed posteriors throughout.

    The E-step and M-step are sparse matrix products over (worker, label) pairs (see
    :mod:`crowdlab.aggregation.response_matrix`), so a round costs a few passes over the answers.

    Reference: A. P. Dawid and A. M. Skene, *Maximum Likelihood Estimation of Observer Error-Rates
    Using the EM Algorithm*, Journal of the Royal Statistical Society C 28(1), 1979, 20-28.
    https://doi.org/10.2307/2346806

    Attributes:
        priors_: ``(n_labels,)`` prior of each true label.
        errors_: ``(n_workers, n_labels, n_labels)`` confusion matrices ``[worker, answer, truth]``.
        loss_history_: log-likelihood per answer after each round.
        n_iter_: rounds run.
    """

    priors_: FloatArray
    errors_: FloatArray
    loss_history_: list[float]
    n_iter_: int

    def __init__(self, n_iter: int = 100, tol: float = 1e-6, diagonal_prior: float = 0.01) -> None:
        if n_iter < 1:
            raise ValueError(f"n_iter must be at least 1, got {n_iter}")
        if diagonal_prior < 0:
            raise ValueError(f"diagonal_prior must be non-negative, got {diagonal_prior}")
        self.n_iter = n_iter
        self.tol = tol
        self.diagonal_prior = diagonal_prior

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Fit priors, worker confusion matrices and task posteriors by EM."""
        known = known_or_none(answers, true_labels)
        matrix = ResponseMatrix(answers)
        posteriors = label_major(weighted_vote(answers, None))
        clamp_label_major(posteriors, known)
        log_prior, pair_scores = self._m_step(matrix, posteriors)
        self.loss_history_ = []
        previous = -np.inf
        for iteration in range(self.n_iter):
            scores, offset = matrix.task_scores(pair_scores)
            posteriors, log_likelihood = posterior(scores, log_prior, offset, known)
            log_prior, pair_scores = self._m_step(matrix, posteriors)
            loss = log_likelihood / matrix.total_weight
            self.loss_history_.append(loss)
            report(progress, (iteration + 1) / self.n_iter)
            if loss - previous < self.tol:
                break
            previous = loss
        self.n_iter_ = len(self.loss_history_)
        self.priors_ = posteriors.mean(axis=1)
        self._store_parameters(matrix, posteriors)
        self._finish(task_major(posteriors), known)
        report(progress, 1.0)
        return self

    def _m_step(self, matrix: ResponseMatrix, posteriors: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Log prior ``(K,)`` and log confusion entries ``S[c, p] = log e^{w_p}_{y_p c}``."""
        log_prior = np.log(np.maximum(posteriors.mean(axis=1), EPS))
        numerator, denominator = self._confusion_counts(matrix, posteriors)
        pair_scores = np.log(numerator)
        pair_scores -= np.log(denominator)[:, matrix.pair_worker]
        return log_prior, pair_scores

    def _confusion_counts(
        self, matrix: ResponseMatrix, posteriors: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        alpha = self.diagonal_prior
        numerator = matrix.pair_totals(posteriors)
        if alpha:
            numerator += alpha * matrix.label_onehot
        np.maximum(numerator, EPS, out=numerator)
        denominator = np.empty((matrix.n_labels, matrix.n_workers))
        for label in range(matrix.n_labels):
            denominator[label] = matrix.per_worker(numerator[label])
        if alpha:
            # the pseudo-count of a (worker, label) pair the worker never used still normalises
            unused = np.ones((matrix.n_labels, matrix.n_workers), dtype=bool)
            unused[matrix.pair_label, matrix.pair_worker] = False
            denominator += alpha * unused
        np.maximum(denominator, EPS, out=denominator)
        return numerator, denominator

    def _store_parameters(self, matrix: ResponseMatrix, posteriors: FloatArray) -> None:
        n_labels = matrix.n_labels
        numerator, denominator = self._confusion_counts(matrix, posteriors)
        errors = np.zeros((matrix.n_workers, n_labels, n_labels))
        diagonal = np.arange(n_labels)
        errors[:, diagonal, diagonal] = self.diagonal_prior / denominator.T
        errors[matrix.pair_worker, matrix.pair_label, :] = (numerator / denominator[:, matrix.pair_worker]).T
        self.errors_ = errors
