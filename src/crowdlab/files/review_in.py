"""Review results in: a TSV/XLSX file of assignment ids with verdicts and comments.

Two forms are read (other columns are ignored, so a whole downloaded results file can be used):

* Toloka's: ``ASSIGNMENT:assignment_id``, ``ACCEPT:verdict`` (``+`` accept, ``-`` reject) and
  ``ACCEPT:comment``. A suite with several tasks has several rows with the same assignment id; the
  guide asks for the verdict on one of them and the others left empty, so rows without a verdict are
  skipped, and repeated rows must agree.
* A plain one: ``assignment_id`` (or ``id``), ``verdict`` (or ``status``) and ``comment``, where the
  verdict may also be written ``ACCEPTED`` / ``APPROVED`` / ``REJECTED``.

A rejection needs a comment (it is what the worker is shown).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

from crowdlab.files.errors import (
    CONFLICTING_VERDICT,
    DEFAULT_LIMITS,
    EMPTY_FILE,
    FIELD_COUNT_MISMATCH,
    INVALID_VERDICT,
    MISSING_HEADER,
    UNKNOWN_FORMAT,
    VALUE_REQUIRED,
    Limits,
    TaskFileError,
    row_error,
)
from crowdlab.files.streams import LimitedReader, LineReader, check_size, open_text, resolve_format
from crowdlab.files.tsv import RecordReader

Verdict = Literal["ACCEPTED", "REJECTED"]

_ID_HEADERS = ("ASSIGNMENT:assignment_id", "assignment_id", "ASSIGNMENT:id", "id")
_VERDICT_HEADERS = ("ACCEPT:verdict", "verdict", "status")
_COMMENT_HEADERS = ("ACCEPT:comment", "comment", "public_comment")
_VERDICTS: dict[str, Verdict] = {
    "+": "ACCEPTED",
    "ACCEPTED": "ACCEPTED",
    "APPROVED": "ACCEPTED",
    "ACCEPT": "ACCEPTED",
    "-": "REJECTED",
    "REJECTED": "REJECTED",
    "REJECT": "REJECTED",
}


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One verdict (or the errors of one row): line, assignment id, ACCEPTED/REJECTED, comment."""

    line: int
    assignment_id: str | None
    verdict: Verdict | None
    comment: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the row is a usable verdict."""
        return not self.errors


def _find(headers: Sequence[str], names: Sequence[str]) -> tuple[int, str] | None:
    lowered = [header.strip().lower() for header in headers]
    for name in names:
        if name.lower() in lowered:
            index = lowered.index(name.lower())
            return index, headers[index].strip()
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _ReviewBuilder:
    def __init__(self, headers: Sequence[str], line: int) -> None:
        found_id = _find(headers, _ID_HEADERS)
        found_verdict = _find(headers, _VERDICT_HEADERS)
        if found_id is None:
            raise TaskFileError(
                MISSING_HEADER,
                "The review file needs an ASSIGNMENT:assignment_id column",
                header=_ID_HEADERS[0],
                line=line,
            )
        if found_verdict is None:
            raise TaskFileError(
                MISSING_HEADER,
                "The review file needs an ACCEPT:verdict column (+ or -)",
                header=_VERDICT_HEADERS[0],
                line=line,
            )
        self._width = len(headers)
        self._id, self._id_header = found_id
        self._verdict, self._verdict_header = found_verdict
        found_comment = _find(headers, _COMMENT_HEADERS)
        self._comment: int | None = found_comment[0] if found_comment else None
        self._comment_header = found_comment[1] if found_comment else _COMMENT_HEADERS[0]
        self._seen: dict[str, tuple[Verdict, bytes | None, int]] = {}

    def build(self, line: int, cells: Sequence[Any], *, exact_width: bool) -> ReviewRow | None:
        if exact_width and len(cells) != self._width:
            message = f"The row has {len(cells)} fields but the header has {self._width}"
            return ReviewRow(line, None, None, None, [row_error(FIELD_COUNT_MISMATCH, message)])
        raw_verdict = _text(cells[self._verdict]) if self._verdict < len(cells) else ""
        if not raw_verdict:
            return None
        assignment_id = _text(cells[self._id]) if self._id < len(cells) else ""
        comment = (
            _text(cells[self._comment]) if self._comment is not None and self._comment < len(cells) else ""
        )
        errors: list[dict[str, Any]] = []
        verdict = _VERDICTS.get(raw_verdict.upper())
        if verdict is None:
            errors.append(
                row_error(
                    INVALID_VERDICT,
                    f"Unknown verdict {raw_verdict!r}; write + to accept or - to reject",
                    self._verdict_header,
                )
            )
        if not assignment_id:
            errors.append(row_error(VALUE_REQUIRED, "The assignment id is missing", self._id_header))
        if verdict == "REJECTED" and not comment:
            errors.append(
                row_error(VALUE_REQUIRED, "A rejection needs a comment for the worker", self._comment_header)
            )
        if errors:
            return ReviewRow(line, assignment_id or None, verdict, comment or None, errors)
        assert verdict is not None
        digest = hashlib.blake2b(comment.encode(), digest_size=16).digest() if comment else None
        previous = self._seen.get(assignment_id)
        if previous is not None:
            earlier_verdict, earlier_digest, earlier_line = previous
            if earlier_verdict != verdict or (digest is not None and earlier_digest not in (None, digest)):
                message = (
                    f"Assignment {assignment_id} already has a different verdict or comment "
                    f"on line {earlier_line}"
                )
                return ReviewRow(
                    line,
                    assignment_id,
                    verdict,
                    comment or None,
                    [row_error(CONFLICTING_VERDICT, message, self._verdict_header)],
                )
            return None
        self._seen[assignment_id] = (verdict, digest, line)
        return ReviewRow(line, assignment_id, verdict, comment or None)


def read_review(
    stream: BinaryIO,
    *,
    format: str | None = None,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[ReviewRow]:
    """Yield one ReviewRow per verdict (rows without a verdict and repeats are skipped).

    TaskFileError for a file without the id or verdict column, not UTF-8, or too large.
    """
    check_size(stream, limits)
    try:
        start = stream.tell() if stream.seekable() else None
    except (OSError, ValueError):
        start = None
    reader = LimitedReader(stream, limits.max_bytes)
    fmt = resolve_format(format, filename, reader.peek(8))
    if fmt == "json":
        raise TaskFileError(UNKNOWN_FORMAT, "Review results are uploaded as TSV or XLSX")
    if fmt == "xlsx":
        from crowdlab.files.xlsx import read_rows

        if start is not None:
            stream.seek(start)
            source: BinaryIO = stream
        else:
            source = io.BufferedReader(reader)
        rows = read_rows(source, limits)
        builder = None
        for line, cells in rows:
            if all(cell in ("", None) for cell in cells):
                continue
            if builder is None:
                builder = _ReviewBuilder([_text(cell) for cell in cells], line)
                continue
            row = builder.build(line, cells, exact_width=False)
            if row is not None:
                yield row
        if builder is None:
            raise TaskFileError(EMPTY_FILE, "The file is empty")
        return
    records = RecordReader(LineReader(open_text(reader), limits.max_value_chars), limits.max_value_chars)
    builder = None
    for record in records:
        if record.blank:
            continue
        if record.error is not None:
            if builder is None:
                raise TaskFileError(
                    record.error["code"], "Header: " + record.error["message"], line=record.line
                )
            yield ReviewRow(record.line, None, None, None, [record.error])
            continue
        if builder is None:
            builder = _ReviewBuilder(record.cells, record.line)
            continue
        row = builder.build(record.line, record.cells, exact_width=True)
        if row is not None:
            yield row
    if builder is None:
        raise TaskFileError(EMPTY_FILE, "The file is empty")
