"""What the worker web app shows beyond the worker API: earnings with project titles, bonuses and
appeals, and the suites a worker holds right now. Read-only; nothing here reveals solutions or hints."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.ids import format_id
from crowdlab.domain.money import as_json_number, to_micro
from crowdlab.services import bonuses
from crowdlab.services.accounts import Worker
from crowdlab.storage.db import Database
from crowdlab.storage.tables import (
    assignment_tasks,
    assignments,
    pools,
    projects,
    requesters,
    workers,
)
from crowdlab.storage.tables_messages import appeals

_DATES = ("created", "submitted", "accepted", "rejected", "skipped", "expired")


def earnings(db: Database, worker: Worker, limit: int = 200) -> dict[str, Any]:
    """The worker's balance, money waiting for review, bonuses, and recent assignments with the
    project title and requester name of each (newest first)."""
    tasks_count = (
        sa.select(sa.func.count())
        .select_from(assignment_tasks)
        .where(assignment_tasks.c.assignment_id == assignments.c.id)
        .scalar_subquery()
    )
    with db.read() as conn:
        balance = conn.execute(
            sa.select(workers.c.earned_micro).where(workers.c.id == worker.id)
        ).scalar_one()
        pending = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(assignments.c.reward_micro), 0)).where(
                assignments.c.worker_id == worker.id, assignments.c.status == "SUBMITTED"
            )
        ).scalar_one()
        rows = conn.execute(
            sa.select(
                assignments,
                projects.c.doc.label("project_doc"),
                requesters.c.name.label("requester_name"),
                tasks_count.label("tasks_count"),
                appeals.c.status.label("appeal_status"),
                appeals.c.outcome.label("appeal_outcome"),
                appeals.c.comment.label("appeal_comment"),
            )
            .join(pools, pools.c.id == assignments.c.pool_id)
            .join(projects, projects.c.id == pools.c.project_id)
            .join(requesters, requesters.c.id == assignments.c.requester_id)
            .outerjoin(appeals, appeals.c.assignment_id == assignments.c.id)
            .where(assignments.c.worker_id == worker.id)
            .order_by(assignments.c.id.desc())
            .limit(limit)
        ).all()
        bonus_items = bonuses.for_worker(conn, worker.id)
    items = []
    for r in rows:
        item: dict[str, Any] = {
            "id": format_id(r.id),
            "pool_id": format_id(r.pool_id),
            "title": (r.project_doc or {}).get("public_name") or "Untitled project",
            "requester": r.requester_name,
            "status": r.status,
            "reward": as_json_number(r.reward_micro),
            "tasks_count": int(r.tasks_count or 0),
            "public_comment": r.public_comment,
            "appeal": None
            if r.appeal_status is None
            else {"status": r.appeal_status, "outcome": r.appeal_outcome, "comment": r.appeal_comment},
        }
        for key in _DATES:
            item[key] = format_dt(getattr(r, key))
        items.append(item)
    languages = list(worker.profile.get("languages") or [])
    bonus_list = [
        {
            "amount": b.get("amount", 0),
            "title": _localized(b.get("public_title"), languages) or "Bonus",
            "message": _localized(b.get("public_message"), languages),
            "created": b.get("created"),
            "assignment_id": b.get("assignment_id"),
        }
        for b in bonus_items
    ]
    return {
        "balance": as_json_number(balance),
        "pending": as_json_number(int(pending)),
        "bonus_total": as_json_number(sum(to_micro(b["amount"]) for b in bonus_list)),
        "assignments": items,
        "bonuses": bonus_list,
    }


def _localized(value: Any, languages: list[str]) -> str:
    """A public text that is either plain or ``{"EN": ..., "FR": ...}``, in the worker's language."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        for language in [*languages, "EN"]:
            if isinstance(value.get(language), str):
                return str(value[language])
        first = next(iter(value.values()))
        return first if isinstance(first, str) else ""
    return ""


def active_suites(db: Database, worker: Worker) -> dict[str, str]:
    """Pool id -> id of the unexpired ACTIVE assignment the worker holds there."""
    with db.read() as conn:
        rows = conn.execute(
            sa.select(assignments.c.pool_id, assignments.c.id).where(
                assignments.c.worker_id == worker.id,
                assignments.c.status == "ACTIVE",
                assignments.c.expires > utcnow(),
            )
        ).all()
    return {format_id(r.pool_id): format_id(r.id) for r in rows}
