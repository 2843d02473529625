"""What the requester console shows that the v1 API has no single call for: the projects overview,
a pool's progress (with the speed over time), the control tasks of a pool with the distribution of
their correct answers, marking tasks as control tasks, and a pool's aggregation runs.

Every function here backs both an HTML page and its JSON twin under ``/api/console``, so the page
and the API cannot disagree. Ownership is checked like everywhere else: anyone else's ids are
DOES_NOT_EXIST.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import Conflict, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.money import as_json_number
from crowdlab.domain.pool_config import mixer_of
from crowdlab.domain.specs import validate_values
from crowdlab.services import analytics, operations, pools, projects, requester_auth
from crowdlab.services import tasks as task_service
from crowdlab.services.accounts import Requester
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments, ledger, tasks
from crowdlab.storage.tables import operations as operations_table
from crowdlab.storage.tables import pools as pools_table
from crowdlab.storage.tables import projects as projects_table

ASSIGNMENT_STATUSES = ("ACTIVE", "SUBMITTED", "ACCEPTED", "REJECTED", "SKIPPED", "EXPIRED")
# Bucket sizes for the speed chart, smallest first; the first that gives at most MAX_POINTS wins.
BUCKETS = (10, 30, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)
MAX_POINTS = 60
MAX_TASK_PAGE = 200


def _pool_summary(row: Any) -> dict[str, Any]:
    doc = row.doc
    return {
        "id": format_id(row.id),
        "project_id": format_id(row.project_id),
        "private_name": doc.get("private_name", ""),
        "status": row.status,
        "type": row.type,
        "last_close_reason": row.last_close_reason,
        "reward_per_assignment": doc.get("reward_per_assignment"),
        "created": format_dt(row.created),
    }


def overview(db: Database, requester: Requester) -> dict[str, Any]:
    """The home page: the account, and every project with its status and its pools counted by status."""
    with db.read() as conn:
        rows = conn.execute(
            sa.select(projects_table)
            .where(projects_table.c.requester_id == requester.id)
            .order_by(projects_table.c.status, projects_table.c.id.desc())
        ).all()
        counts: dict[int, Counter[str]] = {}
        for project_id, status, n in conn.execute(
            sa.select(pools_table.c.project_id, pools_table.c.status, sa.func.count())
            .where(pools_table.c.requester_id == requester.id, pools_table.c.type == "REGULAR")
            .group_by(pools_table.c.project_id, pools_table.c.status)
        ).all():
            counts.setdefault(project_id, Counter())[status] = int(n)
    items = []
    for row in rows:
        pool_counts = counts.get(row.id, Counter())
        items.append(
            {
                "id": format_id(row.id),
                "public_name": row.doc.get("public_name", ""),
                "public_description": row.doc.get("public_description", ""),
                "status": row.status,
                "created": format_dt(row.created),
                "pools": {s: pool_counts.get(s, 0) for s in ("OPEN", "CLOSED", "ARCHIVED")},
            }
        )
    return {"account": requester_auth.account(db, requester), "projects": items}


def project_page(db: Database, requester_id: int, project_id: str) -> dict[str, Any]:
    """A project (as the v1 API returns it) with its pools, each with its completion percentage."""
    project = projects.get(db, requester_id, project_id)
    with db.read() as conn:
        rows = conn.execute(
            sa.select(pools_table)
            .where(
                pools_table.c.requester_id == requester_id,
                pools_table.c.project_id == parse_id(project["id"]),
                pools_table.c.type == "REGULAR",
            )
            .order_by(pools_table.c.id.desc())
        ).all()
        items = []
        for row in rows:
            summary = _pool_summary(row)
            summary["completion_percentage"] = analytics.completion_percentage(conn, row.id)
            summary["tasks"] = _task_counts(conn, row.id)
            items.append(summary)
    return {"project": project, "pools": items}


def _task_counts(conn: Connection, pool_id: int) -> dict[str, int]:
    counts = {"general": 0, "golden": 0, "training": 0}
    for kind, n in conn.execute(
        sa.select(tasks.c.kind, sa.func.count()).where(tasks.c.pool_id == pool_id).group_by(tasks.c.kind)
    ).all():
        counts[kind] = int(n)
    return counts


# Progress --------------------------------------------------------------------------------------


def pool_progress(db: Database, requester_id: int, pool_id: str, fee_rate: Any) -> dict[str, Any]:
    """Completion, assignments by status, workers, money spent and promised, and the speed over time."""
    now = utcnow()
    with db.read() as conn:
        row = pools.load(conn, requester_id, pool_id, pool_type="REGULAR")
        by_status = dict.fromkeys(ASSIGNMENT_STATUSES, 0)
        for status, n in conn.execute(
            sa.select(assignments.c.status, sa.func.count())
            .where(assignments.c.pool_id == row.id)
            .group_by(assignments.c.status)
        ).all():
            by_status[status] = int(n)
        workers = conn.execute(
            sa.select(
                sa.func.count(sa.distinct(assignments.c.worker_id)),
                sa.func.count(
                    sa.distinct(sa.case((assignments.c.status == "ACTIVE", assignments.c.worker_id)))
                ),
            ).where(assignments.c.pool_id == row.id)
        ).one()
        spent = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ledger.c.amount_micro), 0))
            .join(assignments, assignments.c.id == ledger.c.assignment_id)
            .where(
                assignments.c.pool_id == row.id,
                ledger.c.account_type == "requester",
                ledger.c.kind == "CHARGE",
            )
        ).scalar_one()
        reserved = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(assignments.c.reward_micro + assignments.c.fee_micro), 0)
            ).where(assignments.c.pool_id == row.id, assignments.c.status.in_(["ACTIVE", "SUBMITTED"]))
        ).scalar_one()
        remaining = pools.budget(conn, row, fee_rate)
        speed = _speed(conn, row, now)
        progress = {
            "pool": pools.view(row),
            "completion_percentage": analytics.completion_percentage(conn, row.id),
            "tasks": _task_counts(conn, row.id),
            "assignments": by_status,
            "unique_workers": int(workers[0]),
            "active_workers": int(workers[1]),
            "spent": as_json_number(-int(spent)),
            "reserved": as_json_number(int(reserved)),
            "remaining_cost": as_json_number(remaining["total_micro"]),
            "speed": speed,
            "as_of": format_dt(now),
        }
    return progress


def _speed(conn: Connection, row: Any, now: datetime) -> dict[str, Any]:
    """Answers submitted per time bucket, from the first assignment to now (or to when it stopped)."""
    first = conn.execute(
        sa.select(sa.func.min(assignments.c.created)).where(assignments.c.pool_id == row.id)
    ).scalar()
    if first is None:
        return {"bucket_seconds": BUCKETS[0], "points": []}
    end = now if row.status == "OPEN" or row.last_stopped is None else max(row.last_stopped, first)
    span = max(1.0, (end - first).total_seconds())
    bucket = next((b for b in BUCKETS if span / b <= MAX_POINTS), BUCKETS[-1])
    count = int(span // bucket) + 1
    values = [0] * count
    query = sa.select(assignments.c.submitted).where(
        assignments.c.pool_id == row.id, assignments.c.submitted.is_not(None)
    )
    for (submitted,) in conn.execution_options(yield_per=10_000).execute(query):
        index = int((submitted - first).total_seconds() // bucket)
        values[min(max(index, 0), count - 1)] += 1
    total = 0
    points = []
    for i, value in enumerate(values):
        total += value
        points.append(
            {"t": format_dt(first + timedelta(seconds=i * bucket)), "submitted": value, "total": total}
        )
    return {"bucket_seconds": bucket, "points": points}


# Control tasks ---------------------------------------------------------------------------------


def _label_of(values: dict[str, Any]) -> str:
    return ", ".join(f"{v}" if len(values) == 1 else f"{k}={v}" for k, v in sorted(values.items()))


def control_tasks(db: Database, requester_id: int, pool_id: str, params: dict[str, str]) -> dict[str, Any]:
    """The pool's tasks for marking control tasks: counts by kind, the distribution of the control
    tasks' correct answers per output field, and one page of tasks (``kind``, ``after``, ``limit``)."""
    try:
        limit = min(MAX_TASK_PAGE, max(1, int(params.get("limit") or 50)))
    except ValueError:
        raise field_error("limit", "INTEGER_EXPECTED", "limit must be a number") from None
    kind = params.get("kind") or "all"
    if kind not in ("all", "general", "golden", "training"):
        raise field_error("kind", "UNKNOWN_ENUM_VALUE", "kind must be all, general, golden or training")
    after = parse_id(params.get("after")) if params.get("after") else 0
    with db.read() as conn:
        row = pools.load(conn, requester_id, pool_id, pool_type="REGULAR")
        project_doc = conn.execute(
            sa.select(projects_table.c.doc).where(projects_table.c.id == row.project_id)
        ).scalar_one()
        output_spec = (project_doc.get("task_spec") or {}).get("output_spec") or {}
        distribution: dict[str, Counter[str]] = {name: Counter() for name in output_spec}
        for (known,) in conn.execute(
            sa.select(tasks.c.known_solutions).where(tasks.c.pool_id == row.id, tasks.c.kind == "golden")
        ):
            first = (known or [{}])[0].get("output_values") or {}
            for name, value in first.items():
                distribution.setdefault(name, Counter())[
                    value if isinstance(value, str) else json.dumps(value)
                ] += 1
        query = (
            sa.select(tasks)
            .where(tasks.c.pool_id == row.id, tasks.c.id > (after or 0))
            .order_by(tasks.c.id)
            .limit(limit + 1)
        )
        if kind != "all":
            query = query.where(tasks.c.kind == kind)
        rows = conn.execute(query).all()
        counts = _task_counts(conn, row.id)
    items = [{**task_service.view(t), "kind": t.kind, "issued": t.live_count > 0} for t in rows[:limit]]
    return {
        "pool": _pool_summary(row),
        "mixer_config": mixer_of(row.type, row.doc),
        "counts": counts,
        "output_spec": output_spec,
        "distribution": {
            name: [{"label": label, "count": n} for label, n in sorted(c.items())]
            for name, c in distribution.items()
        },
        "items": items,
        "has_more": len(rows) > limit,
    }


