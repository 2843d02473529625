"""Building one task from one row of cells, and from one JSON task object.

Both produce the same Toloka task dict: ``input_values`` always; ``known_solutions``
(``[{"output_values": {...}}]``), ``message_on_unknown_solution``, ``latitude`` / ``longitude`` and
``overlap`` only when given. The task kind follows from what is filled in: a hint makes a training
task, correct answers a control task, coordinates a field task, and otherwise it is a general task.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from crowdlab.domain.specs import FieldError, check_value, validate_values
from crowdlab.files.cells import (
    CellError,
    json_depth_exceeds,
    parse_spreadsheet_value,
    parse_text,
    text_parser,
)
from crowdlab.files.errors import (
    FIELD_COUNT_MISMATCH,
    FLOAT_EXPECTED,
    INTEGER_EXPECTED,
    JSON_TOO_DEEP,
    OBJECT_EXPECTED,
    VALUE_NOT_ALLOWED,
    VALUE_REQUIRED,
    row_error,
)
from crowdlab.files.header import Column, Layout, Spec, parse_header
from crowdlab.files.tsv import QUOTED_EMPTY

Kind = Literal["general", "control", "training", "field"]
Errors = list[dict[str, Any]]
Converter = Callable[[str, Any, int], Any]
CellMode = Literal["text", "spreadsheet", "flat"]

_REQUIRED_MESSAGE = "Value must be present and not equal to null"
_TASK_KEYS = frozenset(
    {"input_values", "known_solutions", "message_on_unknown_solution", "latitude", "longitude", "overlap"}
)
# Keys of our own results exports: ignored so a downloaded JSON file can be uploaded again.
_IGNORED_KEYS = frozenset({"output_values", "assignment", "confidence", "id", "task_id", "pool_id"})
_SOLUTION_KEYS = frozenset({"output_values", "correctness_weight"})
_TEXT_KINDS = frozenset({"string", "file"})


def task_kind(task: Mapping[str, Any]) -> Kind:
    """general / control / training / field, from the filled parts of a task dict."""
    if task.get("message_on_unknown_solution"):
        return "training"
    if task.get("known_solutions"):
        return "control"
    if task.get("latitude") is not None:
        return "field"
    return "general"


def _absent_text(raw: Any, kind: str) -> bool:
    if raw is QUOTED_EMPTY:  # ``""``: the empty string where a text value is expected
        return kind not in _TEXT_KINDS
    return not raw


def _absent_spreadsheet(raw: Any, kind: str) -> bool:
    return raw is None or raw == ""


def _coordinate(value: Any, name: str, bound: float, header: str, errors: Errors) -> float | None:
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            errors.append(row_error(FLOAT_EXPECTED, f"{value!r} is not a number", header))
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        errors.append(row_error(FLOAT_EXPECTED, f"The {name} must be a number", header))
        return None
    if not math.isfinite(number) or abs(number) > bound:
        errors.append(
            row_error(
                "VALUE_GREATER_THAN_MAX", f"The {name} {value} is outside -{bound:g}..{bound:g}", header
            )
        )
        return None
    return number


def _overlap(value: Any, header: str, errors: Errors) -> int | None:
    if isinstance(value, str):
        value = value.strip()
        number = int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = None
    if number is None or number < 1:
        errors.append(
            row_error(INTEGER_EXPECTED, f"The overlap must be a positive integer, not {value!r}", header)
        )
        return None
    return number


def _finish(
    input_values: dict[str, Any],
    solutions: list[dict[str, Any]],
    hint: str | None,
    latitude: float | None,
    longitude: float | None,
    overlap: int | None,
    errors: Errors,
) -> tuple[dict[str, Any] | None, Kind, Errors]:
    task: dict[str, Any] = {"input_values": input_values}
    if solutions:
        task["known_solutions"] = solutions
    if hint:
        task["message_on_unknown_solution"] = hint
    if latitude is not None and longitude is not None:
        task["latitude"] = latitude
        task["longitude"] = longitude
    if overlap is not None:
        task["overlap"] = overlap
    return (None if errors else task), task_kind(task), errors


def _flat_value(kind: str, raw: Any, max_depth: int) -> Any:
    if isinstance(raw, str):
        return parse_text(kind, raw, max_depth)
    if json_depth_exceeds(raw, max_depth):
        raise CellError(JSON_TOO_DEEP, f"JSON nested deeper than {max_depth} levels")
    return raw


def _absent_flat(raw: Any, kind: str) -> bool:
    return raw is None or raw == ""


_CONVERTERS: dict[str, Converter] = {
    "spreadsheet": parse_spreadsheet_value,
    "flat": _flat_value,
}
_ABSENT: dict[str, Callable[[Any, str], bool]] = {
    "text": _absent_text,
    "spreadsheet": _absent_spreadsheet,
    "flat": _absent_flat,
}


# Types whose text conversion already guarantees what check_value would verify when the spec has no
# constraints (no allowed values, bounds or lengths): the check is skipped for them, for speed.
_CONVERSION_CHECKS = frozenset({"string", "file", "integer", "float", "boolean", "json"})
_PLAIN_SPEC_KEYS = frozenset({"type", "required", "hidden"})


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one INPUT/GOLDEN column becomes a value: where it is, how to convert and check it."""

    index: int
    header: str
    name: str
    kind: str
    required: bool
    convert: Callable[[Any], Any]
    check: Callable[[Any], FieldError | None] | None


