"""Integer-coded pairwise comparisons: the input of the Bradley-Terry methods.

A comparison says that worker ``w`` was shown items ``left`` and ``right`` and preferred one of them.
Items are coded in sorted order of their ids, workers likewise (see :mod:`.encoding`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .answers import BoolArray, FloatArray, IntArray, as_index_array, as_weight_array
from .encoding import AnyArray, column_array, factorize


@dataclass(frozen=True, eq=False)
class Comparisons:
    """Pairwise comparisons coded as integer arrays.

    Attributes:
        worker_idx: worker index of each comparison, in ``[0, n_workers)``.
        left_idx: index of the item shown on the left, in ``[0, n_items)``.
        right_idx: index of the item shown on the right (never equal to ``left_idx``).
        left_won: whether the left item was preferred.
        n_items: number of items.
        n_workers: number of workers.
        weight: optional non-negative weight per comparison.
    """

    worker_idx: IntArray
    left_idx: IntArray
    right_idx: IntArray
    left_won: BoolArray
    n_items: int
    n_workers: int
    weight: FloatArray | None = None

    def __post_init__(self) -> None:
        if int(self.n_items) < 2 or int(self.n_workers) < 1:
            raise ValueError("comparisons need at least 2 items and 1 worker")
        left = as_index_array("left_idx", self.left_idx, int(self.n_items), "n_items")
        right = as_index_array("right_idx", self.right_idx, int(self.n_items), "n_items")
        worker = as_index_array("worker_idx", self.worker_idx, int(self.n_workers), "n_workers")
        won = np.asarray(self.left_won)
        if won.dtype != bool:
            raise ValueError(f"left_won must be a boolean array, got dtype {won.dtype}")
        if not left.size:
            raise ValueError("comparisons are empty: there is nothing to aggregate")
        if not left.size == right.size == worker.size == won.size:
            raise ValueError(
                "worker_idx, left_idx, right_idx and left_won must have the same length, got "
                f"{worker.size}, {left.size}, {right.size} and {won.size}"
            )
        same = left == right
        if same.any():
            raise ValueError(
                f"an item is compared with itself (first at position {int(np.flatnonzero(same)[0])})"
            )
        weight = None if self.weight is None else as_weight_array("weight", self.weight, left.size)
        for field, value in (
            ("left_idx", left),
            ("right_idx", right),
            ("worker_idx", worker),
            ("left_won", np.ascontiguousarray(won)),
            ("n_items", int(self.n_items)),
            ("n_workers", int(self.n_workers)),
            ("weight", weight),
        ):
            object.__setattr__(self, field, value)

    @property
    def n_comparisons(self) -> int:
        """Number of comparisons."""
        return int(self.left_idx.size)

    def weights(self) -> FloatArray:
        """Per-comparison weights, ones when no weight was given."""
        return np.ones(self.n_comparisons) if self.weight is None else self.weight

    def winners(self) -> IntArray:
        """Index of the preferred item of each comparison."""
        return np.where(self.left_won, self.left_idx, self.right_idx)

    def losers(self) -> IntArray:
        """Index of the other item of each comparison."""
        return np.where(self.left_won, self.right_idx, self.left_idx)


class ComparisonEncoding(NamedTuple):
    """Coded comparisons plus the ids each index stands for."""

    comparisons: Comparisons
    item_ids: AnyArray
    worker_ids: AnyArray


def encode_comparisons(
    workers: Iterable[Hashable],
    lefts: Iterable[Hashable],
    rights: Iterable[Hashable],
    winners: Iterable[Hashable],
    *,
    weights: Iterable[float] | None = None,
) -> ComparisonEncoding:
    """Code comparisons (crowd-kit's ``worker, left, right, label`` columns) in sorted-id order.

    Raises:
        ValueError: when a winner is neither the left nor the right item, or on missing values.
    """
    left_values = column_array("left", lefts)
    right_values = column_array("right", rights)
    winner_values = column_array("label", winners)
    if not left_values.size == right_values.size == winner_values.size:
        raise ValueError(
            "left, right and label columns must have the same length, got "
            f"{left_values.size}, {right_values.size} and {winner_values.size}"
        )
    codes, items = factorize("item", np.concatenate([left_values, right_values, winner_values]))
    size = left_values.size
    left, right, winner = codes[:size], codes[size : 2 * size], codes[2 * size :]
    stray = (winner != left) & (winner != right)
    if stray.any():
        raise ValueError(
            f"label must equal left or right, but row {int(np.flatnonzero(stray)[0])} names another item"
        )
    worker, worker_ids = factorize("worker", workers)
    comparisons = Comparisons(
        worker_idx=worker,
        left_idx=left,
        right_idx=right,
        left_won=winner == left,
        n_items=max(int(items.size), 2),
        n_workers=int(worker_ids.size),
        weight=None if weights is None else np.asarray(list(weights), dtype=np.float64),
    )
    return ComparisonEncoding(comparisons, items, worker_ids)
