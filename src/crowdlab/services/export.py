"""Rows of the assignments export (``assignments.tsv``), read in a stream from the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from crowdlab.domain.clock import parse_dt
from crowdlab.domain.errors import field_error
from crowdlab.domain.ids import format_id
from crowdlab.domain.money import as_json_number
from crowdlab.services.issuing import active_restriction
from crowdlab.services.tasks import pool_info
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignment_tasks, assignments, pools, tasks

TSV_STATUS = {"ACCEPTED": "APPROVED"}
FROM_TSV_STATUS = {
    "APPROVED": "ACCEPTED",
    "ACCEPTED": "ACCEPTED",
    **{s: s for s in ("ACTIVE", "SUBMITTED", "REJECTED", "SKIPPED", "EXPIRED")},
}


def parse_statuses(text: str | None) -> list[str]:
    """``status=APPROVED,REJECTED`` (TSV vocabulary) as stored statuses; default APPROVED."""
    out = []
    for part in (text or "APPROVED").split(","):
        part = part.strip()
        if part not in FROM_TSV_STATUS:
            raise field_error("status", "UNKNOWN_ENUM_VALUE", f"Unknown status {part!r}")
        out.append(FROM_TSV_STATUS[part])
    return out


def time_param(params: Any, name: str) -> datetime | None:
    """An optional date-time query parameter (startTimeFrom / startTimeTo)."""
    value = params.get(name)
    if not value:
        return None
    try:
        return parse_dt(value)
    except ValueError as exc:
        raise field_error(name, "INVALID_DATE_TIME_SYNTAX", str(exc)) from None


def pool_specs(db: Database, requester_id: int, pool_id: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The pool row and its project's input and output specs (also proves the pool is the requester's)."""
    with db.read() as conn:
        info = pool_info(conn, requester_id, pool_id)
    return info.row, info.input_spec, info.output_spec


def assignment_rows(
    db: Database,
    pool: Any,
    statuses: list[str],
    *,
    link_base: str = "",
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    exclude_banned: bool = False,
) -> Iterator[dict[str, Any]]:
    """One row per task per assignment, in assignment then task order, streamed in batches."""
    query = (
        sa.select(
            assignments,
            assignment_tasks.c.position,
            tasks.c.id.label("task_id"),
            tasks.c.input_values,
            tasks.c.known_solutions,
            tasks.c.hint,
        )
        .join(assignment_tasks, assignment_tasks.c.assignment_id == assignments.c.id)
        .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
        .where(assignments.c.pool_id == pool.id, assignments.c.status.in_(statuses))
        .order_by(assignments.c.id, assignment_tasks.c.position)
    )
    if started_from is not None:
        query = query.where(assignments.c.created >= started_from)
    if started_to is not None:
        query = query.where(assignments.c.created <= started_to)
    banned: dict[int, bool] = {}
    with db.read() as conn:
        pool_row = conn.execute(sa.select(pools).where(pools.c.id == pool.id)).one()
        for row in conn.execution_options(yield_per=2000).execute(query):
            if exclude_banned:
                if row.worker_id not in banned:
                    banned[row.worker_id] = active_restriction(conn, row.worker_id, pool_row) is not None
                if banned[row.worker_id]:
                    continue
            solutions = row.solutions or []
            output = solutions[row.position]["output_values"] if row.position < len(solutions) else {}
            aid = format_id(row.id)
            yield {
                "input_values": row.input_values,
                "output_values": output,
                "known_solutions": row.known_solutions,
                "message_on_unknown_solution": row.hint,
                "link": f"{link_base}/task/{format_id(pool.id)}/{aid}",
                "assignment": {
                    "id": aid,
                    "task_id": format_id(row.task_id),
                    "task_suite_id": format_id(row.task_suite_id),
                    "user_id": format_id(row.worker_id),
                    "status": row.status,
                    "created": row.created,
                    "submitted": row.submitted,
                    "accepted": row.accepted,
                    "rejected": row.rejected,
                    "skipped": row.skipped,
                    "expired": row.expired,
                    "reward": as_json_number(row.reward_micro),
                },
            }
