"""Task files in: TSV, XLSX and JSON as the Toloka guide "Creating a file with tasks" describes them.

:func:`read_tasks` streams a file into :class:`ParsedRow` objects, one per task row, each carrying the
Toloka task dict or the row's errors. Memory stays flat for TSV and JSON whatever the file size (one
row / one JSON element at a time); XLSX is bounded by the zip-bomb guard instead (see
:mod:`crowdlab.files.xlsx`). Whole-file problems raise :class:`~crowdlab.files.errors.TaskFileError`.

:func:`processing_log` turns rows into the JSON-lines processing log; :func:`accepted_rows` applies the
requester's choice between skipping invalid rows and refusing the whole file. Nothing here touches a
database: the services layer creates the tasks it is handed.

Line numbers count physical lines of the file starting at 1 (the header is line 1); a row that spans
several lines (a quoted value with line breaks) reports its first and last line.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from crowdlab.files.errors import (
    DEFAULT_LIMITS,
    EMPTY_FILE,
    Limits,
    TaskFileError,
    row_error,
)
from crowdlab.files.header import Spec, parse_header
from crowdlab.files.jsonstream import iter_elements
from crowdlab.files.rows import CellRowBuilder, FlatJsonBuilder, JsonTaskBuilder, Kind
from crowdlab.files.streams import (
    LimitedReader,
    LineReader,
    check_size,
    open_text,
    read_chunks,
    resolve_format,
)
from crowdlab.files.tsv import QUOTED_EMPTY, RecordReader

__all__ = ["ParsedRow", "UploadSummary", "accepted_rows", "file_error_row", "processing_log", "read_tasks"]


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One row of a task file.

    ``task`` is the Toloka task dict (None when the row has errors); ``kind`` is general / control /
    training / field; ``errors`` are ``{"code", "message", "field"?}`` dicts. ``block`` counts the
    blank-line-separated groups of a TSV/XLSX file (the old way of marking task suites by hand).
    """

    line: int
    line_end: int
    task: dict[str, Any] | None
    kind: Kind
    errors: list[dict[str, Any]] = field(default_factory=list)
    block: int = 0

    @property
    def ok(self) -> bool:
        """True when the row produced a task."""
        return not self.errors


