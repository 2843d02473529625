"""Time on the wire: naive UTC ISO-8601, milliseconds, no zone suffix (what toloka-kit parses everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def format_dt(value: datetime | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS.mmm`` for a naive-UTC datetime; None stays None."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def parse_dt(text: str) -> datetime:
    """Parse an ISO-8601 date-time as sent by clients; aware values are converted to naive UTC.

    Raises ValueError with the offending text when it is not a date-time.
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 date-time (e.g. 2030-01-02T03:04:05)") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
