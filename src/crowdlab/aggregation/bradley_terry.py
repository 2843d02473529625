"""Bradley-Terry model for pairwise comparisons, fitted by Hunter's MM algorithm."""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.special import xlogy

from .answers import FloatArray, IntArray, bincount_sum
from .base import Progress, report
from .comparisons import Comparisons


def unordered_pairs(comparisons: Comparisons) -> tuple[IntArray, IntArray, FloatArray]:
    """Distinct unordered item pairs ``(i, j)`` (``i < j``) and the total weight compared on each."""
    n_items = comparisons.n_items
    low = np.minimum(comparisons.left_idx, comparisons.right_idx).astype(np.int64)
    key = low * n_items + np.maximum(comparisons.left_idx, comparisons.right_idx)
    if n_items * n_items <= 4 * key.size:  # few items: count into a table instead of sorting
        table = np.bincount(key, weights=comparisons.weight, minlength=n_items * n_items)
        keys = np.flatnonzero(table)
        counts = table[keys].astype(np.float64)
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        counts = bincount_sum(inverse.reshape(-1), comparisons.weights(), keys.size)
    return (keys // n_items).astype(np.int32), (keys % n_items).astype(np.int32), counts


class _MMProblem:
    """Hunter's MM update and the log-likelihood for one set of comparisons."""

    def __init__(self, comparisons: Comparisons) -> None:
        self.n_items = comparisons.n_items
        self.wins = np.bincount(comparisons.winners(), weights=comparisons.weights(), minlength=self.n_items)
        self.first, self.second, self.counts = unordered_pairs(comparisons)

    def step(self, scores: FloatArray) -> FloatArray:
        """One MM update, normalised to sum 1."""
        together = scores[self.first] + scores[self.second]
        share = np.divide(self.counts, together, out=np.zeros_like(self.counts), where=together > 0)
        denominator = np.bincount(self.first, weights=share, minlength=self.n_items)
        denominator += np.bincount(self.second, weights=share, minlength=self.n_items)
        updated = np.divide(self.wins, denominator, out=np.zeros(self.n_items), where=denominator > 0)
        return updated / updated.sum()

    def log_likelihood(self, scores: FloatArray) -> float:
        """``sum_i W_i ln p_i - sum_{i<j} n_ij ln(p_i + p_j)`` (0 ln 0 = 0)."""
        together = scores[self.first] + scores[self.second]
        return float(xlogy(self.wins, scores).sum() - xlogy(self.counts, together).sum())


class BradleyTerry:
    r"""Bradley-Terry model: item :math:`i` beats item :math:`j` with probability :math:`p_i / (p_i + p_j)`.

    The scores :math:`p` maximise the log-likelihood
    :math:`\sum_{i \ne j} w_{ij} (\ln p_i - \ln(p_i + p_j))`, where :math:`w_{ij}` is the (weighted)
    number of comparisons :math:`i` won against :math:`j`. Hunter's minorise-maximise iteration

    .. math::
        p_i \leftarrow \frac{W_i}{\sum_{j} n_{ij} / (p_i + p_j)}, \qquad p \leftarrow p / \textstyle\sum p,

    with :math:`W_i` the wins of :math:`i` and :math:`n_{ij}` the comparisons of the pair, increases
    it monotonically. MM converges slowly, so every two steps are extrapolated with SQUAREM
    (Varadhan and Roland, *Scandinavian Journal of Statistics* 35, 2008) and the extrapolation is
    kept only if it raises the likelihood. It runs until the scores move by less than ``tol`` (L1)
    over a cycle or after ``n_iter`` MM steps. Items that never won score 0. Scores sum to 1. A
    unique maximum needs the comparison graph to be strongly connected. Each step is two
    ``bincount`` passes over the distinct pairs.

    References: R. A. Bradley and M. E. Terry, *Rank Analysis of Incomplete Block Designs: I. The
    Method of Paired Comparisons*, Biometrika 39, 1952, 324-345; D. R. Hunter, *MM Algorithms for
    Generalized Bradley-Terry Models*, Annals of Statistics 32(1), 2004, 384-406.

    Attributes:
        scores_: ``(n_items,)`` scores summing to 1.
        n_iter_: MM steps run.
    """

    scores_: FloatArray
    n_iter_: int

    def __init__(self, n_iter: int = 100, tol: float = 1e-5) -> None:
        if n_iter < 1:
            raise ValueError(f"n_iter must be at least 1, got {n_iter}")
        self.n_iter = n_iter
        self.tol = tol

    def fit(self, comparisons: Comparisons, *, progress: Progress | None = None) -> Self:
        """Fit item scores."""
        model = _MMProblem(comparisons)
        scores = np.full(comparisons.n_items, 1.0 / comparisons.n_items)
        steps = 0
        while steps < self.n_iter:
            first = model.step(scores)
            second = model.step(first)
            steps += 2
            updated = second
            # SQUAREM: extrapolate along the last two steps, then one more MM step from there;
            # keep it only if it beats the plain two steps on likelihood
            gap = first - scores
            curve = second - first - gap
            curvature = float(np.sqrt(curve @ curve))
            if curvature > 0 and steps < self.n_iter:
                rate = min(-float(np.sqrt(gap @ gap)) / curvature, -1.0)
                jump = scores - 2.0 * rate * gap + rate * rate * curve
                if (jump >= 0).all() and jump.sum() > 0:
                    candidate = model.step(jump / jump.sum())
                    steps += 1
                    if model.log_likelihood(candidate) >= model.log_likelihood(second):
                        updated = candidate
            change = float(np.abs(updated - scores).sum())
            scores = updated
            report(progress, min(steps, self.n_iter) / self.n_iter)
            if change < self.tol:
                break
        self.n_iter_ = min(steps, self.n_iter)
        self.scores_ = scores
        report(progress, 1.0)
        return self

    def fit_predict(self, comparisons: Comparisons, *, progress: Progress | None = None) -> FloatArray:
        """Fit and return the item scores."""
        return self.fit(comparisons, progress=progress).scores_
