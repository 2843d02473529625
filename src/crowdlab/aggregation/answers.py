"""Integer-coded answers: the pandas-free input of every categorical method.

An answer is a triple (task, worker, label) of indices into the sorted task ids, worker ids and
labels that :func:`crowdlab.aggregation.encode` produced. Arrays are ``int32`` (12 bytes per answer,
so 10M answers take 120 MB) plus an optional ``float64`` weight per answer.

Validation happens once, here, with messages that name the offending field and position, so the
methods can trust their input and stay free of checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Marks a task without a known (control) label in a true-labels array.
UNKNOWN = -1

_INT32_MAX = int(np.iinfo(np.int32).max)

#: Answers handled per step by the memory-bounded passes: their temporaries stay near 10 MB
#: however large the pool, instead of several 8-byte arrays as long as all the answers.
CHUNK = 1 << 20


def _first(mask: BoolArray) -> int:
    return int(np.flatnonzero(mask)[0])


def as_index_array(name: str, values: Any, bound: int, bound_name: str) -> IntArray:
    """Return ``values`` as a 1-D ``int32`` array of indices in ``[0, bound)``.

    Raises:
        ValueError: naming ``name`` when the values are not 1-D integers, are negative or reach ``bound``.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    if array.size:
        low, high = int(array.min()), int(array.max())
        if low < 0:
            raise ValueError(f"{name} has negative values (first at position {_first(array < 0)})")
        if high >= bound:
            raise ValueError(
                f"{name} has values >= {bound_name}={bound} (first at position {_first(array >= bound)})"
            )
    return np.ascontiguousarray(array, dtype=np.int32)


def as_weight_array(name: str, values: Any, size: int) -> FloatArray:
    """Return ``values`` as a 1-D ``float64`` array of ``size`` finite, non-negative numbers."""
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{name} has NaN or infinite values (first at position {_first(bad)})")
    if (array < 0).any():
        raise ValueError(f"{name} has negative values (first at position {_first(array < 0)})")
    return np.ascontiguousarray(array)


def chunks(size: int) -> Iterator[slice]:
    """Consecutive slices of at most :data:`CHUNK` positions covering ``range(size)``."""
    for start in range(0, size, CHUNK):
        yield slice(start, min(start + CHUNK, size))


def bincount_sum(index: npt.NDArray[Any], weights: Any, size: int) -> FloatArray:
    """``np.bincount`` with weights (or counts when ``weights`` is None) as ``float64`` of length ``size``."""
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)


def _as_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not 1 <= int(value) <= _INT32_MAX:
        raise ValueError(f"{name} must be between 1 and {_INT32_MAX}, got {value}")
    return int(value)


