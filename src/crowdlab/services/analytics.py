"""Pool analytics (``POST /api/staging/analytics-2``), computed at once and returned as an operation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import ValidationFailed
from crowdlab.domain.money import as_json_number
from crowdlab.domain.specs import FieldError
from crowdlab.services import operations, pools
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments, ledger, tasks

NAMES = (
    "real_tasks_count",
    "submitted_assignments_count",
    "skipped_assignments_count",
    "rejected_assignments_count",
    "approved_assignments_count",
    "completion_percentage",
    "avg_submit_assignment_millis",
    "spent_budget",
    "unique_workers_count",
    "unique_submitters_count",
    "active_workers_by_filter_count",
    "estimated_assignments_count",
)
_WRAPPED = ("completion_percentage", "estimated_assignments_count")


def _count(conn: Connection, pool_id: int, status: str) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(assignments)
            .where(assignments.c.pool_id == pool_id, assignments.c.status == status)
        ).scalar_one()
    )


def completion_percentage(conn: Connection, pool_id: int) -> int:
    """Share of the pool's finite task overlap already answered, 0-100."""
    needed, done = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(tasks.c.overlap), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((tasks.c.done_count < tasks.c.overlap, tasks.c.done_count), else_=tasks.c.overlap)
                ),
                0,
            ),
        ).where(tasks.c.pool_id == pool_id, tasks.c.kind == "general", tasks.c.infinite_overlap.is_(False))
    ).one()
    return int(100 * done / needed) if needed else 0


def metric(conn: Connection, pool: Any, name: str, request: dict[str, Any]) -> Any:
    """The value of one analytics metric for one pool."""
    pid = pool.id
    if name == "real_tasks_count":
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(tasks)
            .where(tasks.c.pool_id == pid, tasks.c.kind == "general")
        ).scalar_one()
    if name == "submitted_assignments_count":
        return _count(conn, pid, "SUBMITTED") + _count(conn, pid, "ACCEPTED") + _count(conn, pid, "REJECTED")
    if name == "skipped_assignments_count":
        return _count(conn, pid, "SKIPPED")
    if name == "rejected_assignments_count":
        return _count(conn, pid, "REJECTED")
    if name == "approved_assignments_count":
        return _count(conn, pid, "ACCEPTED")
    if name == "completion_percentage":
        return completion_percentage(conn, pid)
    if name == "avg_submit_assignment_millis":
        rows = conn.execute(
            sa.select(assignments.c.created, assignments.c.submitted).where(
                assignments.c.pool_id == pid, assignments.c.submitted.is_not(None)
            )
        ).all()
        return (
            int(sum((r.submitted - r.created).total_seconds() * 1000 for r in rows) / len(rows))
            if rows
            else 0
        )
    if name == "spent_budget":
        spent = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ledger.c.amount_micro), 0))
            .join(assignments, assignments.c.id == ledger.c.assignment_id)
            .where(
                assignments.c.pool_id == pid, ledger.c.account_type == "requester", ledger.c.kind == "CHARGE"
            )
        ).scalar_one()
        return as_json_number(-int(spent))
    if name in ("unique_workers_count", "unique_submitters_count", "active_workers_by_filter_count"):
        query = sa.select(sa.func.count(sa.distinct(assignments.c.worker_id))).where(
            assignments.c.pool_id == pid
        )
        if name == "unique_submitters_count":
            query = query.where(assignments.c.submitted.is_not(None))
        if name == "active_workers_by_filter_count":
            hours = request.get("interval_hours") or 1
            query = query.where(assignments.c.created >= utcnow() - timedelta(hours=hours))
        return conn.execute(query).scalar_one()
    if name == "estimated_assignments_count":
        mixer = pool.doc.get("mixer_config") or {}
        per_suite = mixer.get("real_tasks_count") or 1
        remaining = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(tasks.c.overlap - tasks.c.done_count), 0)).where(
                tasks.c.pool_id == pid, tasks.c.kind == "general", tasks.c.infinite_overlap.is_(False)
            )
        ).scalar_one()
        return -(-int(remaining) // per_suite)
    raise AssertionError(name)


def run(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """Compute a list of analytics requests and store them as a finished ANALYTICS operation."""
    if not isinstance(body, list) or not body:
        raise ValidationFailed(
            {"": FieldError("ARRAY_EXPECTED", "Send a non-empty list of analytics requests")}
        )
    if len(body) > 10:
        raise ValidationFailed(
            {"": FieldError("ARRAY_SIZE_GREATER_THAN_MAX", "At most 10 analytics requests per call")}
        )
    errors: dict[str, FieldError] = {}
    for i, request in enumerate(body):
        if not isinstance(request, dict):
            errors[str(i)] = FieldError("OBJECT_EXPECTED", "Each analytics request must be an object")
        elif request.get("subject") != "POOL":
            errors[f"{i}.subject"] = FieldError("VALUE_NOT_ALLOWED", "Only subject POOL is supported")
        elif request.get("name") not in NAMES:
            errors[f"{i}.name"] = FieldError("UNKNOWN_ENUM_VALUE", f"name must be one of {', '.join(NAMES)}")
    if errors:
        raise ValidationFailed(errors)
    with db.write() as conn:
        values = []
        for request in body:
            pool = pools.load(conn, requester_id, str(request.get("subject_id")))
            value = metric(conn, pool, request["name"], request)
            result = (
                {"type": "NORMAL", "value": value, "infinite": False, "approximate": False}
                if request["name"] in _WRAPPED
                else value
            )
            values.append({"request": request, "result": result, "finished": format_dt(utcnow())})
        return operations.record(conn, requester_id, "ANALYTICS", {"value": body}, details={"value": values})
