"""Coding of raw answers (task id, worker id, label) into :class:`Answers`.

Ids and labels are coded in **sorted order of their unique values**, so the same answers always give
the same indices whatever order the rows arrive in. The label order matters: ties between labels are
broken in favour of the lowest index, i.e. the smallest label in sorted order.

Two entry points share the rules: :func:`encode` for whole columns, and :class:`AnswerEncoder` for
answers streamed in chunks (e.g. rows fetched page by page from the database), which keeps only
``int32`` codes per answer in memory.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .answers import UNKNOWN, Answers, FloatArray, IntArray

AnyArray = npt.NDArray[Any]


class Encoding(NamedTuple):
    """Coded answers plus the values each index stands for (unpacks as a 4-tuple)."""

    answers: Answers
    task_ids: AnyArray
    worker_ids: AnyArray
    labels: AnyArray

    def true_labels(self, known: Mapping[Any, Any]) -> IntArray:
        """Code ``{task id: label}`` into an array over tasks with -1 where the label is unknown.

        Tasks that have no answers are ignored (there is nothing to aggregate for them).

        Raises:
            ValueError: if a label is not one of :attr:`labels`.
        """
        result = np.full(self.answers.n_tasks, UNKNOWN, dtype=np.int32)
        if not known:
            return result
        tasks = _positions(self.task_ids, list(known.keys()))
        labels = _positions(self.labels, list(known.values()))
        answered = tasks >= 0
        unknown_label = answered & (labels < 0)
        if unknown_label.any():
            first = int(np.flatnonzero(unknown_label)[0])
            task, label = list(known.items())[first]
            raise ValueError(
                f"true label {label!r} of task {task!r} is not among the labels {self.labels.tolist()!r};"
                " pass it in `label_values` when encoding"
            )
        result[tasks[answered]] = labels[answered]
        return result

    def skills(self, skills: Mapping[Any, float]) -> FloatArray:
        """Code ``{worker id: skill}`` into an array over workers with NaN for unknown workers."""
        result = np.full(self.answers.n_workers, np.nan)
        if skills:
            workers = _positions(self.worker_ids, list(skills.keys()))
            values = np.asarray(list(skills.values()), dtype=np.float64)
            result[workers[workers >= 0]] = values[workers >= 0]
        return result

    def decode_labels(self, label_idx: Any) -> AnyArray:
        """Label values of an array of label indices."""
        return self.labels[np.asarray(label_idx, dtype=np.intp)]


def _positions(sorted_values: AnyArray, wanted: list[Any]) -> IntArray:
    """Index of each wanted value in the sorted unique array, -1 where it is absent."""
    try:
        keys = column_array("key", wanted)
        position = np.searchsorted(sorted_values, keys)
        clipped = np.minimum(position, max(sorted_values.size - 1, 0))
        found = (position < sorted_values.size) & np.asarray(sorted_values[clipped] == keys, dtype=bool)
        return np.where(found, position, -1).astype(np.int32)
    except (TypeError, ValueError):  # keys of another type than the ids: compare one by one
        index = {value: position for position, value in enumerate(sorted_values.tolist())}
        return np.asarray(
            [index.get(key.item() if isinstance(key, np.generic) else key, -1) for key in wanted],
            dtype=np.int32,
        )


def column_array(name: str, values: Iterable[Any]) -> AnyArray:
    """A 1-D array of ``values`` with a sortable dtype, rejecting missing values (None / NaN).

    Python sequences of one type become a native numpy dtype (so ``1`` and ``"1"`` are never
    silently merged into one string, as ``np.asarray([1, "1"])`` would do).
    """
    if isinstance(values, np.ndarray):
        array = values
    elif hasattr(values, "dtype") and hasattr(values, "__array__"):  # pandas Series and the like
        array = np.asarray(values)
    else:
        array = np.asarray(list(values), dtype=object)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.dtype == object and array.size:
        kinds = set(map(type, array.tolist()))
        if kinds <= {str}:
            array = array.astype(str)
        elif kinds <= {int, bool} and kinds != {bool}:
            array = array.astype(np.int64)
        elif kinds <= {float, int}:
            array = array.astype(np.float64)
        elif kinds == {bool}:
            array = array.astype(bool)
    if array.dtype.kind == "f":
        missing = np.isnan(array)
    elif array.dtype == object:
        missing = np.asarray(array == None) | np.asarray(array != array)  # noqa: E711 - elementwise
    else:
        missing = np.zeros(array.shape, dtype=bool)
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(f"{name} has {int(missing.sum())} missing values (None/NaN), first at row {first}")
    return array


def factorize(name: str, values: Iterable[Any]) -> tuple[IntArray, AnyArray]:
    """Codes (``int32``) and sorted unique values of a column."""
    array = column_array(name, values)
    try:
        uniques, codes = np.unique(array, return_inverse=True)
    except TypeError as error:
        raise ValueError(f"{name} values cannot be ordered (mixed types?): {error}") from error
    return codes.reshape(-1).astype(np.int32), uniques


def recode_labels(
    codes: IntArray, seen: AnyArray, label_values: Iterable[Any] | None
) -> tuple[IntArray, AnyArray]:
    """Re-express label codes over ``seen`` (sorted) as codes over the sorted ``label_values``."""
    if label_values is None:
        return codes, seen
    universe = np.unique(column_array("label_values", label_values))
    position = np.searchsorted(universe, seen)
    clipped = np.minimum(position, universe.size - 1)
    unknown = (position >= universe.size) | (universe[clipped] != seen)
    if unknown.any():
        raise ValueError(f"labels {seen[unknown].tolist()!r} are not among label_values")
    return position.astype(np.int32)[codes], universe


def _float_column(values: Iterable[float]) -> FloatArray:
    return np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=np.float64)


def encode(
    tasks: Any,
    workers: Iterable[Hashable] | None = None,
    labels: Iterable[Hashable] | None = None,
    *,
    weights: Iterable[float] | None = None,
    label_values: Iterable[Hashable] | None = None,
) -> Encoding:
    """Code answers into :class:`Answers` (sorted-unique order) and the id/label lookup arrays.

    Call either with three columns, ``encode(tasks, workers, labels)``, or with one table that has
    ``task``, ``worker`` and ``label`` columns (a DataFrame or a mapping of columns):
    ``encode(df)``.

    Args:
        tasks: task id of each answer, or the whole table.
        workers: worker id of each answer.
        labels: label of each answer.
        weights: optional non-negative weight of each answer.
        label_values: all possible labels (e.g. from the output spec), including ones nobody chose;
            defaults to the labels present in the answers.

    Raises:
        ValueError: on empty input, columns of different lengths, or missing values.
    """
    if workers is None and labels is None:
        table = tasks
        try:
            tasks, workers, labels = table["task"], table["worker"], table["label"]
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError("a table passed to encode() needs task, worker and label columns") from error
    if workers is None or labels is None:
        raise ValueError("encode() needs tasks, workers and labels (or one table with those columns)")
    task_idx, task_ids = factorize("task", tasks)
    worker_idx, worker_ids = factorize("worker", workers)
    label_idx, label_ids = recode_labels(*factorize("label", labels), label_values)
    if not task_idx.size == worker_idx.size == label_idx.size:
        raise ValueError(
            "task, worker and label columns must have the same length, got "
            f"{task_idx.size}, {worker_idx.size} and {label_idx.size}"
        )
    if not task_idx.size:
        raise ValueError("answers are empty: there is nothing to aggregate")
    answers = Answers(
        task_idx=task_idx,
        worker_idx=worker_idx,
        label_idx=label_idx,
        n_tasks=int(task_ids.size),
        n_workers=int(worker_ids.size),
        n_labels=int(label_ids.size),
        weight=None if weights is None else _float_column(weights),
    )
    return Encoding(answers, task_ids, worker_ids, label_ids)


class _ChunkCoder:
    """Provisional codes in order of first appearance; sorted into final codes at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.index: dict[Any, int] = {}
        self.chunks: list[IntArray] = []

    def add(self, values: Iterable[Any]) -> int:
        codes, uniques = factorize(self.name, values)
        index = self.index
        provisional = np.fromiter(
            (index.setdefault(value, len(index)) for value in uniques.tolist()),
            dtype=np.int32,
            count=uniques.size,
        )
        self.chunks.append(provisional[codes])
        return int(codes.size)

    def finish(self) -> tuple[IntArray, AnyArray]:
        keys = list(self.index)
        try:
            order = sorted(range(len(keys)), key=keys.__getitem__)
        except TypeError as error:
            raise ValueError(f"{self.name} values cannot be ordered (mixed types?): {error}") from error
        rank = np.empty(len(keys), dtype=np.int32)
        rank[np.asarray(order, dtype=np.intp)] = np.arange(len(keys), dtype=np.int32)
        codes = rank[np.concatenate(self.chunks)] if self.chunks else np.empty(0, np.int32)
        values = np.empty(len(keys), dtype=object)
        values[:] = [keys[position] for position in order]
        self.chunks = []
        return codes, column_array(self.name, values)


