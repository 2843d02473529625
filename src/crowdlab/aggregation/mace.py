"""MACE: multi-annotator competence estimation (workers either know or spam)."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
from scipy.special import digamma

from .answers import Answers, FloatArray, IntArray
from .base import EPS, CategoricalAggregator, Progress, known_or_none, report
from .response_matrix import ResponseMatrix, posterior, task_major


class MACE(CategoricalAggregator):
    r"""MACE: each answer is either the truth (the worker knows) or a draw from the worker's spam strategy.

    True labels are uniform, :math:`z_t \sim U\{1..K\}`. On each answer worker :math:`w` spams with
    probability :math:`\theta^s_w` (knows with :math:`\theta^k_w = 1 - \theta^s_w`); a spammed answer
    follows the worker's strategy :math:`\xi_w` over labels:

    .. math:: P(y_a = y \mid z_t = c) = \theta^s_w \xi_{w y} + \theta^k_w [y = c].

    EM alternates the task posteriors :math:`q_t(c) \propto \prod_{a \in t} P(y_a \mid c)` with
    expected counts per answer -- knowing :math:`k_a = q_t(y_a)\,\theta^k_w / (\theta^s_w \xi_{w y_a}
    + \theta^k_w)` and spamming :math:`1 - k_a` -- summed per worker (and per label for the
    strategy). The M-step is either variational Bayes (``method="vb"``, the default) with
    :math:`\mathrm{Beta}(\alpha, \beta)` on :math:`\theta_w` and a symmetric Dirichlet
    (``strategy_prior``) on :math:`\xi_w`, i.e. :math:`\theta \propto \exp\psi(\text{count} +
    \text{prior}) / \exp\psi(\sum)`, or plain EM with add-``smoothing`` normalisation
    (``method="em"``; default smoothing ``0.01 / K``).

    Initialisation: the first run starts from the neutral point (:math:`\theta^k = 1/2`, uniform
    :math:`\xi`), which depends on nothing but the data, so results do not change when workers or
    tasks are renumbered. ``n_restarts - 1`` more runs start from random parameters drawn with
    ``random_state``; the run with the best marginal likelihood wins. Each run stops after
    ``n_iter`` rounds or when the log marginal likelihood per answer improves by less than ``tol``.
    Known labels are fixed posteriors.

    Reference: D. Hovy, T. Berg-Kirkpatrick, A. Vaswani and E. Hovy, *Learning Whom to Trust with
    MACE*, NAACL-HLT 2013, 1120-1130. https://aclanthology.org/N13-1132.pdf

    Attributes:
        spamming_: ``(n_workers, 2)`` probabilities ``[spam, know]`` per worker.
        thetas_: ``(n_workers, n_labels)`` spam strategy of each worker.
        skills_: ``(n_workers,)`` probability of knowing (``spamming_[:, 1]``).
        log_marginal_likelihood_: of the winning run.
        n_iter_: rounds of the winning run.
    """

    spamming_: FloatArray
    thetas_: FloatArray
    log_marginal_likelihood_: float
    n_iter_: int

    def __init__(
        self,
        n_restarts: int = 1,
        n_iter: int = 50,
        tol: float = 1e-5,
        method: Literal["vb", "em"] = "vb",
        smoothing: float | None = None,
        default_noise: float = 0.5,
        alpha: float = 0.5,
        beta: float = 0.5,
        strategy_prior: float = 10.0,
        random_state: int = 0,
    ) -> None:
        if n_restarts < 1 or n_iter < 1:
            raise ValueError("n_restarts and n_iter must be at least 1")
        if method not in ("vb", "em"):
            raise ValueError(f"method must be 'vb' or 'em', got {method!r}")
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.tol = tol
        self.method = method
        self.smoothing = smoothing
        self.default_noise = default_noise
        self.alpha = alpha
        self.beta = beta
        self.strategy_prior = strategy_prior
        self.random_state = random_state

    @property
    def skills_(self) -> FloatArray:
        """Probability that each worker knows the answer rather than spams."""
        return self.spamming_[:, 1]

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Fit spamming probabilities, strategies and task posteriors; keep the best restart."""
        known = known_or_none(answers, true_labels)
        matrix = ResponseMatrix(answers)
        n_workers, n_labels = answers.n_workers, answers.n_labels
        rng = np.random.default_rng(self.random_state)
        best: tuple[float, FloatArray, FloatArray, int] | None = None
        for restart in range(self.n_restarts):
            if restart == 0:
                spamming = np.full((n_workers, 2), 0.5)
                thetas = np.full((n_workers, n_labels), 1.0 / n_labels)
            else:
                spamming = rng.uniform(1.0, 1.0 + self.default_noise, (n_workers, 2))
                thetas = rng.uniform(1.0, 1.0 + self.default_noise, (n_workers, n_labels))
                spamming /= spamming.sum(axis=1, keepdims=True)
                thetas /= thetas.sum(axis=1, keepdims=True)
            run = self._run(matrix, spamming, thetas, known, progress, restart)
            if best is None or run[0] > best[0]:
                best = run
        assert best is not None
        self.log_marginal_likelihood_, self.spamming_, self.thetas_, self.n_iter_ = best
        posteriors, _ = self._e_step(matrix, self.spamming_, self.thetas_, known)
        self._finish(task_major(posteriors), known)
        report(progress, 1.0)
        return self

    def _run(
        self,
        matrix: ResponseMatrix,
        spamming: FloatArray,
        thetas: FloatArray,
        known: IntArray | None,
        progress: Progress | None,
        restart: int,
    ) -> tuple[float, FloatArray, FloatArray, int]:
        """One EM run; returns its log marginal likelihood, parameters and rounds."""
        posteriors, log_likelihood = self._e_step(matrix, spamming, thetas, known)
        previous = -np.inf
        rounds = 0
        for iteration in range(self.n_iter):
            rounds = iteration + 1
            spamming, thetas = self._m_step(matrix, posteriors, spamming, thetas)
            posteriors, log_likelihood = self._e_step(matrix, spamming, thetas, known)
            report(progress, (restart + (iteration + 1) / self.n_iter) / self.n_restarts)
            loss = log_likelihood / matrix.total_weight
            if loss - previous < self.tol:
                break
            previous = loss
        return log_likelihood, spamming, thetas, rounds

    def _answer_probability(
        self, matrix: ResponseMatrix, spamming: FloatArray, thetas: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Per pair: probability of the answer when spammed, and when the worker knows."""
        worker, label = matrix.pair_worker, matrix.pair_label
        return spamming[worker, 0] * thetas[worker, label], spamming[worker, 1]

    def _e_step(
        self, matrix: ResponseMatrix, spamming: FloatArray, thetas: FloatArray, known: IntArray | None
    ) -> tuple[FloatArray, float]:
        spam, know = self._answer_probability(matrix, spamming, thetas)
        log_spam = np.log(np.maximum(spam, EPS))
        pair_scores = np.where(matrix.label_onehot > 0, np.log(np.maximum(spam + know, EPS)), log_spam)
        scores, offset = matrix.task_scores(pair_scores)
        log_prior = np.full(matrix.n_labels, -np.log(matrix.n_labels))
        return posterior(scores, log_prior, offset, known)

    def _m_step(
        self, matrix: ResponseMatrix, posteriors: FloatArray, spamming: FloatArray, thetas: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        spam, know = self._answer_probability(matrix, spamming, thetas)
        right = matrix.diagonal(matrix.pair_totals(posteriors))
        knowing = right * know / np.maximum(spam + know, EPS)
        spamming_counts = matrix.pair_weight - knowing
        knowing_counts = np.stack([matrix.per_worker(spamming_counts), matrix.per_worker(knowing)], axis=1)
        strategy_counts = np.zeros((matrix.n_workers, matrix.n_labels))
        strategy_counts[matrix.pair_worker, matrix.pair_label] = spamming_counts
        if self.method == "vb":
            return (
                _variational_normalize(knowing_counts, np.array([self.alpha, self.beta])),
                _variational_normalize(strategy_counts, np.full(matrix.n_labels, self.strategy_prior)),
            )
        smoothing = 0.01 / matrix.n_labels if self.smoothing is None else self.smoothing
        return _smooth_normalize(knowing_counts, smoothing), _smooth_normalize(strategy_counts, smoothing)


def _variational_normalize(counts: FloatArray, prior: FloatArray) -> FloatArray:
    """Rows of ``exp(digamma(counts + prior)) / exp(digamma(row sum))`` (the mean-field VB update)."""
    shifted = counts + prior
    return np.exp(digamma(shifted) - digamma(shifted.sum(axis=1, keepdims=True)))


def _smooth_normalize(counts: FloatArray, smoothing: float) -> FloatArray:
    shifted = counts + smoothing
    total = shifted.sum(axis=1, keepdims=True)
    return np.divide(shifted, total, out=np.zeros_like(shifted), where=total > 0)
