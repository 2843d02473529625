"""Object identifiers on the wire.

Rows have integer keys; the API shows them as fixed-width decimal strings so that the string order
toloka-kit relies on (``min``/``max`` of created ids, ``id_gt`` paging, ``sort=id``) is the creation
order. Query bounds are arbitrary strings, so they are mapped onto integer bounds that give exactly
the result a string comparison would.
"""

from __future__ import annotations

WIDTH = 12
_MAX = 10**WIDTH - 1


def format_id(number: int) -> str:
    """The wire form of an integer key: zero-padded to a fixed width."""
    return f"{number:0{WIDTH}d}"


def parse_id(text: str | None) -> int | None:
    """The integer key of a wire id, or None when the text is not one of our ids."""
    if text is None or len(text) != WIDTH or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _largest_at_most(bound: str) -> int:
    """Largest n whose wire id sorts <= bound as a string, or -1 when there is none."""
    head = bound[:WIDTH]
    if len(head) == WIDTH and head.isascii() and head.isdigit():
        return int(head)
    digits = list(bound[:WIDTH])
    # First position where the bound stops being a run of ASCII digits (or ends).
    stop = next((i for i, ch in enumerate(digits) if not ("0" <= ch <= "9")), len(digits))
    if stop < len(digits) and digits[stop] > "9":
        return int("".join(digits[:stop]) + "9" * (WIDTH - stop))
    # Every id sharing the prefix bound[:stop] is greater than the bound: lower an earlier digit.
    for i in range(stop - 1, -1, -1):
        if digits[i] > "0":
            return int("".join(digits[:i]) + chr(ord(digits[i]) - 1) + "9" * (WIDTH - i - 1))
    return -1


def integer_bound(op: str, bound: str) -> tuple[str, int]:
    """Translate ``id <op> bound`` (string semantics, op in lt/lte/gt/gte) into an integer comparison.

    Returns ``(op, number)`` to apply to the integer key, with op in ``le``/``gt``.
    """
    at_most = _largest_at_most(bound)
    below = at_most - 1 if 0 <= at_most <= _MAX and format_id(at_most) == bound else at_most
    if op == "lte":
        return "le", at_most
    if op == "lt":
        return "le", below
    if op == "gt":
        return "gt", at_most
    if op == "gte":
        return "gt", below
    raise ValueError(f"unknown comparison {op!r}")
