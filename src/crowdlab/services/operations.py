"""Operations: the asynchronous jobs of the API (pool open/close, task batches, analytics, ...).

Most finish inside the request that starts them and are stored as SUCCESS or FAIL; long ones are
stored PENDING and completed by the jobs runner. Either way clients poll ``GET /v1/operations/{id}``.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import NotFound
from crowdlab.services import search
from crowdlab.storage.db import Database
from crowdlab.storage.tables import operation_log, operations

STATUSES = ("PENDING", "RUNNING", "SUCCESS", "FAIL")


def record(
    conn: Connection,
    requester_id: int,
    op_type: str,
    parameters: dict[str, Any],
    *,
    details: Any = None,
    status: str = "SUCCESS",
    op_id: str | None = None,
    log: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Store an operation (finished or pending) with its log items; returns its wire view."""
    now = utcnow()
    finished = status in ("SUCCESS", "FAIL")
    row = {
        "id": op_id or str(uuid.uuid4()),
        "requester_id": requester_id,
        "type": op_type,
        "status": status,
        "progress": 100 if finished else 0,
        "parameters": parameters,
        "details": details,
        "submitted": now,
        "started": now,
        "finished": now if finished else None,
    }
    conn.execute(operations.insert().values(**row))
    if log:
        conn.execute(operation_log.insert(), [{"operation_id": row["id"], **item} for item in log])
    return view(_Obj(row))


class _Obj:
    """Attribute access over a plain dict (so freshly written rows share the row view)."""

    def __init__(self, data: dict[str, Any]):
        self.__dict__.update(data)


def view(row: Any) -> dict[str, Any]:
    """The Operation object as toloka-kit reads it (type and status always present)."""
    out: dict[str, Any] = {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "submitted": format_dt(row.submitted),
        "parameters": row.parameters,
        "progress": row.progress,
    }
    if row.started:
        out["started"] = format_dt(row.started)
    if row.finished:
        out["finished"] = format_dt(row.finished)
    if row.details is not None:
        out["details"] = row.details
    return out


def exists(conn: Connection, op_id: str) -> bool:
    return conn.execute(sa.select(operations.c.id).where(operations.c.id == op_id)).first() is not None


def get(db: Database, requester_id: int, op_id: str) -> dict[str, Any]:
    """One operation of this requester."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(operations).where(operations.c.id == op_id, operations.c.requester_id == requester_id)
        ).first()
    if row is None:
        raise NotFound(f"Operation {op_id} does not exist")
    return view(row)


def get_log(db: Database, requester_id: int, op_id: str) -> list[dict[str, Any]]:
    """The log items of an operation, in the order they were written."""
    with db.read() as conn:
        owner = conn.execute(sa.select(operations.c.requester_id).where(operations.c.id == op_id)).scalar()
        if owner != requester_id:
            raise NotFound(f"Operation {op_id} does not exist")
        rows = conn.execute(
            sa.select(operation_log).where(operation_log.c.operation_id == op_id).order_by(operation_log.c.id)
        ).all()
    return [{"type": r.type, "success": r.success, "input": r.input, "output": r.output} for r in rows]


SPEC = search.SearchSpec(
    exact={
        "type": (operations.c.type, lambda s: s),
        "status": (operations.c.status, search.enum_list("status", STATUSES)),
    },
    id_ranges={},
    time_ranges={"submitted": operations.c.submitted, "finished": operations.c.finished},
    sort={"id": operations.c.id, "submitted": operations.c.submitted, "finished": operations.c.finished},
    max_limit=500,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    """Search the requester's operations."""
    query = sa.select(operations).where(operations.c.requester_id == requester_id)
    for op in ("lt", "lte", "gt", "gte"):
        if f"id_{op}" in params:
            bound = params[f"id_{op}"]
            column = operations.c.id
            query = query.where(
                {"lt": column < bound, "lte": column <= bound, "gt": column > bound, "gte": column >= bound}[
                    op
                ]
            )
    with db.read() as conn:
        return search.run(conn, query, SPEC, params, view)
