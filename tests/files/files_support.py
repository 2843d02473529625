"""Shared specs and helpers for the task-file tests."""

from __future__ import annotations

import io
from typing import Any

from crowdlab.files import ParsedRow, read_tasks

IMAGE_SPEC: dict[str, dict[str, Any]] = {"image": {"type": "url", "required": True, "hidden": False}}
RESULT_SPEC: dict[str, dict[str, Any]] = {
    "result": {"type": "string", "required": True, "hidden": False, "allowed_values": ["OK", "BAD"]}
}


def read(
    data: str | bytes,
    input_spec: dict[str, Any] | None = None,
    output_spec: dict[str, Any] | None = None,
    **kwargs: Any,
) -> list[ParsedRow]:
    """All rows of a task file given as text (UTF-8) or bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(
        read_tasks(
            io.BytesIO(raw),
            input_spec=IMAGE_SPEC if input_spec is None else input_spec,
            output_spec=RESULT_SPEC if output_spec is None else output_spec,
            **kwargs,
        )
    )


def one_field(kind: str, cell: str, **spec: Any) -> ParsedRow:
    """The single row of a one-column TSV ``INPUT:value`` whose field has type ``kind``."""
    rows = read(f"INPUT:value\n{cell}\n", {"value": {"type": kind, "required": True, **spec}}, {})
    assert len(rows) == 1, rows
    return rows[0]


def codes(row: ParsedRow) -> list[str]:
    """The error codes of a row."""
    return [error["code"] for error in row.errors]