def mark_control(db: Database, requester_id: int, task_id: str, body: Any) -> dict[str, Any]:
    """Make a task a control task with a known solution (``{"known_solutions": [{"output_values"}]}``)
    or a general task again (``{"known_solutions": null}``).

    Only a task that no worker has been given may change its kind: a control task never counts
    towards a pool's overlap, so turning a task that is already being answered into one would
    silently change what was paid for.
    """
    if not isinstance(body, dict) or "known_solutions" not in body:
        raise field_error("known_solutions", "VALUE_REQUIRED", "Send known_solutions (or null to unmark)")
    with db.write() as conn:
        row = conn.execute(
            sa.select(tasks)
            .join(pools_table, pools_table.c.id == tasks.c.pool_id)
            .where(tasks.c.id == (parse_id(task_id) or -1), pools_table.c.requester_id == requester_id)
        ).first()
        if row is None:
            raise NotFound(f"Task {task_id} does not exist")
        if row.kind == "training":
            raise Conflict(
                "Training tasks are managed in their training pool", code="TASK_INAPPROPRIATE_KIND"
            )
        if row.live_count or row.done_count:
            raise Conflict(
                "Workers have already been given this task; it can no longer become a control task or stop "
                "being one",
                code="TASK_ALREADY_ISSUED",
            )
        pool_doc = conn.execute(
            sa.select(projects_table.c.doc)
            .join(pools_table, pools_table.c.project_id == projects_table.c.id)
            .where(pools_table.c.id == row.pool_id)
        ).scalar_one()
        output_spec = (pool_doc.get("task_spec") or {}).get("output_spec") or {}
        known_body = body["known_solutions"]
        if known_body is None:
            overlap = row.overlap
            if overlap is None and not row.infinite_overlap:
                overlap = _default_overlap(conn, row.pool_id)
            values: dict[str, Any] = {
                "kind": "general",
                "known_solutions": None,
                "overlap": overlap,
                "available": bool(row.infinite_overlap or (overlap or 0) > 0),
            }
        else:
            values = {"kind": "golden", "known_solutions": _known(known_body, output_spec), "available": True}
        conn.execute(tasks.update().where(tasks.c.id == row.id).values(**values))
        updated = conn.execute(sa.select(tasks).where(tasks.c.id == row.id)).one()
    return {**task_service.view(updated), "kind": updated.kind, "issued": False}


