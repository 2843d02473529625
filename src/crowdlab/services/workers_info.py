"""What a requester may know about a worker who has done its tasks (``/v1/user-metadata``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crowdlab.domain.errors import NotFound
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments, workers


def metadata(db: Database, requester_id: int, user_id: str) -> dict[str, Any]:
    """A worker's declared country, languages and device facts; only for workers of this requester."""
    number = parse_id(user_id)
    with db.read() as conn:
        worked = conn.execute(
            sa.select(assignments.c.id)
            .where(assignments.c.worker_id == number, assignments.c.requester_id == requester_id)
            .limit(1)
        ).first()
        row = conn.execute(sa.select(workers).where(workers.c.id == number)).first() if worked else None
    if row is None:
        raise NotFound(f"User {user_id} does not exist")
    profile = row.profile
    return {
        "id": format_id(row.id),
        "country": profile.get("country"),
        "languages": profile.get("languages", []),
        "adult_allowed": bool(profile.get("adult_allowed")),
        "attributes": {
            "client_type": "BROWSER",
            "device_category": profile.get("device_category"),
            "country_by_phone": None,
            "country_by_ip": None,
        },
    }
