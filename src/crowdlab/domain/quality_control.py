"""Quality-control rules as pure functions: answer checking, condition evaluation, action parameters.

A pool's ``quality_control.configs`` is a list of collectors, each with rules; a rule's conditions are
AND-ed over the collector's statistics for one worker and, when all hold, its action fires.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

_UNIT_SECONDS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    if (
        isinstance(a, int | float)
        and isinstance(b, int | float)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return float(a) == float(b)
    return bool(a == b)


def is_correct(output_values: Mapping[str, Any], known_solutions: list[Mapping[str, Any]] | None) -> bool:
    """Whether an answer matches one of the known solutions on every field that solution gives."""
    for solution in known_solutions or []:
        expected = solution.get("output_values") or {}
        if expected and all(_same(output_values.get(k), v) for k, v in expected.items()):
            return True
    return False


def condition_holds(condition: Mapping[str, Any], stats: Mapping[str, Any]) -> bool:
    """One rule condition (``{key, operator, value}``) against the collector statistics."""
    have = stats.get(condition["key"])
    want = condition.get("value")
    op = condition["operator"]
    if have is None:
        return False
    if op == "EQ":
        return bool(have == want)
    if op == "NE":
        return bool(have != want)
    try:
        return bool({"GT": have > want, "GTE": have >= want, "LT": have < want, "LTE": have <= want}[op])
    except TypeError:
        return False


def rule_fires(rule: Mapping[str, Any], stats: Mapping[str, Any]) -> bool:
    """All of a rule's conditions hold (a rule with no conditions never fires)."""
    conditions = rule.get("conditions") or []
    return bool(conditions) and all(condition_holds(c, stats) for c in conditions)


def restriction_end(action: Mapping[str, Any], now: datetime) -> datetime | None:
    """When a RESTRICTION / RESTRICTION_V2 action's ban ends; None for a permanent ban."""
    parameters = action.get("parameters") or {}
    if action.get("type") == "RESTRICTION":
        days = parameters.get("duration_days")
        return None if days is None else now + timedelta(days=days)
    unit = parameters.get("duration_unit", "PERMANENT")
    duration = parameters.get("duration")
    if unit == "PERMANENT" or duration is None:
        return None
    return now + timedelta(seconds=int(duration) * _UNIT_SECONDS[unit])


def percent(part: int, whole: int) -> float:
    """A rate in percent as Toloka's conditions compare it (0 when there is no data)."""
    return 100.0 * part / whole if whole else 0.0
