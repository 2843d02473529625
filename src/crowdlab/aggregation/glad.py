"""GLAD: worker ability and task difficulty, fitted by EM with a gradient M-step."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from scipy.optimize import minimize

from .answers import Answers, FloatArray, IntArray, bincount_sum
from .base import CategoricalAggregator, Progress, known_or_none, report
from .response_matrix import posterior, task_major

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


class GLAD(CategoricalAggregator):
    r"""GLAD (Generative model of Labels, Abilities, and Difficulties).

    Worker :math:`w` has ability :math:`\alpha_w \in \mathbb{R}` and task :math:`t` has inverse
    difficulty :math:`e^{\beta_t} > 0`. With :math:`\sigma` the logistic function, the worker is right
    with probability :math:`\sigma(\alpha_w e^{\beta_t})` and otherwise picks one of the other
    :math:`K - 1` labels uniformly:

    .. math::
        P(y_a = k \mid z_t = c) = \begin{cases} \sigma(\alpha_w e^{\beta_t}) & k = c \\
        \frac{1 - \sigma(\alpha_w e^{\beta_t})}{K - 1} & k \ne c \end{cases}.

    E-step: :math:`q_t(c) \propto p_c \prod_{a \in t} P(y_a \mid c)` with the label prior :math:`p`
    fixed (uniform unless ``labels_priors`` is given). M-step: a few conjugate-gradient steps
    (``m_step_max_iter``, gradient tolerance ``m_step_tol``) on the expected complete-data
    log-likelihood plus Gaussian priors :math:`\alpha_w \sim N(\mu_\alpha, 1)`,
    :math:`\beta_t \sim N(\mu_\beta, 1)`:

    .. math::
        Q = \sum_a v_a \left[\log\sigma(x_a) - (1 - q_{t_a}(y_a))\,(x_a + \log(K-1))\right]
            + \sum_w \log\varphi(\alpha_w - \mu_\alpha) + \sum_t \log\varphi(\beta_t - \mu_\beta),

    where :math:`x_a = \alpha_{w_a} e^{\beta_{t_a}}`; its gradient is
    :math:`\partial Q / \partial x_a = v_a (q_{t_a}(y_a) - \sigma(x_a))`. Everything is a handful of
    vector operations and ``bincount`` sums over the answers. Parameters start at
    :math:`\alpha = \beta = 1` (the prior means). Iteration stops after ``n_iter`` rounds or, as in
    the authors' reference code and crowd-kit, when :math:`Q` after the M-step -- divided by the
    number of answers times labels, crowd-kit's scale -- gains less than ``tol`` over the previous
    round (it is compared across different posteriors, so it can also fall, which stops too). Known
    labels are fixed posteriors.

    Reference: J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma and J. Movellan, *Whose Vote Should Count
    More: Optimal Integration of Labels from Labelers of Unknown Expertise*, NeurIPS 2009.
    https://proceedings.neurips.cc/paper/2009/file/f899139df5e1059396431415e770c6dd-Paper.pdf

    Attributes:
        alphas_: ``(n_workers,)`` abilities.
        betas_: ``(n_tasks,)`` log inverse difficulties (the inverse difficulty is ``exp(betas_)``).
        priors_: ``(n_labels,)`` the label prior used.
        loss_history_: :math:`Q` per answer and label after each round.
    """

    alphas_: FloatArray
    betas_: FloatArray
    priors_: FloatArray
    loss_history_: list[float]
    n_iter_: int

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        m_step_max_iter: int = 25,
        m_step_tol: float = 1e-2,
        labels_priors: Any = None,
        alphas_priors_mean: Any = 1.0,
        betas_priors_mean: Any = 1.0,
    ) -> None:
        if n_iter < 1 or m_step_max_iter < 1:
            raise ValueError("n_iter and m_step_max_iter must be at least 1")
        self.n_iter = n_iter
        self.tol = tol
        self.m_step_max_iter = m_step_max_iter
        self.m_step_tol = m_step_tol
        self.labels_priors = labels_priors
        self.alphas_priors_mean = alphas_priors_mean
        self.betas_priors_mean = betas_priors_mean

    def _setting(self, name: str, value: Any, size: int) -> FloatArray:
        array = np.broadcast_to(np.asarray(value, dtype=np.float64), (size,)).copy()
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite")
        return array

    def fit(self, answers: Answers, true_labels: Any = None, *, progress: Progress | None = None) -> Self:
        """Fit abilities, difficulties and task posteriors by EM."""
        known = known_or_none(answers, true_labels)
        n_tasks, n_labels = answers.n_tasks, answers.n_labels
        if self.labels_priors is None:
            prior = np.full(n_labels, 1.0 / n_labels)
        else:
            prior = self._setting("labels_priors", self.labels_priors, n_labels)
            if (prior <= 0).any():
                raise ValueError("labels_priors must be positive")
            prior = prior / prior.sum()
        problem = _GladProblem(
            answers,
            self._setting("alphas_priors_mean", self.alphas_priors_mean, answers.n_workers),
            self._setting("betas_priors_mean", self.betas_priors_mean, n_tasks),
        )
        log_prior = np.log(prior)
        point = np.concatenate([np.ones(answers.n_workers), np.ones(n_tasks)])
        self.loss_history_ = []
        previous = -np.inf
        for iteration in range(self.n_iter):
            posteriors = problem.posteriors(point, log_prior, known)
            problem.set_posteriors(posteriors)
            result = minimize(
                problem.negative_q,
                point,
                jac=True,
                method="CG",
                tol=self.m_step_tol,
                options={"maxiter": self.m_step_max_iter},
            )
            point = result.x
            loss = -float(result.fun) / (problem.total_weight * n_labels)
            self.loss_history_.append(loss)
            report(progress, (iteration + 1) / self.n_iter)
            if loss - previous < self.tol:
                break
            previous = loss
        self.n_iter_ = len(self.loss_history_)
        self.alphas_ = point[: answers.n_workers].copy()
        self.betas_ = point[answers.n_workers :].copy()
        self.priors_ = prior
        self._finish(task_major(posteriors), known)
        report(progress, 1.0)
        return self


class _GladProblem:
    """Vectorised E-step and M-step objective of GLAD for one set of answers."""

    def __init__(self, answers: Answers, alpha_mean: FloatArray, beta_mean: FloatArray) -> None:
        self.n_workers = answers.n_workers
        self.n_tasks = answers.n_tasks
        self.n_labels = answers.n_labels
        self.task = answers.task_idx.astype(np.intp)
        self.worker = answers.worker_idx.astype(np.intp)
        self.cell = answers.label_idx.astype(np.intp) * self.n_tasks + self.task
        self.weight = answers.weight
        self.total_weight = float(answers.weights().sum())
        self.log_wrong = float(np.log(max(self.n_labels - 1, 1)))
        self.alpha_mean = alpha_mean
        self.beta_mean = beta_mean
        self.right: FloatArray = np.zeros(answers.n_answers)
        self.wrong: FloatArray = np.ones(answers.n_answers)

    def _x(self, point: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Abilities, log inverse difficulties, ``exp(beta_t)`` and ``x_a`` per answer."""
        alpha, beta = point[: self.n_workers], point[self.n_workers :]
        inverse_difficulty = np.exp(beta)[self.task]
        return alpha, beta, inverse_difficulty, alpha[self.worker] * inverse_difficulty

    def posteriors(self, point: FloatArray, log_prior: FloatArray, known: IntArray | None) -> FloatArray:
        """Label-major task posteriors under ``point``.

        ``log P(y_a | c) = log sigma(-x_a) - log(K-1) + [y_a = c] (x_a + log(K-1))``: only the
        bracketed part varies with the label, so only it is summed per task and label.
        """
        x = self._x(point)[3]
        evidence = x + self.log_wrong
        if self.weight is not None:
            evidence *= self.weight
        scores = bincount_sum(self.cell, evidence, self.n_labels * self.n_tasks)
        posteriors, _ = posterior(scores.reshape(self.n_labels, self.n_tasks), log_prior, 0.0, known)
        return posteriors

    def _log_prior_density(self, alpha: FloatArray, beta: FloatArray) -> float:
        alpha_gap = alpha - self.alpha_mean
        beta_gap = beta - self.beta_mean
        return -0.5 * float(alpha_gap @ alpha_gap + beta_gap @ beta_gap) - _LOG_SQRT_2PI * (
            self.n_workers + self.n_tasks
        )

    def set_posteriors(self, posteriors: FloatArray) -> None:
        """Remember ``q_t(y_a)``, the posterior that each answer is right."""
        self.right = posteriors.reshape(-1)[self.cell]
        self.wrong = 1.0 - self.right

    def negative_q(self, point: FloatArray) -> tuple[float, FloatArray]:
        """``-Q`` and its gradient at ``point`` (abilities then log inverse difficulties)."""
        alpha, beta, inverse_difficulty, x = self._x(point)
        # one exponential serves both log sigma(x) and sigma(x), stably for either sign of x
        small = np.exp(-np.abs(x))
        one_plus = 1.0 + small
        terms = np.minimum(x, 0.0) - np.log(one_plus) - self.wrong * (x + self.log_wrong)
        slope = self.right - np.where(x >= 0, 1.0, small) / one_plus
        if self.weight is not None:
            terms *= self.weight
            slope *= self.weight
        value = float(terms.sum()) + self._log_prior_density(alpha, beta)
        alpha_gap = alpha - self.alpha_mean
        beta_gap = beta - self.beta_mean
        gradient = np.empty_like(point)
        gradient[: self.n_workers] = (
            np.bincount(self.worker, weights=slope * inverse_difficulty, minlength=self.n_workers) - alpha_gap
        )
        gradient[self.n_workers :] = (
            np.bincount(self.task, weights=slope * x, minlength=self.n_tasks) - beta_gap
        )
        return -value, -gradient
