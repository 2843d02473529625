"""Domain events for webhooks: recorded in the outbox inside the transaction that caused them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.ids import format_id
from crowdlab.storage.tables import webhook_deliveries, webhook_subscriptions

EVENT_TYPES = (
    "POOL_CLOSED",
    "DYNAMIC_OVERLAP_COMPLETED",
    "ASSIGNMENT_CREATED",
    "ASSIGNMENT_SUBMITTED",
    "ASSIGNMENT_SKIPPED",
    "ASSIGNMENT_EXPIRED",
    "ASSIGNMENT_APPROVED",
    "ASSIGNMENT_REJECTED",
)


def emit(conn: Connection, pool_id: int, event_type: str, **fields: Any) -> int:
    """Queue one event for every subscription of the pool to this event type; returns how many."""
    subscriptions = (
        conn.execute(
            sa.select(webhook_subscriptions.c.id).where(
                webhook_subscriptions.c.pool_id == pool_id, webhook_subscriptions.c.event_type == event_type
            )
        )
        .scalars()
        .all()
    )
    if not subscriptions:
        return 0
    now = utcnow()
    payload = {
        "event_type": event_type,
        "event_time": format_dt(now),
        "pool_id": format_id(pool_id),
        **{k: (format_id(v) if k.endswith("_id") and isinstance(v, int) else v) for k, v in fields.items()},
    }
    conn.execute(
        webhook_deliveries.insert(),
        [
            {
                "subscription_id": sid,
                "event_type": event_type,
                "payload": {**payload, "subscription_id": format_id(sid)},
                "status": "PENDING",
                "next_attempt": now,
                "created": now,
            }
            for sid in subscriptions
        ],
    )
    return len(subscriptions)
