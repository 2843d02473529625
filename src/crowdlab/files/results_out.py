"""Results out: the ``assignments.tsv`` export (also XLSX and JSON) and the aggregated-results file.

The assignments export is what toloka-kit's ``get_assignments_df`` reads with
``pandas.read_csv(..., delimiter='\\t')`` (shared/toloka-api.md §2.8): one row per task per assignment,
columns ``INPUT:<field>`` (input spec order), ``OUTPUT:<field>``, ``GOLDEN:<field>``, ``HINT:text``, the
requested ``ASSIGNMENT:<x>`` columns in the order asked, and optionally ``ACCEPT:verdict`` /
``ACCEPT:comment`` (empty, for the review workflow). Strings are raw, arrays and objects JSON, booleans
``true``/``false``, datetimes ``YYYY-MM-DDTHH:MM:SS.mmm`` (naive UTC), the status ``APPROVED`` for an
accepted assignment; a value holding a tab, line break or quote is quoted with inner quotes doubled.
The header is written even when there are no rows.

Everything streams: rows are consumed one at a time, so exporting a million answers keeps memory flat.

Each input row is a dict::

    {"input_values": {...}, "output_values": {...}, "known_solutions": [...],
     "message_on_unknown_solution": str | None, "link": str,
     "assignment": {"id", "task_id", "task_suite_id", "user_id", "status", "created", "submitted",
                    "accepted", "rejected", "skipped", "expired", "reward"}}

The aggregated file (Toloka's "aggregation of results") has ``INPUT:`` and ``OUTPUT:`` columns and a
``CONFIDENCE:<output field>`` column per output field, as a percentage by default ("87.50%").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, BinaryIO, Literal

from crowdlab.files.cells import field_kind, format_text, spreadsheet_value, text_formatter
from crowdlab.files.header import Spec
from crowdlab.files.tsv import format_line

ExportFormat = Literal["tsv", "xlsx", "json"]
ConfidenceFormat = Literal["percent", "fraction"]

ASSIGNMENT_FIELDS = (
    "link",
    "assignment_id",
    "task_id",
    "task_suite_id",
    "worker_id",
    "status",
    "started",
    "submitted",
    "accepted",
    "rejected",
    "skipped",
    "expired",
    "reward",
)
DEFAULT_FIELDS = (
    "ASSIGNMENT:link",
    "ASSIGNMENT:assignment_id",
    "ASSIGNMENT:worker_id",
    "ASSIGNMENT:status",
    "ASSIGNMENT:started",
)
STATUSES = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED")
_EXPORT_STATUS = {"ACCEPTED": "APPROVED"}
_IMPORT_STATUS = {"APPROVED": "ACCEPTED"}
_DATETIME_FIELDS = {
    "started": "created",
    "submitted": "submitted",
    "accepted": "accepted",
    "rejected": "rejected",
    "skipped": "skipped",
    "expired": "expired",
}
_ACCEPT_COLUMNS = ("ACCEPT:verdict", "ACCEPT:comment")
_FLUSH_CHARS = 1 << 16


def export_status(status: str) -> str:
    """The status as the TSV writes it (ACCEPTED -> APPROVED)."""
    return _EXPORT_STATUS.get(status, status)


def parse_status_filter(value: str | Iterable[str] | None) -> frozenset[str] | None:
    """Statuses from the ``status`` query parameter (comma list; APPROVED or ACCEPTED), as stored names.

    None or empty means no filter. ValueError names an unknown status.
    """
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else list(value)
    statuses = set()
    for name in names:
        cleaned = name.strip().upper()
        if not cleaned:
            continue
        status = _IMPORT_STATUS.get(cleaned, cleaned)
        if status not in STATUSES:
            allowed = ", ".join(export_status(known) for known in STATUSES)
            raise ValueError(f"Unknown assignment status {name.strip()!r}; use {allowed}")
        statuses.add(status)
    return frozenset(statuses) or None


def format_datetime(value: Any) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS.mmm`` in naive UTC, from a datetime or an ISO string (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"Expected a datetime, got {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds")


def _number(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _normalise_fields(fields: Sequence[str]) -> list[str]:
    names = []
    for name in fields:
        short = name.split(":", 1)[1] if name.upper().startswith("ASSIGNMENT:") else name
        if short not in ASSIGNMENT_FIELDS:
            raise ValueError(f"Unknown assignment field {name!r}; use {', '.join(ASSIGNMENT_FIELDS)}")
        names.append(short)
    return names


def _assignment_getter(name: str) -> Callable[[Mapping[str, Any]], Any]:
    if name == "link":
        return lambda row: row.get("link")
    if name == "assignment_id":
        return lambda row: row["assignment"].get("id")
    if name == "worker_id":
        return lambda row: row["assignment"].get("user_id")
    if name in ("task_id", "task_suite_id"):
        return lambda row: row["assignment"].get(name, row.get(name))
    if name == "status":
        return lambda row: export_status(row["assignment"].get("status", ""))
    if name == "reward":
        return lambda row: row["assignment"].get("reward")
    key = _DATETIME_FIELDS[name]
    return lambda row: format_datetime(row["assignment"].get(key))


class _Columns:
    """The column plan of an assignments export and the per-row value extraction."""

    def __init__(
        self, input_spec: Spec | None, output_spec: Spec | None, fields: Sequence[str], accept: bool
    ) -> None:
        self.inputs = [(name, field_kind(spec)) for name, spec in (input_spec or {}).items()]
        self.outputs = [(name, field_kind(spec)) for name, spec in (output_spec or {}).items()]
        self._text_inputs = [(name, text_formatter(kind)) for name, kind in self.inputs]
        self._text_outputs = [(name, text_formatter(kind)) for name, kind in self.outputs]
        self.fields = _normalise_fields(fields)
        self.getters = [_assignment_getter(name) for name in self.fields]
        self.accept = accept
        self.headers = (
            [f"INPUT:{name}" for name, _ in self.inputs]
            + [f"OUTPUT:{name}" for name, _ in self.outputs]
            + [f"GOLDEN:{name}" for name, _ in self.outputs]
            + ["HINT:text"]
            + [f"ASSIGNMENT:{name}" for name in self.fields]
            + (list(_ACCEPT_COLUMNS) if accept else [])
        )

    def values(self, row: Mapping[str, Any], text: bool) -> list[Any]:
        inputs = row.get("input_values") or {}
        outputs = row.get("output_values") or {}
        solutions = row.get("known_solutions") or []
        golden = (solutions[0].get("output_values") or {}) if solutions else {}
        cells: list[Any] = []
        if text:
            for name, formatter in self._text_inputs:
                value = inputs.get(name)
                cells.append(None if value is None else formatter(value))
            for source in (outputs, golden):
                for name, formatter in self._text_outputs:
                    value = source.get(name)
                    cells.append(None if value is None else formatter(value))
        else:
            for name, kind in self.inputs:
                value = inputs.get(name)
                cells.append(None if value is None else spreadsheet_value(kind, value))
            for source in (outputs, golden):
                for name, kind in self.outputs:
                    value = source.get(name)
                    cells.append(None if value is None else spreadsheet_value(kind, value))
        cells.append(row.get("message_on_unknown_solution") or None)
        for name, getter in zip(self.fields, self.getters, strict=True):
            value = getter(row)
            if name == "reward":
                if text:
                    value = _number(value)
                elif isinstance(value, Decimal):
                    value = float(value)
            cells.append(value)
        if self.accept:
            cells += [None, None]
        return cells

    def json_object(self, row: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "input_values": row.get("input_values") or {},
            "output_values": row.get("output_values") or {},
        }
        if row.get("known_solutions"):
            data["known_solutions"] = row["known_solutions"]
        if row.get("message_on_unknown_solution"):
            data["message_on_unknown_solution"] = row["message_on_unknown_solution"]
        assignment = {}
        for name, getter in zip(self.fields, self.getters, strict=True):
            value = getter(row)
            assignment[name] = float(value) if isinstance(value, Decimal) else value
        data["assignment"] = assignment
        return data


def _filtered(
    rows: Iterable[Mapping[str, Any]], statuses: frozenset[str] | None
) -> Iterator[Mapping[str, Any]]:
    if statuses is None:
        yield from rows
        return
    for row in rows:
        if row["assignment"].get("status") in statuses:
            yield row


def tsv_lines(
    rows: Iterable[Mapping[str, Any]],
    *,
    input_spec: Spec | None,
    output_spec: Spec | None,
    fields: Sequence[str] = DEFAULT_FIELDS,
    statuses: frozenset[str] | None = None,
    accept_columns: bool = False,
    row_delimiter: bool = False,
) -> Iterator[str]:
    """The assignments TSV line by line (header first), for a streaming HTTP response.

    ``statuses`` (stored names, see parse_status_filter) keeps only those assignments;
    ``row_delimiter`` puts an empty line between assignments (Toloka's ``addRowDelimiter``).
    """
    columns = _Columns(input_spec, output_spec, fields, accept_columns)
    yield format_line(columns.headers)
    previous: Any = None
    for index, row in enumerate(_filtered(rows, statuses)):
        if row_delimiter:
            current = row["assignment"].get("id")
            if index and current != previous:
                yield "\n"
            previous = current
        yield format_line(columns.values(row, text=True))


def _write_text_lines(lines: Iterable[str], out: BinaryIO) -> int:
    """Write lines as UTF-8 in 64 KB batches; return the number of lines."""
    batch: list[str] = []
    size = 0
    count = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        count += 1
        if size >= _FLUSH_CHARS:
            out.write("".join(batch).encode("utf-8"))
            batch, size = [], 0
    if batch:
        out.write("".join(batch).encode("utf-8"))
    return count


def _write_json_items(items: Iterable[Any], out: BinaryIO) -> int:
    def lines() -> Iterator[str]:
        count = 0
        for item in items:
            yield ("[\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False, default=str)
            count += 1
        yield "\n]\n" if count else "[]\n"

    return _write_text_lines(lines(), out) - 1


def write_assignments(
    rows: Iterable[Mapping[str, Any]],
    *,
    input_spec: Spec | None,
    output_spec: Spec | None,
    out: BinaryIO,
    fields: Sequence[str] = DEFAULT_FIELDS,
    format: ExportFormat = "tsv",
    statuses: frozenset[str] | None = None,
    accept_columns: bool = False,
    row_delimiter: bool = False,
) -> int:
    """Stream the assignments export to ``out`` as TSV, XLSX or JSON; return the number of data rows."""
    if format == "tsv":
        count = 0

        def counted() -> Iterator[Mapping[str, Any]]:
            nonlocal count
            for row in _filtered(rows, statuses):
                count += 1
                yield row

        lines = tsv_lines(
            counted(),
            input_spec=input_spec,
            output_spec=output_spec,
            fields=fields,
            accept_columns=accept_columns,
            row_delimiter=row_delimiter,
        )
        _write_text_lines(lines, out)
        return count
    columns = _Columns(input_spec, output_spec, fields, accept_columns)
    if format == "json":
        return _write_json_items((columns.json_object(row) for row in _filtered(rows, statuses)), out)
    if format == "xlsx":
        from crowdlab.files.xlsx import SheetWriter

        sheet = SheetWriter("assignments")
        sheet.append(columns.headers)
        count = 0
        previous: Any = None
        for row in _filtered(rows, statuses):
            if row_delimiter:
                current = row["assignment"].get("id")
                if count and current != previous:
                    sheet.append([])
                previous = current
            sheet.append(columns.values(row, text=False))
            count += 1
        sheet.save(out)
        return count
    raise ValueError(f"Unknown export format {format!r}; use tsv, xlsx or json")


def _confidence_value(value: Any, fmt: ConfidenceFormat, text: bool) -> Any:
    if value is None:
        return None
    number = float(value)
    if fmt == "percent":
        return f"{number * 100:.2f}%"
    return repr(number) if text else number


def aggregated_headers(
    input_spec: Spec | None, output_spec: Spec | None, include_task_id: bool = True
) -> list[str]:
    """Columns of the aggregated-results file."""
    outputs = list(output_spec or {})
    headers = [f"INPUT:{name}" for name in input_spec or {}]
    headers += [f"OUTPUT:{name}" for name in outputs]
    headers += [f"CONFIDENCE:{name}" for name in outputs]
    if include_task_id:
        headers.append("TASK:id")
    return headers


def write_aggregated(
    rows: Iterable[Mapping[str, Any]],
    *,
    input_spec: Spec | None,
    output_spec: Spec | None,
    out: BinaryIO,
    format: ExportFormat = "tsv",
    include_task_id: bool = True,
    confidence_format: ConfidenceFormat = "percent",
) -> int:
    """Stream aggregated results (``{task_id, input_values, output_values, confidence}`` rows) to ``out``.

    ``confidence`` is one number for the task or a ``{field: number}`` map; it is written to the
    ``CONFIDENCE:<field>`` of every output field that has an aggregated value. JSON keeps the rows as
    they are (confidence as a fraction). Returns the number of rows.
    """
    inputs = [(name, field_kind(spec)) for name, spec in (input_spec or {}).items()]
    outputs = [(name, field_kind(spec)) for name, spec in (output_spec or {}).items()]
    headers = aggregated_headers(input_spec, output_spec, include_task_id)

    def values(row: Mapping[str, Any], text: bool) -> list[Any]:
        convert = format_text if text else spreadsheet_value
        input_values = row.get("input_values") or {}
        output_values = row.get("output_values") or {}
        confidence = row.get("confidence")
        cells: list[Any] = []
        for name, kind in inputs:
            value = input_values.get(name)
            cells.append(None if value is None else convert(kind, value))
        for name, kind in outputs:
            value = output_values.get(name)
            cells.append(None if value is None else convert(kind, value))
        for name, _ in outputs:
            if name not in output_values:
                cells.append(None)
                continue
            share = confidence.get(name) if isinstance(confidence, Mapping) else confidence
            cells.append(_confidence_value(share, confidence_format, text))
        if include_task_id:
            cells.append(row.get("task_id"))
        return cells

    if format == "tsv":
        lines = (format_line(values(row, text=True)) for row in rows)
        return _write_text_lines(_prepend(format_line(headers), lines), out) - 1
    if format == "json":
        return _write_json_items(
            (
                {
                    "task_id": row.get("task_id"),
                    "input_values": row.get("input_values") or {},
                    "output_values": row.get("output_values") or {},
                    "confidence": row.get("confidence"),
                }
                for row in rows
            ),
            out,
        )
    if format == "xlsx":
        from crowdlab.files.xlsx import SheetWriter

        sheet = SheetWriter("aggregated")
        sheet.append(headers)
        count = 0
        for row in rows:
            sheet.append(values(row, text=False))
            count += 1
        sheet.save(out)
        return count
    raise ValueError(f"Unknown export format {format!r}; use tsv, xlsx or json")


def _prepend(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest
