"""The search contract every ``find_*`` endpoint shares: exact filters, ``*_lt/_lte/_gt/_gte`` ranges,
``sort`` (comma list, ``-`` for descending), ``limit`` and an honest ``has_more``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import parse_dt
from crowdlab.domain.errors import field_error
from crowdlab.domain.ids import integer_bound, parse_id

_RANGE_OPS = ("lt", "lte", "gt", "gte")


@dataclass
class SearchSpec:
    """What a search endpoint accepts.

    ``exact``: query parameter -> (column, converter). ``id_ranges``/``time_ranges``: name -> column, for
    ``<name>_lt`` etc. ``sort``: key -> column. The first sort key in ``sort`` is also the default.
    """

    exact: Mapping[str, tuple[Any, Callable[[str], Any]]] = field(default_factory=dict)
    id_ranges: Mapping[str, Any] = field(default_factory=dict)
    time_ranges: Mapping[str, Any] = field(default_factory=dict)
    int_ranges: Mapping[str, Any] = field(default_factory=dict)
    sort: Mapping[str, Any] = field(default_factory=dict)
    default_limit: int = 50
    max_limit: int = 100_000


def id_param(name: str) -> Callable[[str], int]:
    """A converter for an exact id filter; an id we never issued matches nothing (-1)."""

    def convert(text: str) -> int:
        number = parse_id(text)
        return -1 if number is None else number

    convert.__name__ = f"id_param_{name}"
    return convert


def int_param(name: str) -> Callable[[str], int]:
    """A converter for an exact integer filter; text that is not an integer is refused by name."""

    def convert(text: str) -> int:
        return _int(name, text)

    return convert


def enum_list(name: str, allowed: tuple[str, ...]) -> Callable[[str], list[str]]:
    """A converter for a comma-separated list of enum values, refusing unknown ones by name."""

    def convert(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        for v in values:
            if v not in allowed:
                raise field_error(name, "UNKNOWN_ENUM_VALUE", f"{v!r} is not one of {', '.join(allowed)}")
        return values

    return convert


def _int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise field_error(name, "INTEGER_EXPECTED", f"{name} must be an integer, not {text!r}") from None


def apply(query: sa.Select, spec: SearchSpec, params: Mapping[str, str]) -> tuple[sa.Select, int]:
    """Add the filters, order and limit+1 from the query parameters; returns (query, limit)."""
    for name, (column, convert) in spec.exact.items():
        if name in params and params[name] != "":
            value = convert(params[name])
            query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    for name, column in spec.id_ranges.items():
        for op in _RANGE_OPS:
            key = f"{name}_{op}"
            if key in params:
                int_op, number = integer_bound(op, params[key])
                query = query.where(column <= number if int_op == "le" else column > number)
    for name, column in spec.time_ranges.items():
        for op in _RANGE_OPS:
            key = f"{name}_{op}"
            if key in params:
                try:
                    moment = parse_dt(params[key])
                except ValueError as exc:
                    raise field_error(key, "INVALID_DATE_TIME_SYNTAX", str(exc)) from None
                query = query.where(_cmp(column, op, moment))
    for name, column in spec.int_ranges.items():
        for op in _RANGE_OPS:
            key = f"{name}_{op}"
            if key in params:
                query = query.where(_cmp(column, op, _int(key, params[key])))
    order = []
    for raw in (params.get("sort") or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        descending = raw.startswith("-")
        key = raw.lstrip("-+")
        if key not in spec.sort:
            raise field_error(
                "sort", "VALUE_NOT_ALLOWED", f"Cannot sort by {key!r}; use one of {', '.join(spec.sort)}"
            )
        column = spec.sort[key]
        order.append(column.desc() if descending else column.asc())
    id_column = next(iter(spec.sort.values()))
    order.append(id_column.asc())  # a stable tie-breaker
    limit = spec.default_limit
    if params.get("limit"):
        limit = _int("limit", params["limit"])
        if not 1 <= limit <= spec.max_limit:
            raise field_error("limit", "VALUE_OUT_OF_BOUNDS", f"limit must be between 1 and {spec.max_limit}")
    return query.order_by(*order).limit(limit + 1), limit


def _cmp(column: Any, op: str, value: Any) -> Any:
    return {"lt": column < value, "lte": column <= value, "gt": column > value, "gte": column >= value}[op]


def run(
    conn: Connection,
    query: sa.Select,
    spec: SearchSpec,
    params: Mapping[str, str],
    view: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """Execute a search and wrap it in the ``{items, has_more}`` envelope."""
    query, limit = apply(query, spec, params)
    rows = conn.execute(query).all()
    return {"items": [view(row) for row in rows[:limit]], "has_more": len(rows) > limit}
