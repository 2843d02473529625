"""Assignments as the requester sees them: read, search, accept, reject."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt
from crowdlab.domain.errors import NotFound, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.money import as_json_number
from crowdlab.services import issuing, search, training
from crowdlab.storage.db import Database, retry_transient
from crowdlab.storage.tables import assignment_tasks, assignments, tasks

STATUSES = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED")
_TIMES = ("submitted", "accepted", "rejected", "skipped", "expired")


def _task_view(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": format_id(row.id),
        "pool_id": format_id(row.pool_id),
        "input_values": row.input_values,
    }
    if row.infinite_overlap:
        out["infinite_overlap"] = True
    elif row.overlap is not None:
        out.update(overlap=row.overlap, infinite_overlap=False)
    if row.known_solutions:
        out["known_solutions"] = row.known_solutions
    if row.hint:
        out["message_on_unknown_solution"] = row.hint
    return out


def views(conn: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    """Assignment objects on the wire, with their tasks (one query for all rows)."""
    by_assignment: dict[int, list[Any]] = {r.id: [] for r in rows}
    if rows:
        for link in conn.execute(
            sa.select(assignment_tasks.c.assignment_id, *tasks.c)
            .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
            .where(assignment_tasks.c.assignment_id.in_(list(by_assignment)))
            .order_by(assignment_tasks.c.assignment_id, assignment_tasks.c.position)
        ).all():
            by_assignment[link.assignment_id].append(link)
    declined = training.first_declined_attempts(conn, [r.id for r in rows])
    out = []
    for row in rows:
        item: dict[str, Any] = {
            "id": format_id(row.id),
            "task_suite_id": format_id(row.task_suite_id),
            "pool_id": format_id(row.pool_id),
            "user_id": format_id(row.worker_id),
            "status": row.status,
            "reward": as_json_number(row.reward_micro),
            "mixed": row.mixed,
            "automerged": False,
            "created": format_dt(row.created),
            "tasks": [_task_view(t) for t in by_assignment[row.id]],
            "owner": {"id": format_id(row.requester_id), "myself": True},
        }
        for key in _TIMES:
            if getattr(row, key) is not None:
                item[key] = format_dt(getattr(row, key))
        if row.solutions is not None:
            item["solutions"] = row.solutions
        if row.public_comment:
            item["public_comment"] = row.public_comment
        if row.id in declined:
            item["first_declined_solution_attempt"] = declined[row.id]
        out.append(item)
    return out


def _load(conn: Connection, requester_id: int, assignment_id: str) -> Any:
    row = conn.execute(
        sa.select(assignments).where(
            assignments.c.id == parse_id(assignment_id), assignments.c.requester_id == requester_id
        )
    ).first()
    if row is None:
        raise NotFound(f"Assignment {assignment_id} does not exist")
    return row


def get(db: Database, requester_id: int, assignment_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return views(conn, [_load(conn, requester_id, assignment_id)])[0]


SPEC = search.SearchSpec(
    exact={
        "status": (assignments.c.status, search.enum_list("status", STATUSES)),
        "pool_id": (assignments.c.pool_id, search.id_param("pool_id")),
        "user_id": (assignments.c.worker_id, search.id_param("user_id")),
        "task_suite_id": (assignments.c.task_suite_id, search.id_param("task_suite_id")),
    },
    id_ranges={"id": assignments.c.id},
    time_ranges={"created": assignments.c.created, **{k: getattr(assignments.c, k) for k in _TIMES}},
    sort={
        "id": assignments.c.id,
        "created": assignments.c.created,
        **{k: getattr(assignments.c, k) for k in _TIMES},
    },
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    """Search the requester's assignments with every Toloka filter and sort."""
    query = sa.select(assignments).where(assignments.c.requester_id == requester_id)
    if params.get("task_id"):
        in_task = sa.select(assignment_tasks.c.assignment_id).where(
            assignment_tasks.c.task_id == (parse_id(params["task_id"]) or -1)
        )
        query = query.where(assignments.c.id.in_(in_task))
    with db.read() as conn:
        query, limit = search.apply(query, SPEC, params)
        rows = conn.execute(query).all()
        return {"items": views(conn, list(rows[:limit])), "has_more": len(rows) > limit}


@retry_transient
def review(db: Database, requester_id: int, assignment_id: str, body: Any) -> dict[str, Any]:
    """PATCH /assignments/{id}: ``{"status": "ACCEPTED"|"REJECTED", "public_comment": ...}``."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    status, comment = body.get("status"), body.get("public_comment")
    if status not in ("ACCEPTED", "REJECTED"):
        raise field_error("status", "VALUE_NOT_ALLOWED", "status must be ACCEPTED or REJECTED")
    if comment is not None and not isinstance(comment, str):
        raise field_error("public_comment", "STRING_EXPECTED", "public_comment must be text")
    if status == "REJECTED" and not (comment or "").strip():
        raise field_error(
            "public_comment", "VALUE_REQUIRED", "Say why you reject the work: public_comment is required"
        )
    with db.write() as conn:
        row = _load(conn, requester_id, assignment_id)
        if status == "ACCEPTED":
            issuing.accept_in(conn, row, comment=comment)
        else:
            issuing.reject_in(conn, row, comment=comment or "")
        return views(conn, [_load(conn, requester_id, assignment_id)])[0]
