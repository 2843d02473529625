"""Noisy Bradley-Terry: pairwise comparisons with worker reliability and position bias."""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from .answers import FloatArray
from .base import Progress, report
from .comparisons import Comparisons


class NoisyBradleyTerry:
    r"""Bradley-Terry model with a reliability and a left/right bias per worker.

    Worker :math:`w` follows the Bradley-Terry model with probability :math:`\sigma(\gamma_w)` and
    otherwise picks the left item with probability :math:`\sigma(q_w)`. With :math:`y_a = +1` when
    the left item won and :math:`-1` otherwise, and item parameters :math:`s`,

    .. math::
        P(y_a) = \sigma(\gamma_w)\,\sigma\!\left(y_a (s_{l_a} - s_{r_a})\right)
               + (1 - \sigma(\gamma_w))\,\sigma(y_a q_w).

    The parameters maximise :math:`\sum_a v_a \log P(y_a) + \lambda \sum_i [\log\sigma(s_i - c) +
    \log\sigma(c - s_i)]`, where the weak penalty (``regularization_ratio`` :math:`\lambda`) around a
    free centre :math:`c` pins down the otherwise shift-invariant scores. The optimiser is L-BFGS-B
    with the exact, vectorised gradient (``n_iter`` iterations at most, relative tolerance ``tol``),
    started from all zeros -- equal scores, no bias, even odds of following the model -- so results
    do not depend on how items and workers are numbered. An integer ``random_state`` starts from
    uniform random values instead, as crowd-kit does.

    Reported values pass through the logistic function, as in crowd-kit: ``scores_`` =
    :math:`\sigma(s)`, ``skills_`` = :math:`\sigma(\gamma)` (probability of answering by the model),
    ``biases_`` = :math:`\sigma(q)` (probability of choosing left when not).

    Reference: the NoisyBT model of crowd-kit (Ustalov et al., *Learning from Crowds with
    Crowd-Kit*, JOSS 2024), a Bradley-Terry variant in the spirit of X. Chen, P. N. Bennett,
    K. Collins-Thompson and E. Horvitz, *Pairwise Ranking Aggregation in a Crowdsourced Setting*,
    WSDM 2013.
    """

    scores_: FloatArray
    skills_: FloatArray
    biases_: FloatArray

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        regularization_ratio: float = 1e-5,
        random_state: int | None = None,
    ) -> None:
        if n_iter < 1:
            raise ValueError(f"n_iter must be at least 1, got {n_iter}")
        self.n_iter = n_iter
        self.tol = tol
        self.regularization_ratio = regularization_ratio
        self.random_state = random_state

    def fit(self, comparisons: Comparisons, *, progress: Progress | None = None) -> Self:
        """Fit item scores, worker reliabilities and biases."""
        n_items, n_workers = comparisons.n_items, comparisons.n_workers
        problem = _NoisyBTProblem(comparisons, self.regularization_ratio)
        size = 1 + n_items + 2 * n_workers
        if self.random_state is None:
            start = np.zeros(size)
        else:
            start = np.random.default_rng(self.random_state).random(size)
        calls = [0]

        def tick(_: FloatArray) -> None:
            calls[0] += 1
            report(progress, calls[0] / self.n_iter)

        result = minimize(
            problem.negative_log_likelihood,
            start,
            jac=True,
            method="L-BFGS-B",
            callback=tick,
            options={"maxiter": self.n_iter, "ftol": self.tol},
        )
        items, biases, skills = np.split(result.x[1:], [n_items, n_items + n_workers])
        self.scores_ = expit(items)
        self.biases_ = expit(biases)
        self.skills_ = expit(skills)
        report(progress, 1.0)
        return self

    def fit_predict(self, comparisons: Comparisons, *, progress: Progress | None = None) -> FloatArray:
        """Fit and return the item scores."""
        return self.fit(comparisons, progress=progress).scores_


class _NoisyBTProblem:
    """Objective and gradient of Noisy Bradley-Terry over the parameter vector ``[c, s, q, gamma]``."""

    def __init__(self, comparisons: Comparisons, regularization: float) -> None:
        self.n_items = comparisons.n_items
        self.n_workers = comparisons.n_workers
        self.left = comparisons.left_idx.astype(np.intp)
        self.right = comparisons.right_idx.astype(np.intp)
        self.worker = comparisons.worker_idx.astype(np.intp)
        self.sign = np.where(comparisons.left_won, 1.0, -1.0)
        self.weight = comparisons.weights()
        self.regularization = regularization

    def negative_log_likelihood(self, point: FloatArray) -> tuple[float, FloatArray]:
        """Minus the penalised log-likelihood and its gradient."""
        centre = point[0]
        items, biases, skills = np.split(point[1:], [self.n_items, self.n_items + self.n_workers])
        follow = expit(skills)[self.worker]
        model = expit(self.sign * (items[self.left] - items[self.right]))
        bias = expit(self.sign * biases[self.worker])
        likelihood = follow * model + (1.0 - follow) * bias
        gap = items - centre
        value = float(self.weight @ np.log(likelihood))
        value -= self.regularization * float(np.logaddexp(0.0, -gap).sum() + np.logaddexp(0.0, gap).sum())
        scale = self.weight / likelihood
        d_items = scale * follow * model * (1.0 - model) * self.sign
        gradient = np.empty_like(point)
        pull = np.tanh(gap / 2.0)
        gradient[0] = self.regularization * float(pull.sum())
        gradient[1 : 1 + self.n_items] = (
            np.bincount(self.left, weights=d_items, minlength=self.n_items)
            - np.bincount(self.right, weights=d_items, minlength=self.n_items)
            - self.regularization * pull
        )
        start = 1 + self.n_items
        gradient[start : start + self.n_workers] = np.bincount(
            self.worker,
            weights=scale * (1.0 - follow) * bias * (1.0 - bias) * self.sign,
            minlength=self.n_workers,
        )
        gradient[start + self.n_workers :] = np.bincount(
            self.worker, weights=scale * follow * (1.0 - follow) * (model - bias), minlength=self.n_workers
        )
        return -value, -gradient
