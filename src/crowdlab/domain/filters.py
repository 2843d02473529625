"""Pool filters: the tree of conditions toloka-kit sends, validated and evaluated against a worker.

Grammar: ``{"and": [...]}`` | ``{"or": [...]}`` | ``{"category", "key", "operator", "value"}``.
Categories: ``profile`` and ``computed`` (compare the worker's attributes) and ``skill`` (key is a
skill id; ``EQ null`` means "has no such skill").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crowdlab.domain.specs import FieldError

COMPARE = ("EQ", "NE", "GT", "GTE", "LT", "LTE")
INCLUSION = ("IN", "NOT_IN")
CATEGORIES = ("profile", "computed", "skill")
MAX_DEPTH = 10


def validate_filter(tree: Any, path: str = "filter", depth: int = 0) -> dict[str, FieldError]:
    """Problems with a filter tree, keyed by path (``filter.and.0.or.1.operator``)."""
    if tree is None:
        return {}
    if depth > MAX_DEPTH:
        return {path: FieldError("INVALID_VALUE", f"Filter is nested deeper than {MAX_DEPTH} levels")}
    if not isinstance(tree, dict):
        return {path: FieldError("OBJECT_EXPECTED", "A filter must be an object")}
    for junction in ("and", "or"):
        if junction in tree:
            children = tree[junction]
            if not isinstance(children, list):
                return {f"{path}.{junction}": FieldError("ARRAY_EXPECTED", f"'{junction}' must hold a list")}
            errors: dict[str, FieldError] = {}
            for i, child in enumerate(children):
                errors.update(validate_filter(child, f"{path}.{junction}.{i}", depth + 1))
            return errors
    category, operator = tree.get("category"), tree.get("operator")
    if category not in CATEGORIES:
        return {f"{path}.category": FieldError("UNKNOWN_ENUM_VALUE", f"Unknown filter category {category!r}")}
    if not isinstance(tree.get("key"), str | int):
        return {f"{path}.key": FieldError("VALUE_REQUIRED", "A filter condition needs a key")}
    if operator not in COMPARE + INCLUSION:
        return {f"{path}.operator": FieldError("UNKNOWN_ENUM_VALUE", f"Unknown operator {operator!r}")}
    if "value" not in tree:
        return {f"{path}.value": FieldError("VALUE_REQUIRED", "A filter condition needs a value")}
    return {}


def _compare(operator: str, have: Any, want: Any) -> bool:
    if operator == "EQ":
        return bool(have == want)
    if operator == "NE":
        return bool(have != want)
    if have is None or want is None:
        return False
    try:
        if operator == "GT":
            return bool(have > want)
        if operator == "GTE":
            return bool(have >= want)
        if operator == "LT":
            return bool(have < want)
        if operator == "LTE":
            return bool(have <= want)
    except TypeError:
        return False
    return False


def matches(tree: Any, attributes: Mapping[str, Any], skills: Mapping[str, float]) -> bool:
    """Whether a worker (profile/computed attributes and skill values by skill id) passes the filter."""
    if not tree:
        return True
    if "and" in tree:
        return all(matches(child, attributes, skills) for child in tree["and"])
    if "or" in tree:
        children = tree["or"]
        return not children or any(matches(child, attributes, skills) for child in children)
    key, operator, want = str(tree["key"]), tree["operator"], tree.get("value")
    if tree["category"] == "skill":
        return _compare(operator, skills.get(key), want)
    have = attributes.get(key)
    if operator in INCLUSION:
        wanted = want if isinstance(want, list) else [want]
        values = have if isinstance(have, list) else [have]
        hit = any(v in wanted for v in values if v is not None)
        return hit if operator == "IN" else not hit
    if isinstance(have, list):  # e.g. languages EQ "EN"
        hit = want in have
        return hit if operator == "EQ" else (not hit if operator == "NE" else False)
    return _compare(operator, have, want)
