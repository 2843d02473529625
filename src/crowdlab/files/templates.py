"""Downloadable task-file templates generated from a project's input and output spec.

A template is a task file with the project's columns and one example row whose values satisfy the
spec (allowed values, bounds, lengths, array sizes), so a requester can replace the example with their
data and upload it as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from crowdlab.files.cells import field_kind
from crowdlab.files.header import Spec
from crowdlab.files.tasks_out import TaskColumns, write_tasks

_EXAMPLES: dict[str, Any] = {
    "string": "text",
    "url": "https://example.com/image.png",
    "file": "file-id",
    "coordinates": "53.910236,27.531110",
    "json": {"key": "value"},
    "boolean": True,
}


def _clamp(value: float, spec: Mapping[str, Any]) -> float:
    low, high = spec.get("min_value"), spec.get("max_value")
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def _example_scalar(kind: str, spec: Mapping[str, Any]) -> Any:
    allowed = spec.get("allowed_values")
    if allowed:
        return allowed[0]
    if kind == "integer":
        low, high = spec.get("min_value"), spec.get("max_value")
        value = int(_clamp(1, spec))
        if low is not None and value < low:
            value += 1  # a fractional lower bound rounds down above
        if high is not None and value > high:
            value -= 1
        return value
    if kind == "float":
        return float(_clamp(0.5, spec))
    if kind == "string":
        text = str(_EXAMPLES["string"])
        low, high = spec.get("min_length"), spec.get("max_length")
        if low is not None and len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None and len(text) > high:
            text = text[:high]
        return text
    return _EXAMPLES.get(kind, "text")


def example_value(spec: Mapping[str, Any]) -> Any:
    """A value that satisfies the FieldSpec (used for template rows and documentation)."""
    kind = field_kind(spec)
    if not kind.startswith("array_"):
        return _example_scalar(kind, spec)
    item = _example_scalar(kind.removeprefix("array_"), spec)
    low, high = spec.get("min_size"), spec.get("max_size")
    size = max(1, low or 0)
    if high is not None:
        size = min(size, high)
    return [item] * size


def template_task(
    input_spec: Spec | None,
    output_spec: Spec | None,
    *,
    golden: bool = False,
    hint: bool = False,
    coordinates: bool = False,
) -> dict[str, Any]:
    """The example task of a template (a control/training/field task when asked for)."""
    task: dict[str, Any] = {
        "input_values": {name: example_value(spec) for name, spec in (input_spec or {}).items()}
    }
    if (golden or hint) and output_spec:
        task["known_solutions"] = [
            {"output_values": {name: example_value(spec) for name, spec in output_spec.items()}}
        ]
    if hint:
        task["message_on_unknown_solution"] = "Explain here why this answer is the correct one."
    if coordinates:
        task["latitude"] = 53.910236
        task["longitude"] = 27.53111
    return task


def write_template(
    out: BinaryIO,
    *,
    input_spec: Spec | None,
    output_spec: Spec | None,
    format: str = "tsv",
    golden: bool = False,
    hint: bool = False,
    coordinates: bool = False,
) -> None:
    """Write a TSV / XLSX / JSON template: the project's columns (GOLDEN:, HINT:text and coordinate
    columns on request) and one example row."""
    task = template_task(input_spec, output_spec, golden=golden, hint=hint, coordinates=coordinates)
    columns = TaskColumns(golden=golden or hint, hint=hint, coordinates=coordinates)
    write_tasks(
        [task], input_spec=input_spec, output_spec=output_spec, format=format, out=out, columns=columns
    )
