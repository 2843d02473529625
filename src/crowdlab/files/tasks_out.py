"""Task files out: tasks written in the upload format, so that :func:`read_tasks` reads them back equal.

Used for templates, for "download all tasks" of a pool, and by the round-trip tests. Columns follow the
project spec: ``INPUT:<field>`` for every input field, then (when asked for, or when any task needs
them) ``GOLDEN:<field>`` for every output field, ``HINT:text``, ``Al:latitude`` / ``Al:longitude`` and
``TASK:overlap``.

TSV and XLSX have room for one known solution per task and no ``correctness_weight``: a task with two
or more known solutions raises ValueError there (JSON keeps everything).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from crowdlab.files.cells import field_kind, format_text, spreadsheet_value
from crowdlab.files.header import HINT, LATITUDE, LONGITUDE, OVERLAP, Spec
from crowdlab.files.tsv import format_line

_TASK_KEYS = (
    "input_values",
    "known_solutions",
    "message_on_unknown_solution",
    "latitude",
    "longitude",
    "overlap",
)


@dataclass(frozen=True)
class TaskColumns:
    """Which optional column groups a task file has."""

    golden: bool = False
    hint: bool = False
    coordinates: bool = False
    overlap: bool = False

    @classmethod
    def needed_by(cls, tasks: Iterable[Mapping[str, Any]]) -> TaskColumns:
        """The groups that at least one of ``tasks`` fills in."""
        golden = hint = coordinates = overlap = False
        for task in tasks:
            golden = golden or bool(task.get("known_solutions"))
            hint = hint or bool(task.get("message_on_unknown_solution"))
            coordinates = coordinates or task.get("latitude") is not None
            overlap = overlap or task.get("overlap") is not None
        return cls(golden, hint, coordinates, overlap)


def task_headers(input_spec: Spec | None, output_spec: Spec | None, columns: TaskColumns) -> list[str]:
    """The header row of a task file."""
    headers = [f"INPUT:{name}" for name in input_spec or {}]
    if columns.golden:
        headers += [f"GOLDEN:{name}" for name in output_spec or {}]
    if columns.hint:
        headers.append(HINT)
    if columns.coordinates:
        headers += [LATITUDE, LONGITUDE]
    if columns.overlap:
        headers.append(OVERLAP)
    return headers


def _golden(task: Mapping[str, Any]) -> Mapping[str, Any]:
    solutions = task.get("known_solutions") or []
    if not solutions:
        return {}
    if len(solutions) > 1:
        raise ValueError("TSV and XLSX task files hold one known solution per task; write JSON instead")
    return solutions[0].get("output_values") or {}


def _row(
    task: Mapping[str, Any],
    inputs: list[tuple[str, str]],
    outputs: list[tuple[str, str]],
    columns: TaskColumns,
    text: bool,
) -> list[Any]:
    convert = format_text if text else spreadsheet_value
    values = task.get("input_values") or {}
    row: list[Any] = []
    for name, kind in inputs:
        value = values.get(name)
        row.append(None if value is None else convert(kind, value))
    if columns.golden:
        golden = _golden(task)
        for name, kind in outputs:
            value = golden.get(name)
            row.append(None if value is None else convert(kind, value))
    if columns.hint:
        row.append(task.get("message_on_unknown_solution") or None)
    if columns.coordinates:
        for key in ("latitude", "longitude"):
            value = task.get(key)
            row.append(None if value is None else convert("float", float(value)))
    if columns.overlap:
        value = task.get("overlap")
        row.append(None if value is None else (str(value) if text else value))
    return row


def write_tasks(
    tasks: Iterable[Mapping[str, Any]],
    *,
    input_spec: Spec | None,
    output_spec: Spec | None,
    format: str = "tsv",
    out: BinaryIO,
    columns: TaskColumns | None = None,
) -> int:
    """Write tasks as a TSV, XLSX or JSON task file to ``out``; return the number of tasks.

    ``columns`` None means "whatever the tasks need" (the tasks are then read into a list first);
    give it to stream a large iterable.
    """
    if columns is None and format != "json":
        tasks = list(tasks)
        columns = TaskColumns.needed_by(tasks)
    columns = columns or TaskColumns()
    inputs = [(name, field_kind(spec)) for name, spec in (input_spec or {}).items()]
    outputs = [(name, field_kind(spec)) for name, spec in (output_spec or {}).items()]
    count = 0
    if format == "json":
        out.write(b"[")
        for task in tasks:
            data = {key: task[key] for key in _TASK_KEYS if task.get(key) is not None}
            data.setdefault("input_values", {})
            out.write((",\n  " if count else "\n  ").encode())
            out.write(json.dumps(data, ensure_ascii=False, allow_nan=False).encode())
            count += 1
        out.write(b"\n]\n" if count else b"]\n")
        return count
    headers = task_headers(input_spec, output_spec, columns)
    if format == "xlsx":
        from crowdlab.files.xlsx import SheetWriter

        sheet = SheetWriter("tasks")
        sheet.append(headers)
        for task in tasks:
            sheet.append(_row(task, inputs, outputs, columns, text=False))
            count += 1
        sheet.save(out)
        return count
    if format != "tsv":
        raise ValueError(f"Unknown task file format {format!r}; use tsv, xlsx or json")
    writer = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer.write(format_line(headers))
        for task in tasks:
            writer.write(format_line(_row(task, inputs, outputs, columns, text=True)))
            count += 1
        writer.flush()
    finally:
        writer.detach()
    return count