def _known(value: Any, output_spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Check the correct answers of a control task against the output spec (the fields given)."""
    if not isinstance(value, list) or not value:
        raise field_error("known_solutions", "VALUE_REQUIRED", "A control task needs a correct answer")
    clean = []
    for i, solution in enumerate(value):
        path = f"known_solutions.{i}.output_values"
        values = solution.get("output_values") if isinstance(solution, dict) else None
        if not isinstance(values, dict) or not values:
            raise field_error(path, "OBJECT_EXPECTED", "Each correct answer needs output_values")
        unknown = [k for k in values if k not in output_spec]
        if unknown:
            raise field_error(
                f"{path}.{unknown[0]}", "VALUE_NOT_ALLOWED", f"{unknown[0]!r} is not an output field"
            )
        errors = validate_values({k: output_spec[k] for k in values}, values, path)
        if errors:
            raise ValidationFailed(errors)
        clean.append({"output_values": values, "correctness_weight": 1})
    return clean


def _default_overlap(conn: Connection, pool_id: int) -> int:
    doc = conn.execute(sa.select(pools_table.c.doc).where(pools_table.c.id == pool_id)).scalar_one()
    return int((doc.get("defaults") or {}).get("default_overlap_for_new_tasks") or 1)


# Aggregations ----------------------------------------------------------------------------------


def aggregations(db: Database, requester_id: int, pool_id: str) -> dict[str, Any]:
    """The pool's aggregation runs (SOLUTION.AGGREGATE operations), newest first."""
    with db.read() as conn:
        row = pools.load(conn, requester_id, pool_id, pool_type="REGULAR")
        ops = conn.execute(
            sa.select(operations_table)
            .where(
                operations_table.c.requester_id == requester_id,
                operations_table.c.type == "SOLUTION.AGGREGATE",
            )
            .order_by(operations_table.c.submitted.desc())
        ).all()
    wanted = format_id(row.id)
    return {"items": [operations.view(op) for op in ops if (op.parameters or {}).get("pool_id") == wanted]}