def read_tasks(
    stream: BinaryIO,
    *,
    format: str | None = None,
    filename: str | None = None,
    input_spec: Spec | None,
    output_spec: Spec | None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[ParsedRow]:
    """Parse a task file into rows, lazily.

    ``format`` is ``'tsv'``, ``'xlsx'``, ``'json'`` or None to sniff it from ``filename`` and the first
    bytes. Raises TaskFileError (while iterating) for a wrong header, an unknown field, a file that is
    not UTF-8, too large, or not valid JSON.
    """
    check_size(stream, limits)
    try:
        start = stream.tell() if stream.seekable() else None
    except (OSError, ValueError):
        start = None
    reader = LimitedReader(stream, limits.max_bytes)
    fmt = resolve_format(format, filename, reader.peek(8))
    if fmt == "xlsx":
        if start is not None:
            stream.seek(start)
            source: BinaryIO = stream
        else:
            source = io.BufferedReader(reader)
        yield from _read_xlsx(source, input_spec, output_spec, limits)
    elif fmt == "json":
        yield from _read_json(reader, input_spec, output_spec, limits)
    else:
        yield from _read_tsv(reader, input_spec, output_spec, limits)


def _read_tsv(
    reader: LimitedReader, input_spec: Spec | None, output_spec: Spec | None, limits: Limits
) -> Iterator[ParsedRow]:
    text = open_text(reader)
    records = iter(RecordReader(LineReader(text, limits.max_value_chars), limits.max_value_chars))
    header = None
    for record in records:
        if not record.blank:
            header = record
            break
    if header is None:
        raise TaskFileError(EMPTY_FILE, "The file is empty; the first line must hold the column headers")
    if header.error is not None:
        raise TaskFileError(header.error["code"], "Header: " + header.error["message"], line=header.line)
    if any(cell is QUOTED_EMPTY for cell in header.cells):
        header.cells = ["" if cell is QUOTED_EMPTY else cell for cell in header.cells]
    try:
        layout = parse_header(header.cells, input_spec, output_spec, line=header.line)
    except TaskFileError as exc:
        if len(header.cells) == 1 and ("," in header.cells[0] or ";" in header.cells[0]):
            exc.message += (
                ". The header has a single column: the file looks comma- or semicolon-separated; "
                "task files separate columns with tabs (save as TSV, or upload XLSX)"
            )
            exc.args = (exc.message,)
        raise
    builder = CellRowBuilder(layout, output_spec, mode="text", max_depth=limits.max_json_depth)
    block = 0
    in_block = False
    for record in records:
        if record.blank:
            if in_block:
                block += 1
                in_block = False
            continue
        in_block = True
        if record.error is not None:
            yield ParsedRow(record.line, record.line_end, None, "general", [record.error], block)
            continue
        task, kind, errors = builder.build(record.cells)
        yield ParsedRow(record.line, record.line_end, task, kind, errors, block)


def _read_xlsx(
    stream: BinaryIO, input_spec: Spec | None, output_spec: Spec | None, limits: Limits
) -> Iterator[ParsedRow]:
    from crowdlab.files.xlsx import read_rows

    rows = read_rows(stream, limits)
    header_line = 0
    headers: list[str] = []
    for line, cells in rows:
        if any(cell not in ("", None) for cell in cells):
            header_line = line
            headers = [str(cell) if cell not in ("", None) else "" for cell in cells]
            break
    if not header_line:
        raise TaskFileError(EMPTY_FILE, "The sheet is empty; its first row must hold the column headers")
    while headers and not headers[-1].strip():
        headers.pop()  # the sheet may be wider than the header
    layout = parse_header(headers, input_spec, output_spec, line=header_line)
    builder = CellRowBuilder(layout, output_spec, mode="spreadsheet", max_depth=limits.max_json_depth)
    width = len(headers)
    block = 0
    in_block = False
    for line, cells in rows:
        if all(cell == "" or cell is None for cell in cells):
            if in_block:
                block += 1
                in_block = False
            continue
        in_block = True
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        task, kind, errors = builder.build(cells)
        yield ParsedRow(line, line, task, kind, errors, block)


def _is_flat(item: Any) -> bool:
    return isinstance(item, dict) and bool(item) and all(":" in key for key in item)


def _read_json(
    reader: LimitedReader, input_spec: Spec | None, output_spec: Spec | None, limits: Limits
) -> Iterator[ParsedRow]:
    text = open_text(reader)
    builder = JsonTaskBuilder(input_spec, output_spec, max_depth=limits.max_json_depth)
    flat = FlatJsonBuilder(input_spec, output_spec, max_depth=limits.max_json_depth)
    for element in iter_elements(read_chunks(text), limits.max_value_chars):
        if _is_flat(element.value):
            task, kind, errors = flat.build(element.value, element.line)
        else:
            task, kind, errors = builder.build(element.value)
        yield ParsedRow(element.line, element.line_end, task, kind, errors)


def _log_entry(row: ParsedRow) -> dict[str, Any]:
    entry: dict[str, Any] = {"line": row.line, "success": not row.errors}
    if row.line_end != row.line:
        entry["line_end"] = row.line_end
    if row.errors:
        first = row.errors[0]
        entry["code"] = first["code"]
        messages = [
            f"{error['field']}: {error['message']}" if error.get("field") else error["message"]
            for error in row.errors
        ]
        entry["message"] = "; ".join(messages)
        entry["errors"] = row.errors
    return entry


def processing_log(rows: Iterable[ParsedRow]) -> Iterator[str]:
    """One JSON line per row: ``{"line", "success"}`` plus ``code``, ``message`` and ``errors`` on failure.

    A TaskFileError raised while reading ends the log with one entry for it instead of propagating.
    """
    try:
        for row in rows:
            yield json.dumps(_log_entry(row), ensure_ascii=False) + "\n"
    except TaskFileError as exc:
        yield json.dumps(exc.log_entry(), ensure_ascii=False) + "\n"


@dataclass
class UploadSummary:
    """What happened to an upload: counts, the first failures (capped) and whether it was refused."""

    skip_invalid: bool = True
    max_failures: int = 1000
    rows: int = 0
    accepted: int = 0
    failed: int = 0
    failures: list[ParsedRow] = field(default_factory=list)
    file_error: TaskFileError | None = None

    @property
    def refused(self) -> bool:
        """True when nothing may be kept: a file error, or any invalid row in all-or-nothing mode."""
        return self.file_error is not None or (not self.skip_invalid and self.failed > 0)

    def as_dict(self) -> dict[str, Any]:
        """Counts and the first failures, as JSON-ready data."""
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "failed": self.failed,
            "refused": self.refused,
            "file_error": self.file_error.as_dict() if self.file_error else None,
            "failures": [_log_entry(row) for row in self.failures],
        }


def accepted_rows(rows: Iterable[ParsedRow], summary: UploadSummary) -> Iterator[ParsedRow]:
    """Yield the rows whose tasks should be created, filling ``summary`` as the file is read.

    With ``summary.skip_invalid`` the valid rows are yielded and invalid ones only counted. Otherwise
    (all or nothing) nothing more is yielded after the first invalid row, but the file is still read to
    the end so the summary lists every error; the caller must then discard what it created when
    ``summary.refused`` is true (for example by rolling back its transaction). A TaskFileError is
    recorded in ``summary.file_error`` and ends the iteration.
    """
    try:
        for row in rows:
            summary.rows += 1
            if row.errors:
                summary.failed += 1
                if len(summary.failures) < summary.max_failures:
                    summary.failures.append(row)
                continue
            if summary.skip_invalid or summary.failed == 0:
                summary.accepted += 1
                yield row
    except TaskFileError as exc:
        summary.file_error = exc


def file_error_row(exc: TaskFileError) -> ParsedRow:
    """A TaskFileError as a failed row (line 1 unless the error knows its line), for uniform logs."""
    error = row_error(exc.code, exc.message, exc.header)
    return ParsedRow(exc.line or 1, exc.line or 1, None, "general", [error])
