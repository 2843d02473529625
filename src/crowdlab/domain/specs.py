"""Input and output specifications of a project and the validation of values against them.

A project's ``task_spec`` declares ``input_spec`` and ``output_spec``: maps from a field name to a
FieldSpec such as ``{"type": "url", "required": true, "hidden": false}``. Task input values (from the
API or a task file) and worker solutions are checked here, before anything is written.

Errors use Toloka's field-level validation codes (``VALUE_REQUIRED``, ``INVALID_URL_SYNTAX``, ...) and
are keyed by a dotted path such as ``input_values.image`` so that API error payloads name the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCALAR_TYPES = ("boolean", "string", "integer", "float", "url", "file", "coordinates", "json")
FIELD_TYPES = SCALAR_TYPES + tuple(f"array_{t}" for t in SCALAR_TYPES)

_COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
_URL = re.compile(r"^(?:https?://|www\.)[^\s]+$", re.IGNORECASE)
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class FieldError:
    """One problem with one value: a Toloka validation code and a sentence a person understands."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _type_error(expected: str) -> FieldError:
    code = {
        "boolean": "BOOLEAN_EXPECTED",
        "string": "STRING_EXPECTED",
        "integer": "INTEGER_EXPECTED",
        "float": "FLOAT_EXPECTED",
        "array": "ARRAY_EXPECTED",
        "object": "OBJECT_EXPECTED",
    }[expected]
    return FieldError(code, f"Value must be of type {expected}")


def _check_range(value: float, spec: Mapping[str, Any]) -> FieldError | None:
    low, high = spec.get("min_value"), spec.get("max_value")
    if low is not None and value < low:
        return FieldError("VALUE_LESS_THAN_MIN", f"Value {value} is less than the minimum {low}")
    if high is not None and value > high:
        return FieldError("VALUE_GREATER_THAN_MAX", f"Value {value} is greater than the maximum {high}")
    return None


def _check_allowed(value: Any, spec: Mapping[str, Any]) -> FieldError | None:
    allowed = spec.get("allowed_values")
    if allowed is not None and value not in allowed:
        shown = ", ".join(repr(v) for v in allowed)
        return FieldError("VALUE_NOT_ALLOWED", f"Value {value!r} is not one of the allowed values: {shown}")
    return None


def check_scalar(kind: str, value: Any, spec: Mapping[str, Any]) -> FieldError | None:
    """Check one non-null value against a scalar field type; return the first problem or None."""
    if kind == "boolean":
        if not isinstance(value, bool):
            return _type_error("boolean")
        return _check_allowed(value, spec)
    if kind in ("string", "url", "file"):
        if not isinstance(value, str):
            return _type_error("string")
        if kind == "url" and not _URL.match(value):
            return FieldError(
                "INVALID_URL_SYNTAX", f"{value!r} is not a URL (must start with http://, https:// or www.)"
            )
        if kind == "string":
            low, high = spec.get("min_length"), spec.get("max_length")
            if low is not None and len(value) < low:
                return FieldError("STRING_LENGTH_LESS_THAN_MIN", f"Text is shorter than {low} characters")
            if high is not None and len(value) > high:
                return FieldError("STRING_LENGTH_GREATER_THAN_MAX", f"Text is longer than {high} characters")
            return _check_allowed(value, spec)
        return None
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return _type_error("integer")
        return _check_range(value, spec) or _check_allowed(value, spec)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return _type_error("float")
        return _check_range(float(value), spec)
    if kind == "coordinates":
        if not isinstance(value, str):
            return _type_error("string")
        match = _COORDINATES.match(value)
        if not match or abs(float(match[1])) > 90 or abs(float(match[2])) > 180:
            return FieldError(
                "INVALID_COORDINATES_SYNTAX", f"{value!r} is not 'latitude,longitude' (e.g. 53.91,27.53)"
            )
        return None
    if kind == "json":
        return None
    raise ValueError(f"unknown field type {kind!r}")


