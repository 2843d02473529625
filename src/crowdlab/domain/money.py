"""Money: stored as integer micro-dollars so that sums are exact; shown as decimal numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

MICRO = 1_000_000


def to_micro(value: Any) -> int:
    """Convert a JSON number / numeric string of dollars into micro-dollars (raises ValueError)."""
    if isinstance(value, bool):
        raise ValueError("money must be a number, not a boolean")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of money") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return int((amount * MICRO).to_integral_value(rounding=ROUND_HALF_UP))


def from_micro(micro: int) -> Decimal:
    """Micro-dollars as a Decimal number of dollars."""
    return (Decimal(micro) / MICRO).normalize() if micro else Decimal(0)


def as_json_number(micro: int) -> float | int:
    """Micro-dollars as the plain JSON number clients expect (0.005, 12, 99.985)."""
    value = from_micro(micro)
    return int(value) if value == value.to_integral_value() else float(value)


def fee_for(reward_micro: int, fee_rate: Decimal) -> int:
    """The platform fee charged on top of a reward, rounded to the micro-dollar."""
    return int((Decimal(reward_micro) * fee_rate).to_integral_value(rounding=ROUND_HALF_UP))
