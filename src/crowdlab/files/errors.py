"""Errors of task files, the size limits that guard the parsers, and the codes they report.

Two kinds of problem exist. A problem with the whole file (a wrong header, not UTF-8, too big, broken
JSON syntax) raises :class:`TaskFileError` and nothing in the file is used. A problem with one row is a
*row error*: a small dict ``{"code", "message", "field"?}`` attached to that row, which goes to the
processing log while the other rows carry on.

Codes that Toloka documents keep Toloka's names (``VALUE_REQUIRED``, ``INVALID_URL_SYNTAX``, ...); the
others are ours and are listed in :data:`ROW_CODES` and :data:`FILE_CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024

# Row codes (besides the value codes of crowdlab.domain.specs such as VALUE_NOT_ALLOWED).
VALUE_REQUIRED = "VALUE_REQUIRED"
INVALID_URL_SYNTAX = "INVALID_URL_SYNTAX"
FIELD_COUNT_MISMATCH = "FIELD_COUNT_MISMATCH"
UNEXPECTED_END_OF_FILE = "UNEXPECTED_END_OF_FILE"
INTEGER_EXPECTED = "INTEGER_EXPECTED"
FLOAT_EXPECTED = "FLOAT_EXPECTED"
BOOLEAN_EXPECTED = "BOOLEAN_EXPECTED"
INVALID_JSON = "INVALID_JSON"
INVALID_ARRAY_SYNTAX = "INVALID_ARRAY_SYNTAX"
JSON_TOO_DEEP = "JSON_TOO_DEEP"
VALUE_TOO_LONG = "VALUE_TOO_LONG"
OBJECT_EXPECTED = "OBJECT_EXPECTED"
VALUE_NOT_ALLOWED = "VALUE_NOT_ALLOWED"
INVALID_VERDICT = "INVALID_VERDICT"
CONFLICTING_VERDICT = "CONFLICTING_VERDICT"

ROW_CODES = (
    VALUE_REQUIRED,
    INVALID_URL_SYNTAX,
    FIELD_COUNT_MISMATCH,
    UNEXPECTED_END_OF_FILE,
    INTEGER_EXPECTED,
    FLOAT_EXPECTED,
    BOOLEAN_EXPECTED,
    INVALID_JSON,
    INVALID_ARRAY_SYNTAX,
    JSON_TOO_DEEP,
    VALUE_TOO_LONG,
    OBJECT_EXPECTED,
    VALUE_NOT_ALLOWED,
    INVALID_VERDICT,
    CONFLICTING_VERDICT,
)

# Whole-file codes.
EMPTY_FILE = "EMPTY_FILE"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
NOT_UTF8 = "NOT_UTF8"
UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
UNKNOWN_HEADER = "UNKNOWN_HEADER"
UNKNOWN_FIELD = "UNKNOWN_FIELD"
DUPLICATE_HEADER = "DUPLICATE_HEADER"
EMPTY_HEADER = "EMPTY_HEADER"
MISSING_HEADER = "MISSING_HEADER"
INVALID_JSON_SYNTAX = "INVALID_JSON_SYNTAX"
NOT_A_TASK_LIST = "NOT_A_TASK_LIST"
INVALID_XLSX = "INVALID_XLSX"

FILE_CODES = (
    EMPTY_FILE,
    FILE_TOO_LARGE,
    NOT_UTF8,
    UNKNOWN_FORMAT,
    UNKNOWN_HEADER,
    UNKNOWN_FIELD,
    DUPLICATE_HEADER,
    EMPTY_HEADER,
    MISSING_HEADER,
    INVALID_JSON_SYNTAX,
    NOT_A_TASK_LIST,
    INVALID_XLSX,
    JSON_TOO_DEEP,
    VALUE_TOO_LONG,
)


class TaskFileError(Exception):
    """The whole file is refused: nothing in it may be used.

    ``header`` names the offending column when the problem is in the header row; ``line`` and
    ``column`` locate syntax errors (1-based).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        header: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.header = header
        self.line = line
        self.column = column

    def as_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready dict (only the keys that are set)."""
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        for key in ("header", "line", "column"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def log_entry(self) -> dict[str, Any]:
        """The error as one processing-log entry (``success: false``, line 1 when unknown)."""
        entry: dict[str, Any] = {"line": self.line or 1, "success": False}
        entry.update(self.as_dict())
        entry["line"] = self.line or 1
        return entry

    def __repr__(self) -> str:
        return f"TaskFileError({self.code!r}, {self.message!r})"


def row_error(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """A row error dict: ``{"code", "message"}`` plus ``field`` (a column or JSON path) when known."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    error.update(extra)
    return error


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from exhausting memory or time.

    ``max_bytes`` is the upload limit of the Toloka guide (100 MB). ``max_value_chars`` caps one value
    (and one physical line, and one JSON element) so that an unpaired quote cannot make the parser hold
    the rest of the file. ``max_xlsx_uncompressed_bytes`` caps what an XLSX may expand to (zip bombs).
    """

    max_bytes: int = 100 * MB
    max_value_chars: int = 16 * MB
    max_json_depth: int = 64
    max_xlsx_uncompressed_bytes: int = 1024 * MB
    max_xlsx_entries: int = 10_000


DEFAULT_LIMITS = Limits()