class AnswerEncoder:
    """Streaming version of :func:`encode` for answers that arrive in chunks.

    Memory: 12 bytes per answer (``int32`` codes) plus one dictionary entry per distinct id.
    The result is identical to calling :func:`encode` on all chunks concatenated.
    """

    def __init__(self, *, label_values: Iterable[Hashable] | None = None) -> None:
        self._coders = [_ChunkCoder("task"), _ChunkCoder("worker"), _ChunkCoder("label")]
        self._weights: list[FloatArray] = []
        self._label_values = None if label_values is None else list(label_values)
        self._size = 0

    def add(
        self,
        tasks: Iterable[Hashable],
        workers: Iterable[Hashable],
        labels: Iterable[Hashable],
        weights: Iterable[float] | None = None,
    ) -> None:
        """Add one chunk of answers (three equally long columns, optional weights)."""
        sizes = [
            coder.add(column) for coder, column in zip(self._coders, (tasks, workers, labels), strict=True)
        ]
        if len(set(sizes)) != 1:
            raise ValueError(f"task, worker and label columns must have the same length, got {sizes}")
        if self._size and (weights is not None) != bool(self._weights):
            raise ValueError("either every chunk has weights or none has")
        if weights is not None:
            self._weights.append(_float_column(weights))
        self._size += sizes[0]

    def finish(self) -> Encoding:
        """Code everything added so far; the encoder is empty afterwards."""
        if not self._size:
            raise ValueError("answers are empty: there is nothing to aggregate")
        task_idx, task_ids = self._coders[0].finish()
        worker_idx, worker_ids = self._coders[1].finish()
        label_idx, label_ids = recode_labels(*self._coders[2].finish(), self._label_values)
        weight = np.concatenate(self._weights) if self._weights else None
        self._weights, self._size = [], 0
        answers = Answers(
            task_idx=task_idx,
            worker_idx=worker_idx,
            label_idx=label_idx,
            n_tasks=int(task_ids.size),
            n_workers=int(worker_ids.size),
            n_labels=int(label_ids.size),
            weight=weight,
        )
        return Encoding(answers, task_ids, worker_ids, label_ids)
