"""Segmentation EM: binary masks aggregated pixel by pixel with a one-coin model per answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import expit, xlogy

from .answers import FloatArray, IntArray, as_index_array
from .base import EPS, Progress, report

BoolMask = npt.NDArray[np.bool_]

#: Upper bound on answer-pixels processed at once (bounds temporary memory to ~150 MB).
BLOCK_CELLS = 1 << 22


class SegmentationEM:
    r"""EM aggregation of binary segmentation masks (one image per task).

    Each answer :math:`a` to a task gets a skill :math:`e_a`, the probability that it marks a pixel
    correctly. Over the task's *region* (pixels any answer marked, :math:`R` of them), with pixel
    prior :math:`\pi_p` starting at the share of answers marking :math:`p`:

    * E-step: :math:`\operatorname{logit} q_p = \operatorname{logit} \pi_p + \sum_a (2 m_{ap} - 1)
      \operatorname{logit} e_a`, posteriors below ``eps`` set to 0;
    * M-step: :math:`e_a = 1 - \frac{1}{R} \sum_p |m_{ap} - q_p|` (expected agreement);
    * the prior becomes the posterior: :math:`\pi \leftarrow q`.

    Skills start from the rounded prior (the majority mask; exact halves round to 0). Each task
    stops after ``n_iter`` rounds or when its evidence lower bound per answer-pixel,
    :math:`\sum_{a,p} [q_p(\log w_{ap} + \log\pi_p) + (1-q_p)(\log(1-w_{ap}) + \log(1-\pi_p))]
    - \sum_p q_p \log q_p` with :math:`w_{ap} = e_a` if :math:`m_{ap}` else :math:`1 - e_a`,
    improves by less than ``tol``. The result keeps pixels with :math:`q_p > 1/2`. Skills are clipped
    to :math:`[10^{-10}, 1 - 10^{-10}]`. Tasks with masks of the same shape are processed together as
    one vectorised batch.

    Reference: D. Jung-Lin Lee, A. Das Sarma and A. Parameswaran, *Aggregating Crowdsourced Image
    Segmentations*, CEUR Workshop Proceedings 2173, 2018. https://ceur-ws.org/Vol-2173/paper10.pdf

    Attributes:
        segmentations_: aggregated boolean mask of each task.
        posteriors_: pixel posteriors of each task.
        answer_skills_: ``(n_answers,)`` final skill of each answer.
    """

    segmentations_: list[BoolMask]
    posteriors_: list[FloatArray]
    answer_skills_: FloatArray

    def __init__(self, n_iter: int = 10, tol: float = 1e-5, eps: float = 1e-15) -> None:
        if n_iter < 1:
            raise ValueError(f"n_iter must be at least 1, got {n_iter}")
        self.n_iter = n_iter
        self.tol = tol
        self.eps = eps

    def fit(
        self,
        task_idx: Any,
        masks: Sequence[Any] | npt.NDArray[Any],
        n_tasks: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> Self:
        """Aggregate ``masks`` (2-D arrays, or one 3-D array) answered to each task of ``task_idx``."""
        array = np.asarray(task_idx)
        count = n_tasks if n_tasks is not None else (int(array.max()) + 1 if array.size else 1)
        tasks = as_index_array("task_idx", array, max(count, 1), "n_tasks")
        if not tasks.size:
            raise ValueError("answers are empty: there is nothing to aggregate")
        if len(masks) != tasks.size:
            raise ValueError(
                f"task_idx and masks must have the same length, got {tasks.size} and {len(masks)}"
            )
        answered = np.bincount(tasks, minlength=count)
        if (answered == 0).any():
            raise ValueError(f"task {int(np.flatnonzero(answered == 0)[0])} has no masks")
        shapes = [np.shape(mask) for mask in masks]
        for row, shape in enumerate(shapes):
            if len(shape) != 2:
                raise ValueError(f"masks must be 2-D, got shape {shape} at row {row}")
        task_shape: dict[int, tuple[int, ...]] = {}
        for row, (task, shape) in enumerate(zip(tasks.tolist(), shapes, strict=True)):
            if task_shape.setdefault(task, shape) != shape:
                raise ValueError(
                    f"masks of task {task} differ in shape ({task_shape[task]} vs {shape} at row {row})"
                )
        self.segmentations_ = [np.zeros((0, 0), dtype=bool)] * count
        self.posteriors_ = [np.zeros((0, 0))] * count
        self.answer_skills_ = np.zeros(tasks.size)
        order = np.argsort(tasks, kind="stable")
        bounds = np.searchsorted(tasks[order], np.arange(count + 1))
        done = 0
        for block in _blocks(bounds, [task_shape[task] for task in range(count)]):
            rows = np.concatenate([order[bounds[task] : bounds[task + 1]] for task in block])
            shape = task_shape[block[0]]
            marks = np.stack([np.asarray(masks[row], dtype=bool).reshape(-1) for row in rows.tolist()])
            posteriors, skills = _em(marks, np.diff(bounds)[block], self.n_iter, self.tol, self.eps)
            for position, task in enumerate(block):
                self.posteriors_[task] = posteriors[position].reshape(shape)
                self.segmentations_[task] = self.posteriors_[task] > 0.5
            self.answer_skills_[rows] = skills
            done += len(block)
            report(progress, done / count)
        report(progress, 1.0)
        return self

    def fit_predict(
        self,
        task_idx: Any,
        masks: Sequence[Any] | npt.NDArray[Any],
        n_tasks: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> list[BoolMask]:
        """Fit and return the aggregated mask of each task."""
        return self.fit(task_idx, masks, n_tasks, progress=progress).segmentations_


def _blocks(bounds: npt.NDArray[np.intp], shapes: list[tuple[int, ...]]) -> list[list[int]]:
    """Group tasks by mask shape into blocks of at most :data:`BLOCK_CELLS` answer-pixels."""
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for task, shape in enumerate(shapes):
        by_shape.setdefault(shape, []).append(task)
    blocks: list[list[int]] = []
    for shape, tasks in by_shape.items():
        pixels = max(1, int(np.prod(shape)))
        block: list[int] = []
        cells = 0
        for task in tasks:
            size = int(bounds[task + 1] - bounds[task]) * pixels
            if block and cells + size > BLOCK_CELLS:
                blocks.append(block)
                block, cells = [], 0
            block.append(task)
            cells += size
        blocks.append(block)
    return blocks


def _em(
    marks: BoolMask, counts: IntArray, n_iter: int, tol: float, eps: float
) -> tuple[FloatArray, FloatArray]:
    """Vectorised EM over the tasks of one block; converged tasks drop out of later rounds.

    Args:
        marks: ``(n_answers, n_pixels)`` masks, answers grouped by task in task order.
        counts: ``(n_tasks,)`` answers per task.

    Returns:
        Final pixel posteriors ``(n_tasks, n_pixels)`` and per-answer skills ``(n_answers,)``.
    """
    n_pixels = marks.shape[1]
    values = marks.astype(np.float64)
    owner = np.repeat(np.arange(counts.size), counts)
    prior = _task_sums(values, counts)
    region = np.maximum((prior > 0).sum(axis=1), 1).astype(np.float64)
    prior /= counts[:, None]
    sizes = values.sum(axis=1)
    skills, _ = _m_step(values, (prior > 0.5).astype(np.float64), owner, sizes, region[owner])
    active: BoolMask = np.asarray((prior > 0).any(axis=1))
    loss = np.full(counts.size, -np.inf)
    for _ in range(n_iter):
        tasks = np.flatnonzero(active)
        if not tasks.size:
            break
        rows = np.flatnonzero(active[owner])
        part = values if rows.size == owner.size else values[rows]
        part_counts = counts[tasks]
        part_owner = np.repeat(np.arange(tasks.size), part_counts)
        log_odds = np.log(skills[rows]) - np.log1p(-skills[rows])
        evidence = 2.0 * _task_sums(part, part_counts, log_odds)
        evidence -= np.bincount(part_owner, weights=log_odds, minlength=tasks.size)[:, None]
        part_prior = prior[tasks]
        with np.errstate(divide="ignore"):
            evidence += np.log(part_prior) - np.log1p(-part_prior)
        posteriors = expit(evidence)
        posteriors[posteriors < eps] = 0.0
        new_skills, mismatch = _m_step(part, posteriors, part_owner, sizes[rows], region[owner[rows]])
        per_answer = np.log(new_skills) * (n_pixels - mismatch) + np.log1p(-new_skills) * mismatch
        bound = np.bincount(part_owner, weights=per_answer, minlength=tasks.size)
        bound += part_counts * (
            xlogy(posteriors, part_prior) + xlogy(1.0 - posteriors, 1.0 - part_prior)
        ).sum(axis=1)
        bound -= xlogy(posteriors, posteriors).sum(axis=1)
        new_loss = bound / (part_counts * n_pixels)
        prior[tasks] = posteriors
        skills[rows] = new_skills
        active[tasks[new_loss - loss[tasks] < tol]] = False
        loss[tasks] = new_loss
    return prior, skills


def _task_sums(values: FloatArray, counts: IntArray, weights: FloatArray | None = None) -> FloatArray:
    """Per-task (optionally weighted) sums of the rows of ``values``, rows grouped by task."""
    n_rows = values.shape[0]
    indptr = np.concatenate([[0], np.cumsum(counts)])
    data = np.ones(n_rows) if weights is None else weights
    grouping = sp.csr_matrix((data, np.arange(n_rows), indptr), shape=(counts.size, n_rows))
    return np.asarray(grouping @ values)


def _m_step(
    values: FloatArray,
    posteriors: FloatArray,
    owner: npt.NDArray[np.intp],
    sizes: FloatArray,
    region: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Skill of each answer from the expected number of pixels it gets wrong (also returned)."""
    overlap = np.einsum("ap,ap->a", values, posteriors[owner])
    mismatch = sizes + posteriors.sum(axis=1)[owner] - 2.0 * overlap
    return np.clip(1.0 - mismatch / region, EPS, 1.0 - EPS), mismatch
