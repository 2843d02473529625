"""Bounding boxes: a reliability-weighted coordinate median per task."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from .answers import FloatArray, IntArray, as_index_array
from .base import Progress, report

#: Skills never drop below this, so every task keeps a usable weight.
MIN_SKILL = 1e-3


def box_iou(first: FloatArray, second: FloatArray) -> FloatArray:
    """Intersection over union of two ``(n, 4)`` arrays of ``[x_min, y_min, x_max, y_max]`` boxes.

    Two identical degenerate boxes (zero area) have IoU 1; otherwise zero union gives 0.
    """
    width = np.minimum(first[:, 2], second[:, 2]) - np.maximum(first[:, 0], second[:, 0])
    height = np.minimum(first[:, 3], second[:, 3]) - np.maximum(first[:, 1], second[:, 1])
    inter = np.clip(width, 0, None) * np.clip(height, 0, None)
    area_first = (first[:, 2] - first[:, 0]) * (first[:, 3] - first[:, 1])
    area_second = (second[:, 2] - second[:, 0]) * (second[:, 3] - second[:, 1])
    union = area_first + area_second - inter
    same = (first == second).all(axis=1)
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), same.astype(np.float64))


def weighted_median(values: FloatArray, task: IntArray, weight: FloatArray, n_tasks: int) -> FloatArray:
    """Weighted median of ``values`` per task (NaN for tasks without values).

    The lower weighted median, averaged with the next value when the cumulative weight hits exactly
    half -- so equal weights give the ordinary median.
    """
    order = np.lexsort((values, task))
    sorted_values, sorted_task, sorted_weight = values[order], task[order], weight[order]
    cumulative = np.cumsum(sorted_weight)
    starts = np.searchsorted(sorted_task, np.arange(n_tasks), side="left")
    ends = np.searchsorted(sorted_task, np.arange(n_tasks), side="right")
    present = ends > starts
    result = np.full(n_tasks, np.nan)
    starts, ends = starts[present], ends[present]
    before = cumulative[starts] - sorted_weight[starts]
    half = (cumulative[ends - 1] - before) / 2.0
    slack = 1e-12 * np.maximum(1.0, 2.0 * half)
    target = before + half
    index = np.clip(np.searchsorted(cumulative, target - slack, side="left"), starts, ends - 1)
    median = sorted_values[index]
    exact = (np.abs(cumulative[index] - target) <= slack) & (index + 1 < ends)
    following = sorted_values[np.minimum(index + 1, values.size - 1)]
    result[present] = np.where(exact, (median + following) / 2.0, median)
    return result


class BoxMedian:
    r"""Aggregate one bounding box per task as a skill-weighted, coordinate-wise median.

    Boxes are ``[x_min, y_min, x_max, y_max]``. Starting from equal weights, each round

    1. takes, per task and per coordinate, the weighted median of the answers (robust to a minority
       of wild boxes);
    2. sets each worker's skill to their mean intersection-over-union with the current results,
       shrunk towards ``prior_skill`` with ``prior_strength`` pseudo-answers:
       :math:`s_w = (\sum_{a \in w} \mathrm{IoU}(b_a, \hat b_{t_a}) + k\,s_0) / (n_w + k)`;
    3. reweights every answer by its worker's skill.

    It stops after ``n_iter`` rounds or when no coordinate moves by more than ``tol``.
    ``confidences_`` is the weighted mean IoU between a task's answers and its result (1 when all
    answers agree). Everything is vectorised: a round is a few sorts and ``bincount`` passes.

    This is crowdlab's own method (crowd-kit has no box aggregator); it follows the usual practice
    of median box fusion with worker weighting by agreement, as in the "Wawa" family of methods.

    Attributes:
        boxes_: ``(n_tasks, 4)`` aggregated boxes.
        confidences_: ``(n_tasks,)`` weighted mean IoU of the answers with the result.
        skills_: ``(n_workers,)`` worker skills (mean IoU, shrunk to the prior).
    """

    boxes_: FloatArray
    confidences_: FloatArray
    skills_: FloatArray
    n_iter_: int

    def __init__(
        self, n_iter: int = 10, tol: float = 1e-6, prior_skill: float = 0.5, prior_strength: float = 1.0
    ) -> None:
        if n_iter < 1:
            raise ValueError(f"n_iter must be at least 1, got {n_iter}")
        if not 0 < prior_skill <= 1 or prior_strength < 0:
            raise ValueError("prior_skill must be in (0, 1] and prior_strength non-negative")
        self.n_iter = n_iter
        self.tol = tol
        self.prior_skill = prior_skill
        self.prior_strength = prior_strength

    def fit(
        self,
        task_idx: Any,
        worker_idx: Any,
        boxes: Any,
        n_tasks: int | None = None,
        n_workers: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> Self:
        """Aggregate ``boxes[i]`` drawn by worker ``worker_idx[i]`` on task ``task_idx[i]``."""
        coords = np.asarray(boxes, dtype=np.float64)
        if coords.ndim != 2 or coords.shape[1] != 4:
            raise ValueError(f"boxes must have shape (n, 4), got {coords.shape}")
        if not coords.shape[0]:
            raise ValueError("answers are empty: there is nothing to aggregate")
        bad = ~np.isfinite(coords).all(axis=1) | (coords[:, 2] < coords[:, 0]) | (coords[:, 3] < coords[:, 1])
        if bad.any():
            raise ValueError(
                "boxes must be finite [x_min, y_min, x_max, y_max] with max >= min "
                f"(first bad box at row {int(np.flatnonzero(bad)[0])})"
            )
        tasks = self._indices("task_idx", task_idx, n_tasks, coords.shape[0])
        workers = self._indices("worker_idx", worker_idx, n_workers, coords.shape[0])
        count_tasks = n_tasks if n_tasks is not None else int(tasks.max()) + 1
        count_workers = n_workers if n_workers is not None else int(workers.max()) + 1
        answers_per_worker = np.bincount(workers, minlength=count_workers)
        skills = np.full(count_workers, self.prior_skill)
        result = np.zeros((count_tasks, 4))
        self.n_iter_ = 0
        for iteration in range(self.n_iter):
            weight = skills[workers]
            updated = np.stack(
                [weighted_median(coords[:, k], tasks, weight, count_tasks) for k in range(4)], axis=1
            )
            moved = np.nanmax(np.abs(updated - result)) if iteration else np.inf
            result = updated
            iou = box_iou(coords, np.nan_to_num(result[tasks]))
            agreement = np.bincount(workers, weights=iou, minlength=count_workers)
            skills = (agreement + self.prior_strength * self.prior_skill) / np.maximum(
                answers_per_worker + self.prior_strength, 1e-12
            )
            skills = np.maximum(skills, MIN_SKILL)
            self.n_iter_ = iteration + 1
            report(progress, (iteration + 1) / self.n_iter)
            if moved <= self.tol:
                break
        weight = skills[workers]
        iou = box_iou(coords, np.nan_to_num(result[tasks]))
        total = np.bincount(tasks, weights=weight, minlength=count_tasks)
        self.confidences_ = np.bincount(tasks, weights=weight * iou, minlength=count_tasks) / np.where(
            total > 0, total, 1.0
        )
        self.boxes_ = result
        self.skills_ = skills
        report(progress, 1.0)
        return self

    def fit_predict(
        self,
        task_idx: Any,
        worker_idx: Any,
        boxes: Any,
        n_tasks: int | None = None,
        n_workers: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> FloatArray:
        """Fit and return the ``(n_tasks, 4)`` aggregated boxes."""
        return self.fit(task_idx, worker_idx, boxes, n_tasks, n_workers, progress=progress).boxes_

    @staticmethod
    def _indices(name: str, values: Any, count: int | None, size: int) -> IntArray:
        array = np.asarray(values)
        bound = (
            count
            if count is not None
            else (int(array.max()) + 1 if array.size and array.dtype.kind in "iu" else 1)
        )
        indices = as_index_array(name, array, max(bound, 1), f"n_{name.split('_')[0]}s")
        if indices.size != size:
            raise ValueError(f"{name} must have one entry per box: got {indices.size} for {size} boxes")
        return indices