@dataclass(frozen=True, eq=False)
class Answers:
    """Workers' categorical answers coded as integer arrays.

    Attributes:
        task_idx: task index of each answer, in ``[0, n_tasks)``.
        worker_idx: worker index of each answer, in ``[0, n_workers)``.
        label_idx: label index of each answer, in ``[0, n_labels)``.
        n_tasks: number of tasks; a task without answers gets the prior (EM methods) or a uniform
            distribution (voting methods).
        n_workers: number of workers.
        n_labels: number of labels (the label order is the one the tie-break rule refers to).
        weight: optional non-negative weight of each answer (``None`` means 1 for every answer).
    """

    task_idx: IntArray
    worker_idx: IntArray
    label_idx: IntArray
    n_tasks: int
    n_workers: int
    n_labels: int
    weight: FloatArray | None = None

    def __post_init__(self) -> None:
        n_tasks = _as_count("n_tasks", self.n_tasks)
        n_workers = _as_count("n_workers", self.n_workers)
        n_labels = _as_count("n_labels", self.n_labels)
        task_idx = as_index_array("task_idx", self.task_idx, n_tasks, "n_tasks")
        worker_idx = as_index_array("worker_idx", self.worker_idx, n_workers, "n_workers")
        label_idx = as_index_array("label_idx", self.label_idx, n_labels, "n_labels")
        if not task_idx.size:
            raise ValueError("answers are empty: there is nothing to aggregate")
        if not task_idx.size == worker_idx.size == label_idx.size:
            raise ValueError(
                "task_idx, worker_idx and label_idx must have the same length, got "
                f"{task_idx.size}, {worker_idx.size} and {label_idx.size}"
            )
        weight = None if self.weight is None else as_weight_array("weight", self.weight, task_idx.size)
        for field, value in (
            ("n_tasks", n_tasks),
            ("n_workers", n_workers),
            ("n_labels", n_labels),
            ("task_idx", task_idx),
            ("worker_idx", worker_idx),
            ("label_idx", label_idx),
            ("weight", weight),
        ):
            object.__setattr__(self, field, value)

    @classmethod
    def from_arrays(
        cls,
        task_idx: Any,
        worker_idx: Any,
        label_idx: Any,
        *,
        n_tasks: int | None = None,
        n_workers: int | None = None,
        n_labels: int | None = None,
        weight: Any = None,
    ) -> Answers:
        """Build answers from index arrays; counts default to ``max index + 1``."""

        def count(values: Any, given: int | None) -> int:
            if given is not None:
                return given
            array = np.asarray(values)
            return int(array.max()) + 1 if array.size and array.dtype.kind in "iu" else 1

        return cls(
            task_idx=task_idx,
            worker_idx=worker_idx,
            label_idx=label_idx,
            n_tasks=count(task_idx, n_tasks),
            n_workers=count(worker_idx, n_workers),
            n_labels=count(label_idx, n_labels),
            weight=weight,
        )

    @property
    def n_answers(self) -> int:
        """Number of answers."""
        return int(self.task_idx.size)

    def weights(self) -> FloatArray:
        """Per-answer weights, ones when no weight was given."""
        if self.weight is None:
            return np.ones(self.n_answers)
        return self.weight

    def select(self, mask: Any) -> Answers:
        """Answers where ``mask`` is true (a boolean array of length ``n_answers``); counts are kept."""
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (self.n_answers,):
            raise ValueError(f"mask must have shape ({self.n_answers},), got {keep.shape}")
        return Answers(
            task_idx=self.task_idx[keep],
            worker_idx=self.worker_idx[keep],
            label_idx=self.label_idx[keep],
            n_tasks=self.n_tasks,
            n_workers=self.n_workers,
            n_labels=self.n_labels,
            weight=None if self.weight is None else self.weight[keep],
        )

    def known_labels(self, true_labels: Any) -> IntArray:
        """Validate known (control-task) labels and return them as an array over all tasks.

        Args:
            true_labels: either an array of length ``n_tasks`` holding a label index or
                :data:`UNKNOWN` (-1) per task, or a mapping ``{task_idx: label_idx}``.
        """
        known = np.full(self.n_tasks, UNKNOWN, dtype=np.int32)
        if isinstance(true_labels, Mapping):
            if true_labels:
                tasks = as_index_array("true_labels keys", list(true_labels.keys()), self.n_tasks, "n_tasks")
                labels = as_index_array(
                    "true_labels values", list(true_labels.values()), self.n_labels, "n_labels"
                )
                known[tasks] = labels
            return known
        array = np.asarray(true_labels)
        if array.shape != (self.n_tasks,):
            raise ValueError(f"true_labels must have shape ({self.n_tasks},), got {array.shape}")
        if array.dtype.kind not in "iu":
            raise ValueError(f"true_labels must hold integers, got dtype {array.dtype}")
        bad = (array < UNKNOWN) | (array >= self.n_labels)
        if bad.any():
            raise ValueError(
                f"true_labels must be -1 (unknown) or a label index below n_labels={self.n_labels} "
                f"(first bad value at task {_first(bad)})"
            )
        known[:] = array
        return known

    def worker_skills(self, skills: Any) -> FloatArray:
        """Validate per-worker skills (NaN marks an unknown skill) and return them as ``float64``."""
        array = np.asarray(skills, dtype=np.float64)
        if array.shape != (self.n_workers,):
            raise ValueError(f"skills must have shape ({self.n_workers},), got {array.shape}")
        if np.isinf(array).any():
            raise ValueError(f"skills has infinite values (first at worker {_first(np.isinf(array))})")
        if (array < 0).any():
            raise ValueError(f"skills has negative values (first at worker {_first(array < 0)})")
        return np.ascontiguousarray(array)