def _plan(column: Column, mode: CellMode, max_depth: int) -> _Plan:
    kind = column.kind
    convert: Callable[[Any], Any]
    if mode == "text":
        convert = text_parser(kind, max_depth)
    else:
        base = _CONVERTERS[mode]

        def convert(raw: Any) -> Any:
            return base(kind, raw, max_depth)

    plain = mode == "text" and kind in _CONVERSION_CHECKS and set(column.spec) <= _PLAIN_SPEC_KEYS
    check = None if plain else partial(check_value, column.spec)
    return _Plan(column.index, column.header, column.name, kind, column.required, convert, check)


class CellRowBuilder:
    """Builds tasks from rows of cells laid out by a header (TSV text cells or XLSX typed cells)."""

    def __init__(
        self, layout: Layout, output_spec: Spec | None, *, mode: CellMode = "text", max_depth: int = 64
    ) -> None:
        self.layout = layout
        self._output_spec = output_spec or {}
        self._absent: Callable[[Any, str], bool] = _ABSENT[mode]
        self._spreadsheet = mode != "text"
        self._inputs = [_plan(column, mode, max_depth) for column in layout.inputs]
        self._golden = [_plan(column, mode, max_depth) for column in layout.golden]

    def _values(self, plans: Sequence[_Plan], cells: Sequence[Any], errors: Errors, *, golden: bool) -> dict:
        values: dict[str, Any] = {}
        absent = self._absent
        for plan in plans:
            raw = cells[plan.index]
            if absent(raw, plan.kind):
                if not golden and plan.required:
                    errors.append(row_error(VALUE_REQUIRED, _REQUIRED_MESSAGE, plan.header))
                continue
            try:
                value = plan.convert(raw)
            except CellError as exc:
                errors.append(row_error(exc.code, exc.message, plan.header))
                continue
            if plan.check is not None:
                problem = plan.check(value)
                if problem is not None:
                    errors.append(row_error(problem.code, problem.message, plan.header))
                    continue
            values[plan.name] = value
        return values

    def _width_error(self, cells: Sequence[Any]) -> dict[str, Any] | None:
        expected = self.layout.width
        if self._spreadsheet:
            found = len(cells)
            while found > expected and (cells[found - 1] is None or cells[found - 1] == ""):
                found -= 1
        else:
            found = len(cells)
        if found == expected:
            return None
        return row_error(
            FIELD_COUNT_MISMATCH,
            f"The row has {found} fields but the header has {expected}: remove extra tabs, and enclose "
            "values that contain tabs in double quotes",
            expected=expected,
            found=found,
        )

    def build(self, cells: Sequence[Any]) -> tuple[dict[str, Any] | None, Kind, Errors]:
        """The task of one row (None when the row has errors), its kind, and its errors."""
        layout = self.layout
        width_error = self._width_error(cells)
        if width_error is not None:
            return None, "general", [width_error]
        errors: Errors = []
        input_values = self._values(self._inputs, cells, errors, golden=False)
        output_values = self._values(self._golden, cells, errors, golden=True)
        hint: str | None = None
        if layout.hint is not None:
            raw = cells[layout.hint.index]
            if raw not in (None, ""):
                hint = str(raw)
        if output_values or any(error.get("field", "").startswith("GOLDEN:") for error in errors):
            for name, spec in self._output_spec.items():
                if spec.get("required", True) and name not in output_values:
                    header = f"GOLDEN:{name}"
                    if not any(error.get("field") == header for error in errors):
                        errors.append(row_error(VALUE_REQUIRED, _REQUIRED_MESSAGE, header))
        elif hint:
            errors.append(
                row_error(
                    VALUE_REQUIRED,
                    "A training task (HINT:text filled in) needs its correct answer in the GOLDEN: columns",
                    "GOLDEN:",
                )
            )
        latitude = longitude = None
        if layout.latitude is not None and layout.longitude is not None:
            raw_lat, raw_lon = cells[layout.latitude.index], cells[layout.longitude.index]
            lat_absent, lon_absent = self._absent(raw_lat, "float"), self._absent(raw_lon, "float")
            if not lat_absent:
                latitude = _coordinate(raw_lat, "latitude", 90, layout.latitude.header, errors)
            if not lon_absent:
                longitude = _coordinate(raw_lon, "longitude", 180, layout.longitude.header, errors)
            if lat_absent != lon_absent:
                missing = layout.latitude if lat_absent else layout.longitude
                errors.append(
                    row_error(
                        VALUE_REQUIRED, "A field task needs both latitude and longitude", missing.header
                    )
                )
        overlap = None
        if layout.overlap is not None:
            raw = cells[layout.overlap.index]
            if not self._absent(raw, "integer"):
                overlap = _overlap(raw, layout.overlap.header, errors)
        solutions = [{"output_values": output_values}] if output_values else []
        return _finish(input_values, solutions, hint, latitude, longitude, overlap, errors)


