"""One value <-> one cell: converting the text of a TSV/XLSX cell to a typed value of a FieldSpec, and back.

Text rules (the Toloka task-file guide, "Data types"):

* ``string`` / ``file``: the text as is; ``url`` and ``coordinates``: the text without surrounding blanks
  (the format itself is checked by :func:`crowdlab.domain.specs.check_value`).
* ``integer``: ``-12``; ``float``: ``1``, ``2.3``, ``1e-5`` (the decimal separator is ``.``);
  ``boolean``: ``true`` / ``false`` (any case).
* ``json``: a JSON text. Because the guide asks for commas inside JSON to be written ``\\,`` in training
  task files, a ``\\,`` (never valid JSON) is read as a comma.
* arrays: comma-separated items, ``\\,`` is a comma inside an item and ``\\\\`` a backslash; an item may be
  enclosed in double quotes (``"22.33,32.3"``, with ``""`` for a quote), which is how the guide writes
  coordinates and strings holding commas. An ``array_json`` cell splits only at commas outside JSON
  brackets and strings, so both ``{"a":1,"b":2},{"a":3}`` and the escaped training form read. A cell
  that is itself a JSON array (``["a", "b"]``, what our exporters write) is taken as that array.

Writing (:func:`format_text`) produces text that :func:`parse_text` reads back to an equal value.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from crowdlab.files.errors import (
    BOOLEAN_EXPECTED,
    FLOAT_EXPECTED,
    INTEGER_EXPECTED,
    INVALID_ARRAY_SYNTAX,
    INVALID_JSON,
    JSON_TOO_DEEP,
)

_INTEGER = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BACKSLASH_PAIR = re.compile(r"\\(.)", re.DOTALL)
_ARRAY_ITEM_SPECIAL = re.compile(r'[\\,"]')
_JSON_ARRAY_SPECIAL = re.compile(r'[\\,"\[\]{}]')
_JSON_STRING_SPECIAL = re.compile(r'[\\"]')
_MAX_EXACT_XLSX_INT = 2**53
_MAX_INTEGER_DIGITS = 4000  # below Python's int/str conversion limit (4300 digits)


class CellError(Exception):
    """A cell whose text cannot become a value of the field's type."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def field_kind(spec: Mapping[str, Any] | None) -> str:
    """The FieldSpec type (``json`` when missing or unknown, as the domain layer treats it)."""
    kind = (spec or {}).get("type", "json")
    return kind if isinstance(kind, str) else "json"


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests objects/arrays deeper than ``limit`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def _unescape_commas(text: str) -> str:
    # Pairs are consumed left to right, so the "\\," of an escaped backslash stays untouched.
    return _BACKSLASH_PAIR.sub(lambda m: "," if m.group(1) == "," else m.group(0), text)


def parse_json_text(text: str, max_depth: int) -> Any:
    """A JSON value from cell text (``\\,`` read as ``,``); CellError when it is not JSON or too deep."""
    if "\\," in text:
        text = _unescape_commas(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CellError(INVALID_JSON, f"Not valid JSON: {exc.msg} at character {exc.pos + 1}") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise CellError(INVALID_JSON, f"Not valid JSON: {exc}") from None
    except RecursionError:
        raise CellError(JSON_TOO_DEEP, f"JSON nested deeper than {max_depth} levels") from None
    if json_depth_exceeds(value, max_depth):
        raise CellError(JSON_TOO_DEEP, f"JSON nested deeper than {max_depth} levels")
    return value


def _text(text: str, max_depth: int) -> str:
    return text


def _stripped(text: str, max_depth: int) -> str:
    return text.strip()


def _integer(text: str, max_depth: int) -> int:
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped) or len(stripped) > _MAX_INTEGER_DIGITS:
        raise CellError(INTEGER_EXPECTED, f"{text[:40]!r} is not an integer")
    return int(stripped)


def _float(text: str, max_depth: int) -> float:
    stripped = text.strip()
    if not _FLOAT.fullmatch(stripped):
        hint = " (use '.' as the decimal separator)" if "," in stripped else ""
        raise CellError(FLOAT_EXPECTED, f"{text[:40]!r} is not a number{hint}")
    number = float(stripped)
    if not math.isfinite(number):
        raise CellError(FLOAT_EXPECTED, f"{text[:40]!r} is out of the range of numbers")
    return number


def _boolean(text: str, max_depth: int) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise CellError(BOOLEAN_EXPECTED, f"{text[:40]!r} is not a boolean (write true or false)")


_SCALAR_PARSERS: dict[str, Callable[[str, int], Any]] = {
    "string": _text,
    "file": _text,
    "url": _stripped,
    "coordinates": _stripped,
    "integer": _integer,
    "float": _float,
    "boolean": _boolean,
    "json": parse_json_text,
}


def _scalar(kind: str, text: str, max_depth: int) -> Any:
    return _SCALAR_PARSERS.get(kind, parse_json_text)(text, max_depth)


def _split_items(text: str) -> list[str]:
    """Split an array cell at commas: ``\\,`` and ``\\\\`` escapes, items may be in double quotes."""
    if "\\" not in text and '"' not in text:
        return text.split(",")
    items: list[str] = []
    parts: list[str] = []
    pos = 0
    at_item_start = True
    length = len(text)
    while True:
        if at_item_start and text.startswith('"', pos):
            close = pos + 1
            chunk: list[str] = []
            while True:
                index = text.find('"', close)
                if index < 0:
                    raise CellError(
                        INVALID_ARRAY_SYNTAX, "An array item has an opening quote but no closing one"
                    )
                chunk.append(text[close:index])
                if text.startswith('"', index + 1):
                    chunk.append('"')
                    close = index + 2
                    continue
                break
            parts.append("".join(chunk))
            pos = index + 1
            if pos < length and text[pos] != ",":
                raise CellError(
                    INVALID_ARRAY_SYNTAX,
                    f"Unexpected {text[pos]!r} after a quoted array item; expected a comma",
                )
            at_item_start = False
            continue
        at_item_start = False
        match = _ARRAY_ITEM_SPECIAL.search(text, pos)
        if match is None:
            parts.append(text[pos:])
            items.append("".join(parts))
            return items
        parts.append(text[pos : match.start()])
        char = match.group()
        if char == "\\":
            following = text[match.end() : match.end() + 1]
            if following in (",", "\\"):
                parts.append(following)
                pos = match.end() + 1
            else:
                parts.append("\\")
                pos = match.end()
        elif char == ",":
            items.append("".join(parts))
            parts = []
            pos = match.end()
            at_item_start = True
        else:  # a quote inside an unquoted item is a literal quote
            parts.append('"')
            pos = match.end()


def _split_json_items(text: str) -> list[str]:
    """Split an ``array_json`` cell at commas outside JSON brackets and strings (``\\,`` never splits)."""
    items: list[str] = []
    parts: list[str] = []
    depth = 0
    pos = 0
    while True:
        match = _JSON_ARRAY_SPECIAL.search(text, pos)
        if match is None:
            parts.append(text[pos:])
            items.append("".join(parts))
            return items
        parts.append(text[pos : match.start()])
        char = match.group()
        pos = match.end()
        if char == "\\":
            following = text[pos : pos + 1]
            if following in (",", "\\"):
                parts.append(following)
                pos += 1
            else:
                parts.append("\\")
        elif char == ",":
            if depth == 0:
                items.append("".join(parts))
                parts = []
            else:
                parts.append(",")
        elif char == '"':
            parts.append('"')
            while True:  # copy a JSON string through, honouring its own escapes
                inner = _JSON_STRING_SPECIAL.search(text, pos)
                if inner is None:
                    parts.append(text[pos:])
                    pos = len(text)
                    break
                parts.append(text[pos : inner.start()])
                pos = inner.end()
                if inner.group() == '"':
                    parts.append('"')
                    break
                following = text[pos : pos + 1]
                if following in (",", "\\"):
                    parts.append(following)
                else:  # a JSON escape such as \" or \n stays as it is
                    parts.append("\\" + following)
                pos += 1
        else:
            depth += 1 if char in "[{" else -1
            parts.append(char)


def _array(kind: str, text: str, max_depth: int) -> list[Any]:
    item_kind = kind.removeprefix("array_")
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            value = parse_json_text(stripped, max_depth)
        except CellError as exc:
            if exc.code == JSON_TOO_DEEP:
                raise
        else:
            if isinstance(value, list):
                return value
    if item_kind == "json":
        values = []
        for position, item in enumerate(_split_json_items(text)):
            try:
                values.append(parse_json_text(item, max_depth - 1))
            except CellError as exc:
                raise CellError(exc.code, f"Item {position}: {exc.message}") from None
        return values
    values = []
    for position, item in enumerate(_split_items(text)):
        try:
            values.append(_scalar(item_kind, item, max_depth))
        except CellError as exc:
            raise CellError(exc.code, f"Item {position}: {exc.message}") from None
    return values


def parse_text(kind: str, text: str, max_depth: int = 64) -> Any:
    """The typed value of a non-empty cell text for a field of type ``kind``; CellError otherwise."""
    if kind.startswith("array_"):
        return _array(kind, text, max_depth)
    return _scalar(kind, text, max_depth)


def text_parser(kind: str, max_depth: int = 64) -> Callable[[str], Any]:
    """:func:`parse_text` specialised to one field type (what a reader uses per column)."""
    if kind.startswith("array_"):
        return lambda text: _array(kind, text, max_depth)
    parser = _SCALAR_PARSERS.get(kind, parse_json_text)
    return lambda text: parser(text, max_depth)


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def parse_spreadsheet_value(kind: str, value: Any, max_depth: int = 64) -> Any:
    """The typed value of a non-empty XLSX cell (as python-calamine returns it) for a field of type ``kind``.

    Strings go through :func:`parse_text`; numbers and booleans are used directly where the type fits
    (``3.0`` in an integer field is 3) and otherwise read as their text.
    """
    if isinstance(value, str):
        return parse_text(kind, value, max_depth)
    if isinstance(value, bool):
        if kind in ("boolean", "json"):
            return value
        if kind in ("integer", "float"):
            expected = "an integer" if kind == "integer" else "a number"
            code = INTEGER_EXPECTED if kind == "integer" else FLOAT_EXPECTED
            raise CellError(code, f"{value} is not {expected}")
        return parse_text(kind, "true" if value else "false", max_depth)
    if isinstance(value, int | float):
        number = float(value)
        if kind == "integer":
            if not number.is_integer():
                raise CellError(INTEGER_EXPECTED, f"{value!r} is not an integer")
            return int(number)
        if kind == "float":
            return number
        if kind == "json":
            return int(number) if number.is_integer() else number
        return parse_text(kind, _number_text(number), max_depth)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return parse_text(kind, value.isoformat(), max_depth)
    if isinstance(value, dt.timedelta):
        return parse_text(kind, str(value), max_depth)
    return parse_text(kind, str(value), max_depth)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def format_text(kind: str, value: Any) -> str:
    """The cell text of a typed value (arrays and JSON as JSON text); read back equal by parse_text."""
    if kind.startswith("array_") or kind == "json":
        return _dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return _dumps(value)


def text_formatter(kind: str) -> Callable[[Any], str]:
    """:func:`format_text` specialised to one field type (what a writer uses per column)."""
    if kind.startswith("array_") or kind == "json":
        return _dumps
    if kind in ("string", "url", "file", "coordinates"):
        return lambda value: value if type(value) is str else format_text(kind, value)
    if kind == "integer":
        return lambda value: str(value) if type(value) is int else format_text(kind, value)
    return lambda value: format_text(kind, value)


def spreadsheet_value(kind: str, value: Any) -> str | int | float | bool:
    """The XLSX cell value of a typed value: numbers and booleans native, everything else text.

    Integers beyond 2**53 and floats that need 17 significant digits are written as text: a
    spreadsheet number would lose digits.
    """
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) <= _MAX_EXACT_XLSX_INT else str(value)
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) and abs(value) > _MAX_EXACT_XLSX_INT:
            return str(value)
        # openpyxl writes "%.16g"; a float that needs 17 digits goes as text to keep every digit.
        if isinstance(value, float) and float(f"{value:.16g}") != value:
            return repr(value)
        return value
    return format_text(kind, value)
