"""Pools: create, read, replace, patch, search, open / close / archive / clone."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, parse_dt, utcnow
from crowdlab.domain.errors import Conflict, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.money import as_json_number, fee_for, from_micro, to_micro
from crowdlab.domain.pool_config import clean_pool, clean_training, mixer_of
from crowdlab.services import events, operations, projects, search
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import assignments, pools, requesters, task_suites, tasks

STATUSES = ("OPEN", "CLOSED", "ARCHIVED", "LOCKED")
CLOSE_REASONS = (
    "MANUAL",
    "EXPIRED",
    "COMPLETED",
    "NOT_ENOUGH_BALANCE",
    "ASSIGNMENTS_LIMIT_EXCEEDED",
    "BLOCKED",
    "FOR_UPDATE",
)


def view(row: Any) -> dict[str, Any]:
    """The Pool object on the wire."""
    out = {
        **row.doc,
        "id": format_id(row.id),
        "project_id": format_id(row.project_id),
        "status": row.status,
        "type": row.type,
        "created": format_dt(row.created),
        "owner": {
            "id": format_id(row.requester_id),
            "myself": True,
            "company_id": format_id(row.requester_id),
        },
    }
    for key in ("last_started", "last_stopped"):
        if getattr(row, key) is not None:
            out[key] = format_dt(getattr(row, key))
    if row.last_close_reason:
        out["last_close_reason"] = row.last_close_reason
    return out


def load(
    conn: Connection,
    requester_id: int,
    pool_id: str | int | None,
    *,
    lock: bool = False,
    pool_type: str | None = None,
) -> Any:
    """A pool (or training) row of this requester; NotFound for anyone else's or unknown ids.

    ``pool_type`` restricts the kind: the /pools endpoints never show trainings and vice versa.
    """
    number = pool_id if isinstance(pool_id, int) else parse_id(pool_id)
    query = sa.select(pools).where(pools.c.id == number, pools.c.requester_id == requester_id)
    if pool_type is not None:
        query = query.where(pools.c.type == pool_type)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        noun = "Training" if pool_type == "TRAINING" else "Pool"
        raise NotFound(f"{noun} {pool_id} does not exist")
    return row


def _columns(doc: dict[str, Any]) -> dict[str, Any]:
    will_expire = doc.get("will_expire")
    return {
        "reward_micro": to_micro(doc["reward_per_assignment"]),
        "will_expire": parse_dt(str(will_expire)) if will_expire else None,
    }


def _validated(conn: Connection, requester_id: int, body: Any, pool_type: str) -> tuple[dict[str, Any], Any]:
    doc, errors = clean_training(body) if pool_type == "TRAINING" else clean_pool(body)
    if errors:
        raise ValidationFailed(errors)
    try:
        project = projects.load(conn, requester_id, doc["project_id"])
    except NotFound:
        raise field_error(
            "project_id", "ENTITY_DOES_NOT_EXIST", f"Project {doc['project_id']} does not exist"
        ) from None
    if project.status != "ACTIVE":
        raise Conflict(f"Project {doc['project_id']} is archived", code="PROJECT_INAPPROPRIATE_STATUS")
    doc["project_id"] = format_id(project.id)
    return doc, project


def create(db: Database, requester_id: int, body: Any, pool_type: str = "REGULAR") -> dict[str, Any]:
    """Create a CLOSED pool in one of the requester's projects."""
    with db.write() as conn:
        doc, project = _validated(conn, requester_id, body, pool_type)
        pool_id = inserted_id(
            conn.execute(
                pools.insert().values(
                    requester_id=requester_id,
                    project_id=project.id,
                    type=pool_type,
                    status="CLOSED",
                    doc=doc,
                    created=utcnow(),
                    **_columns(doc),
                )
            )
        )
        return view(load(conn, requester_id, pool_id))


def get(db: Database, requester_id: int, pool_id: str, *, pool_type: str = "REGULAR") -> dict[str, Any]:
    with db.read() as conn:
        return view(load(conn, requester_id, pool_id, pool_type=pool_type))


def update(
    db: Database, requester_id: int, pool_id: str, body: Any, *, pool_type: str = "REGULAR"
) -> dict[str, Any]:
    """Replace a closed pool's configuration (the id comes from the path)."""
    with db.write() as conn:
        row = load(conn, requester_id, pool_id, lock=True, pool_type=pool_type)
        if row.status in ("OPEN", "ARCHIVED"):
            raise Conflict(
                f"Pool {pool_id} is {row.status}; close it before changing it",
                code="POOL_INAPPROPRIATE_STATUS",
            )
        doc, project = _validated(conn, requester_id, body, row.type)
        if project.id != row.project_id:
            raise field_error("project_id", "VALUE_NOT_ALLOWED", "A pool cannot move to another project")
        conn.execute(pools.update().where(pools.c.id == row.id).values(doc=doc, **_columns(doc)))
        return view(load(conn, requester_id, row.id))