def _drop_nulls(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class JsonTaskBuilder:
    """Builds tasks from the objects of a JSON task file (the current format)."""

    def __init__(self, input_spec: Spec | None, output_spec: Spec | None, *, max_depth: int) -> None:
        self._input_spec = input_spec or {}
        self._output_spec = output_spec or {}
        self._max_depth = max_depth

    def _too_deep(self, values: Mapping[str, Any], prefix: str, errors: Errors) -> bool:
        for name, value in values.items():
            if json_depth_exceeds(value, self._max_depth):
                errors.append(
                    row_error(
                        JSON_TOO_DEEP, f"JSON nested deeper than {self._max_depth} levels", f"{prefix}.{name}"
                    )
                )
                return True
        return False

    def build(self, item: Any) -> tuple[dict[str, Any] | None, Kind, Errors]:
        """The task of one JSON object (None when it has errors), its kind, and its errors."""
        errors: Errors = []
        if not isinstance(item, dict):
            return None, "general", [row_error(OBJECT_EXPECTED, "Each task must be a JSON object {...}")]
        for key in item:
            if key not in _TASK_KEYS and key not in _IGNORED_KEYS:
                allowed = ", ".join(sorted(_TASK_KEYS))
                errors.append(row_error(VALUE_NOT_ALLOWED, f"Unknown key {key!r} (allowed: {allowed})", key))
        raw_inputs = item.get("input_values")
        input_values: dict[str, Any] = {}
        if not isinstance(raw_inputs, dict):
            code, message = (
                (VALUE_REQUIRED, _REQUIRED_MESSAGE)
                if raw_inputs is None
                else (OBJECT_EXPECTED, "Must be an object")
            )
            errors.append(row_error(code, message, "input_values"))
        else:
            input_values = _drop_nulls(raw_inputs)
            if not self._too_deep(input_values, "input_values", errors):
                for path, problem in validate_values(self._input_spec, raw_inputs, "input_values").items():
                    errors.append(row_error(problem.code, problem.message, path))
        solutions = self._solutions(item.get("known_solutions"), errors)
        hint = item.get("message_on_unknown_solution")
        if hint is not None and not isinstance(hint, str):
            errors.append(
                row_error("STRING_EXPECTED", "The hint must be a string", "message_on_unknown_solution")
            )
            hint = None
        if hint and not solutions:
            errors.append(
                row_error(
                    VALUE_REQUIRED, "A training task (with a hint) needs known_solutions", "known_solutions"
                )
            )
        latitude = longitude = None
        raw_lat, raw_lon = item.get("latitude"), item.get("longitude")
        if raw_lat is not None:
            latitude = _coordinate(raw_lat, "latitude", 90, "latitude", errors)
        if raw_lon is not None:
            longitude = _coordinate(raw_lon, "longitude", 180, "longitude", errors)
        if (raw_lat is None) != (raw_lon is None):
            missing = "latitude" if raw_lat is None else "longitude"
            errors.append(
                row_error(VALUE_REQUIRED, "A field task needs both latitude and longitude", missing)
            )
        overlap = None
        if item.get("overlap") is not None:
            overlap = _overlap(item["overlap"], "overlap", errors)
        return _finish(input_values, solutions, hint or None, latitude, longitude, overlap, errors)

    def _solutions(self, raw: Any, errors: Errors) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            errors.append(row_error("ARRAY_EXPECTED", "known_solutions must be a list", "known_solutions"))
            return []
        solutions: list[dict[str, Any]] = []
        for position, solution in enumerate(raw):
            path = f"known_solutions.{position}"
            if not isinstance(solution, dict):
                errors.append(row_error(OBJECT_EXPECTED, "A known solution must be an object", path))
                continue
            for key in solution:
                if key not in _SOLUTION_KEYS:
                    errors.append(row_error(VALUE_NOT_ALLOWED, f"Unknown key {key!r}", f"{path}.{key}"))
            values = solution.get("output_values")
            if not isinstance(values, dict):
                errors.append(
                    row_error(OBJECT_EXPECTED, "output_values must be an object", f"{path}.output_values")
                )
                continue
            if self._too_deep(values, f"{path}.output_values", errors):
                continue
            problems = validate_values(self._output_spec, values, f"{path}.output_values")
            for field_path, problem in problems.items():
                errors.append(row_error(problem.code, problem.message, field_path))
            entry: dict[str, Any] = {"output_values": _drop_nulls(values)}
            weight = solution.get("correctness_weight")
            if weight is not None:
                if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
                    errors.append(
                        row_error(
                            FLOAT_EXPECTED,
                            "correctness_weight must be a number from 0 to 1",
                            f"{path}.correctness_weight",
                        )
                    )
                else:
                    entry["correctness_weight"] = weight
            solutions.append(entry)
        return solutions


class FlatJsonBuilder:
    """Builds tasks from objects of the old flat JSON format ``{"INPUT:image": ..., "GOLDEN:result": ...}``.

    The keys play the part of a header (a wrong key rejects the file, a missing key is a row error);
    string values are read like TSV cell text, other JSON values are taken as typed values.
    """

    def __init__(self, input_spec: Spec | None, output_spec: Spec | None, *, max_depth: int) -> None:
        self._input_spec = input_spec
        self._output_spec = output_spec
        self._max_depth = max_depth
        self._builders: dict[tuple[str, ...], CellRowBuilder] = {}

    def build(self, item: dict[str, Any], line: int) -> tuple[dict[str, Any] | None, Kind, Errors]:
        """The task of one flat object; raises TaskFileError for an unknown key."""
        keys = tuple(item)
        builder = self._builders.get(keys)
        if builder is None:
            layout = parse_header(keys, self._input_spec, self._output_spec, line=line, require_inputs=False)
            builder = CellRowBuilder(layout, self._output_spec, mode="flat", max_depth=self._max_depth)
            if len(self._builders) < 64:
                self._builders[keys] = builder
        cells = list(item.values())
        task, kind, errors = builder.build(cells)
        present = {column.name for column in builder.layout.inputs}
        for name, spec in (self._input_spec or {}).items():
            if spec.get("required", True) and name not in present:
                errors.append(row_error(VALUE_REQUIRED, _REQUIRED_MESSAGE, f"INPUT:{name}"))
        return (None if errors else task), kind, errors