def check_value(spec: Mapping[str, Any], value: Any) -> FieldError | None:
    """Check a non-null value against a FieldSpec (scalar or array type)."""
    kind = spec.get("type", "json")
    if not isinstance(kind, str) or kind not in FIELD_TYPES:
        return None
    if not kind.startswith("array_"):
        return check_scalar(kind, value, spec)
    if not isinstance(value, list):
        return _type_error("array")
    low, high = spec.get("min_size"), spec.get("max_size")
    if low is not None and len(value) < low:
        return FieldError("ARRAY_SIZE_LESS_THAN_MIN", f"Array has fewer than {low} items")
    if high is not None and len(value) > high:
        return FieldError("ARRAY_SIZE_GREATER_THAN_MAX", f"Array has more than {high} items")
    item_kind = kind.removeprefix("array_")
    for position, item in enumerate(value):
        if item is None:
            return FieldError("VALUE_REQUIRED", f"Item {position} of the array is null")
        problem = check_scalar(item_kind, item, spec)
        if problem:
            return FieldError(problem.code, f"Item {position}: {problem.message}")
    return None


def validate_values(
    spec: Mapping[str, Mapping[str, Any]] | None,
    values: Any,
    prefix: str,
    *,
    allow_unknown: bool = False,
) -> dict[str, FieldError]:
    """Validate a values object (task input or solution output) against a field spec map.

    Returns a map from dotted field path (``prefix.field``) to the problem; empty when valid. Required
    fields must be present and non-null; fields not in the spec are refused unless ``allow_unknown``.
    """
    if not isinstance(values, dict):
        return {prefix: FieldError("OBJECT_EXPECTED", f"{prefix} must be an object")}
    errors: dict[str, FieldError] = {}
    spec = spec or {}
    for name, field in spec.items():
        path = f"{prefix}.{name}"
        value = values.get(name)
        if value is None:
            if field.get("required", True):
                errors[path] = FieldError("VALUE_REQUIRED", "Value must be present and not equal to null")
            continue
        problem = check_value(field, value)
        if problem:
            errors[path] = problem
    if not allow_unknown:
        for name in values:
            if name not in spec:
                errors[f"{prefix}.{name}"] = FieldError("VALUE_NOT_ALLOWED", f"Unknown field name {name!r}")
    return errors


def validate_spec(spec: Any, prefix: str) -> dict[str, FieldError]:
    """Validate the shape of an input_spec / output_spec map itself (names, types, bounds)."""
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        return {prefix: FieldError("OBJECT_EXPECTED", f"{prefix} must be an object of field specs")}
    errors: dict[str, FieldError] = {}
    for name, field in spec.items():
        path = f"{prefix}.{name}"
        if not _FIELD_NAME.match(name):
            errors[path] = FieldError(
                "PATTERN_MISMATCH", f"Field name {name!r} may contain only letters, digits, '_' and '-'"
            )
        elif not isinstance(field, dict):
            errors[path] = FieldError("OBJECT_EXPECTED", "A field spec must be an object")
        elif field.get("type") not in FIELD_TYPES:
            errors[f"{path}.type"] = FieldError(
                "UNKNOWN_ENUM_VALUE",
                f"Unknown field type {field.get('type')!r}; expected one of {', '.join(FIELD_TYPES)}",
            )
        elif field.get("allowed_values") is not None and not isinstance(field["allowed_values"], list):
            errors[f"{path}.allowed_values"] = FieldError("ARRAY_EXPECTED", "allowed_values must be an array")
    return errors


def output_labels(output_spec: Mapping[str, Mapping[str, Any]] | None, field: str) -> list[Any] | None:
    """The allowed values of an output field, if the spec lists them (used by simulators and QC)."""
    if not output_spec or field not in output_spec:
        return None
    allowed = output_spec[field].get("allowed_values")
    return list(allowed) if allowed else None