def patch(
    db: Database, requester_id: int, pool_id: str, body: Any, *, pool_type: str = "REGULAR"
) -> dict[str, Any]:
    """Change the priority of a pool (the one field PATCH accepts)."""
    if not isinstance(body, dict) or "priority" not in body:
        raise field_error("priority", "VALUE_REQUIRED", 'PATCH /pools/{id} takes {"priority": n}')
    priority = body["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or not -100 <= priority <= 100:
        raise field_error("priority", "VALUE_OUT_OF_BOUNDS", "priority must be an integer from -100 to 100")
    with db.write() as conn:
        row = load(conn, requester_id, pool_id, lock=True, pool_type=pool_type)
        conn.execute(pools.update().where(pools.c.id == row.id).values(doc={**row.doc, "priority": priority}))
        return view(load(conn, requester_id, row.id))


def cost_of_one(conn: Connection, pool_row: Any, fee_rate: Any) -> int:
    """Money reserved for one assignment of this pool: reward plus platform fee."""
    return int(pool_row.reward_micro + fee_for(pool_row.reward_micro, fee_rate))


def budget(conn: Connection, pool_row: Any, fee_rate: Any) -> dict[str, Any]:
    """What finishing the pool will cost: the answers still needed, in suites, times reward + fee.

    answers needed = sum over finite-overlap real tasks of (overlap - submitted/accepted answers);
    suites = answers needed / real tasks per suite (rounded up).
    """
    needed = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(tasks.c.overlap - tasks.c.done_count), 0)).where(
            tasks.c.pool_id == pool_row.id,
            tasks.c.kind == "general",
            tasks.c.infinite_overlap.is_(False),
            tasks.c.done_count < tasks.c.overlap,
        )
    ).scalar_one()
    per_suite = max(1, mixer_of(pool_row.type, pool_row.doc).get("real_tasks_count") or 1)
    suites = -(-int(needed) // per_suite)
    fee = fee_for(pool_row.reward_micro, fee_rate)
    return {
        "answers_needed": int(needed),
        "task_suites": suites,
        "reward_per_assignment": as_json_number(pool_row.reward_micro),
        "fee_per_assignment": as_json_number(fee),
        "total": as_json_number(suites * (pool_row.reward_micro + fee)),
        "total_micro": suites * (pool_row.reward_micro + fee),
    }


def get_budget(db: Database, requester_id: int, pool_id: str, fee_rate: Any) -> dict[str, Any]:
    """The budget estimate of a pool next to the requester's free balance."""
    with db.read() as conn:
        row = load(conn, requester_id, pool_id)
        estimate = budget(conn, row, fee_rate)
        free = conn.execute(
            sa.select(requesters.c.balance_micro - requesters.c.reserved_micro).where(
                requesters.c.id == requester_id
            )
        ).scalar_one()
    estimate.pop("total_micro")
    return {
        **estimate,
        "free_balance": as_json_number(int(free)),
        "covered": as_json_number(int(free)) >= estimate["total"],
    }


def open_pool(
    db: Database, requester_id: int, pool_id: str, fee_rate: Any, *, pool_type: str = "REGULAR"
) -> dict[str, Any] | None:
    """Open a pool for workers. None when it is already open; refuses empty, archived, unaffordable pools."""
    with db.write() as conn:
        row = load(conn, requester_id, pool_id, lock=True, pool_type=pool_type)
        if row.status == "OPEN":
            return None
        ensure_openable(conn, row, fee_rate)
        _set_status(conn, row.id, "OPEN")
        return operations.record(conn, requester_id, f"{_kind(row)}.OPEN", _params(row))


def ensure_openable(conn: Connection, row: Any, fee_rate: Any) -> None:
    """Raise the reason a pool cannot be opened, if there is one."""
    if row.status == "ARCHIVED":
        raise Conflict(
            f"Pool {format_id(row.id)} is archived and cannot be opened", code="POOL_INAPPROPRIATE_STATUS"
        )
    project_status = conn.execute(
        sa.select(projects.projects.c.status).where(projects.projects.c.id == row.project_id)
    ).scalar()
    if project_status != "ACTIVE":
        raise Conflict("The pool's project is archived", code="PROJECT_INAPPROPRIATE_STATUS")
    has_tasks = conn.execute(sa.select(tasks.c.id).where(tasks.c.pool_id == row.id).limit(1)).first()
    if has_tasks is None:
        raise Conflict("Pool contains no tasks; upload tasks before opening it", code="EMPTY_POOL")
    balance, reserved = conn.execute(
        sa.select(requesters.c.balance_micro, requesters.c.reserved_micro).where(
            requesters.c.id == row.requester_id
        )
    ).one()
    needed = max(cost_of_one(conn, row, fee_rate), budget(conn, row, fee_rate)["total_micro"])
    if balance - reserved < needed:
        raise Conflict(
            f"Not enough money: finishing this pool costs {from_micro(needed)} USD and the free balance is "
            f"{from_micro(balance - reserved)} USD; top up first",
            code="NOT_ENOUGH_BALANCE",
        )


def close_pool(
    db: Database, requester_id: int, pool_id: str, *, for_update: bool = False, pool_type: str = "REGULAR"
) -> dict[str, Any] | None:
    """Stop issuing a pool (MANUAL or FOR_UPDATE). None when it is already closed."""
    with db.write() as conn:
        row = load(conn, requester_id, pool_id, lock=True, pool_type=pool_type)
        if row.status != "OPEN":
            if row.status == "ARCHIVED":
                raise Conflict(f"Pool {pool_id} is archived", code="POOL_INAPPROPRIATE_STATUS")
            return None
        close(conn, row.id, "FOR_UPDATE" if for_update else "MANUAL")
        return operations.record(conn, requester_id, f"{_kind(row)}.CLOSE", _params(row))


def archive(
    db: Database, requester_id: int, pool_id: str, *, pool_type: str = "REGULAR"
) -> dict[str, Any] | None:
    """Archive a closed pool. None when it is already archived."""
    with db.write() as conn:
        row = load(conn, requester_id, pool_id, lock=True, pool_type=pool_type)
        if row.status == "ARCHIVED":
            return None
        if row.status == "OPEN":
            raise Conflict(
                f"Pool {pool_id} is open; close it before archiving", code="POOL_INAPPROPRIATE_STATUS"
            )
        pending = conn.execute(
            sa.select(sa.func.count())
            .select_from(assignments)
            .where(assignments.c.pool_id == row.id, assignments.c.status.in_(["ACTIVE", "SUBMITTED"]))
        ).scalar_one()
        if pending:
            raise Conflict(
                f"Pool {pool_id} has {pending} active or unreviewed assignment(s)",
                code="SUBMITTED_ASSIGNMENTS_CONFLICT",
            )
        conn.execute(pools.update().where(pools.c.id == row.id).values(status="ARCHIVED"))
        return operations.record(conn, requester_id, f"{_kind(row)}.ARCHIVE", _params(row))


def clone(db: Database, requester_id: int, pool_id: str, *, pool_type: str = "REGULAR") -> dict[str, Any]:
    """Copy a pool's configuration (not its tasks) into a new CLOSED pool; returns the CLONE operation."""
    with db.write() as conn:
        row = load(conn, requester_id, pool_id, pool_type=pool_type)
        new_id = inserted_id(
            conn.execute(
                pools.insert().values(
                    requester_id=requester_id,
                    project_id=row.project_id,
                    type=row.type,
                    status="CLOSED",
                    doc=row.doc,
                    created=utcnow(),
                    reward_micro=row.reward_micro,
                    will_expire=row.will_expire,
                )
            )
        )
        key = "training_id" if row.type == "TRAINING" else "pool_id"
        return operations.record(
            conn, requester_id, f"{_kind(row)}.CLONE", _params(row), details={key: format_id(new_id)}
        )


def close(conn: Connection, pool_id: int, reason: str) -> bool:
    """Close an OPEN pool with a reason (used by the engine: COMPLETED, EXPIRED, NOT_ENOUGH_BALANCE...).

    Returns False when the pool was not open (someone else closed it first).
    """
    result = conn.execute(
        pools.update()
        .where(pools.c.id == pool_id, pools.c.status == "OPEN")
        .values(status="CLOSED", last_close_reason=reason, last_stopped=utcnow())
    )
    if result.rowcount != 1:
        return False
    events.emit(conn, pool_id, "POOL_CLOSED", reason=reason)
    return True


def mark_open(conn: Connection, pool_id: int) -> None:
    """Flip a pool to OPEN (the caller has checked ensure_openable)."""
    _set_status(conn, pool_id, "OPEN")


def _set_status(conn: Connection, pool_id: int, status: str) -> None:
    values: dict[str, Any] = {"status": status}
    if status == "OPEN":
        values["last_started"] = utcnow()
    conn.execute(pools.update().where(pools.c.id == pool_id).values(**values))


def _kind(row: Any) -> str:
    return "TRAINING" if row.type == "TRAINING" else "POOL"


def _params(row: Any) -> dict[str, str]:
    return {"training_id" if row.type == "TRAINING" else "pool_id": format_id(row.id)}


SPEC = search.SearchSpec(
    exact={
        "status": (pools.c.status, search.enum_list("status", STATUSES)),
        "project_id": (pools.c.project_id, search.id_param("project_id")),
    },
    id_ranges={"id": pools.c.id},
    time_ranges={"created": pools.c.created, "last_started": pools.c.last_started},
    sort={"id": pools.c.id, "created": pools.c.created, "last_started": pools.c.last_started},
    default_limit=20,
    max_limit=300,
)


def find(
    db: Database, requester_id: int, params: dict[str, str], pool_type: str = "REGULAR"
) -> dict[str, Any]:
    with db.read() as conn:
        query = sa.select(pools).where(pools.c.requester_id == requester_id, pools.c.type == pool_type)
        return search.run(conn, query, SPEC, params, view)


def suites_exist(conn: Connection, pool_id: int) -> bool:
    """Whether the requester composed explicit task suites for this pool."""
    return (
        conn.execute(
            sa.select(task_suites.c.id)
            .where(task_suites.c.pool_id == pool_id, task_suites.c.mixed.is_(False))
            .limit(1)
        ).first()
        is not None
    )
