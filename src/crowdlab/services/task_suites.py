"""Task suites the requester composes explicitly (instead of the pool's mixer): create, read, patch."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import NotFound, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import batch, pools, search
from crowdlab.services import tasks as task_service
from crowdlab.storage.db import Database
from crowdlab.storage.tables import task_suites, tasks

EXTRA_FIELDS = (
    "reserved_for",
    "unavailable_for",
    "traits_all_of",
    "traits_any_of",
    "traits_none_of_any",
    "longitude",
    "latitude",
)


def view(row: Any, task_rows: list[Any]) -> dict[str, Any]:
    """The TaskSuite object on the wire."""
    out: dict[str, Any] = {
        "id": format_id(row.id),
        "pool_id": format_id(row.pool_id),
        "tasks": [
            {
                k: v
                for k, v in {
                    "id": format_id(t.id),
                    "input_values": t.input_values,
                    "known_solutions": t.known_solutions,
                    "message_on_unknown_solution": t.hint,
                }.items()
                if v is not None
            }
            for t in task_rows
        ],
        "mixed": row.mixed,
        "automerged": False,
        "issuing_order_override": row.issuing_order,
        "created": format_dt(row.created),
    }
    if row.infinite_overlap:
        out["infinite_overlap"] = True
    else:
        out.update(
            overlap=row.overlap,
            infinite_overlap=False,
            remaining_overlap=max(0, (row.overlap or 0) - row.live_count),
        )
    out.update(row.extra or {})
    return out


def _views(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = conn.execute(sa.select(task_suites).where(task_suites.c.id.in_(ids))).all()
    members: dict[int, list[Any]] = {r.id: [] for r in rows}
    for t in conn.execute(sa.select(tasks).where(tasks.c.suite_id.in_(ids)).order_by(tasks.c.id)).all():
        members[t.suite_id].append(t)
    return {r.id: view(r, members[r.id]) for r in rows}


def _suite_overlap(
    item: dict[str, Any], pool_doc: dict[str, Any], allow_defaults: bool
) -> tuple[int | None, bool, dict[str, FieldError]]:
    if item.get("infinite_overlap") is True:
        return None, True, {}
    overlap = item.get("overlap")
    if overlap is None:
        default = (pool_doc.get("defaults") or {}).get("default_overlap_for_new_task_suites")
        if default is None and not allow_defaults:
            return (
                None,
                False,
                {
                    "overlap": FieldError(
                        "VALUE_REQUIRED", "overlap is required (or pass allow_defaults=true)"
                    )
                },
            )
        overlap = default if default is not None else 1
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap <= 100_000:
        return (
            None,
            False,
            {"overlap": FieldError("VALUE_OUT_OF_BOUNDS", "overlap must be an integer from 0 to 100000")},
        )
    return overlap, False, {}


def _prepare(
    conn: Connection, item: dict[str, Any], options: batch.CreateOptions, cache: dict[str, Any]
) -> tuple[Any, dict[str, FieldError]]:
    info, problem = task_service.pool_of_item(conn, item, cache, "task suite")
    if info is None:
        return None, problem
    members = item.get("tasks")
    if not isinstance(members, list) or not members:
        return None, {"tasks": FieldError("ARRAY_SIZE_LESS_THAN_MIN", "A task suite needs at least one task")}
    overlap, infinite, errors = _suite_overlap(item, info.row.doc, options.allow_defaults)
    order = item.get("issuing_order_override", 0)
    if isinstance(order, bool) or not isinstance(order, int | float) or abs(order) > 99999.99999:
        errors["issuing_order_override"] = FieldError(
            "VALUE_OUT_OF_BOUNDS", "issuing_order_override is -99999.99999..99999.99999"
        )
    rows = []
    for i, member in enumerate(members):
        if not isinstance(member, dict):
            errors[f"tasks.{i}"] = FieldError("OBJECT_EXPECTED", "A task must be a JSON object")
            continue
        row, problems = task_service.task_row(
            {**member, "overlap": overlap, "infinite_overlap": infinite}, info, True
        )
        errors.update({f"tasks.{i}.{k}": v for k, v in problems.items()})
        if row is not None:
            rows.append({**row, "pool_id": info.row.id})
    if errors:
        return None, errors
    suite = {
        "pool_id": info.row.id,
        "mixed": False,
        "overlap": overlap,
        "infinite_overlap": infinite,
        "available": infinite or bool(overlap),
        "issuing_order": float(order),
        "extra": {k: item[k] for k in EXTRA_FIELDS if item.get(k) is not None},
        "created": utcnow(),
    }
    return (suite, rows), {}


def _insert(conn: Connection, prepared: list[Any]) -> list[int]:
    suite_ids = list(
        conn.execute(
            task_suites.insert().returning(task_suites.c.id, sort_by_parameter_order=True),
            [s for s, _ in prepared],
        ).scalars()
    )
    rows = [
        {**row, "suite_id": suite_id}
        for suite_id, (_, members) in zip(suite_ids, prepared, strict=True)
        for row in members
    ]
    conn.execute(tasks.insert(), rows)
    return suite_ids


KIND = batch.Kind(
    operation_type="TASK_SUITE.BATCH_CREATE",
    created_log="TASK_SUITE_CREATE",
    invalid_log="TASK_SUITE_VALIDATE",
    id_key="task_suite_id",
    noun="task suite",
    prepare=_prepare,
    insert=_insert,
    views=_views,
    after=lambda conn, _rows, options, cache: task_service.open_pools_after(conn, cache, options),
)


def create(
    db: Database, requester_id: int, body: Any, options: batch.CreateOptions, *, fee_rate: Any
) -> tuple[int, Any]:
    """Create one task suite or many (see services/batch.py for the contract)."""
    return batch.create(db, requester_id, body, options, KIND, context={"fee_rate": fee_rate})


def _load(conn: Connection, requester_id: int, suite_id: str) -> Any:
    row = conn.execute(
        sa.select(*task_suites.c)
        .join(pools.pools, pools.pools.c.id == task_suites.c.pool_id)
        .where(task_suites.c.id == parse_id(suite_id), pools.pools.c.requester_id == requester_id)
    ).first()
    if row is None:
        raise NotFound(f"Task suite {suite_id} does not exist")
    return row


def get(db: Database, requester_id: int, suite_id: str) -> dict[str, Any]:
    with db.read() as conn:
        row = _load(conn, requester_id, suite_id)
        return _views(conn, [row.id])[row.id]


SPEC = search.SearchSpec(
    exact={
        "pool_id": (task_suites.c.pool_id, search.id_param("pool_id")),
        "overlap": (task_suites.c.overlap, search.int_param("overlap")),
    },
    id_ranges={"id": task_suites.c.id},
    time_ranges={"created": task_suites.c.created},
    int_ranges={"overlap": task_suites.c.overlap},
    sort={"id": task_suites.c.id, "created": task_suites.c.created},
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    query = (
        sa.select(*task_suites.c)
        .join(pools.pools, pools.pools.c.id == task_suites.c.pool_id)
        .where(pools.pools.c.requester_id == requester_id)
    )
    if params.get("task_id"):
        holder = sa.select(tasks.c.suite_id).where(tasks.c.id == (parse_id(params["task_id"]) or -1))
        query = query.where(task_suites.c.id.in_(holder))
    with db.read() as conn:
        query, limit = search.apply(query, SPEC, params)
        rows = conn.execute(query).all()
        views = _views(conn, [r.id for r in rows[:limit]])
        return {"items": [views[r.id] for r in rows[:limit]], "has_more": len(rows) > limit}


def patch(
    db: Database,
    requester_id: int,
    suite_id: str,
    body: Any,
    *,
    or_min: bool = False,
    open_pool: bool = False,
    fee_rate: Any = None,
) -> dict[str, Any]:
    """Change a suite's overlap or issuing order; ``or_min`` clamps the overlap to what is already issued."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    with db.write() as conn:
        row = _load(conn, requester_id, suite_id)
        values: dict[str, Any] = {}
        if body.get("infinite_overlap") is True:
            values.update(overlap=None, infinite_overlap=True, available=True)
        elif "overlap" in body:
            overlap = body["overlap"]
            if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
                raise field_error("overlap", "VALUE_OUT_OF_BOUNDS", "overlap must be a non-negative integer")
            if overlap < row.live_count:
                if not or_min:
                    raise field_error(
                        "overlap",
                        "VALUE_LESS_THAN_MIN",
                        f"{row.live_count} assignment(s) already hold this suite",
                    )
                overlap = row.live_count
            values.update(overlap=overlap, infinite_overlap=False, available=row.live_count < overlap)
        if "issuing_order_override" in body and not or_min:
            order = body["issuing_order_override"]
            if isinstance(order, bool) or not isinstance(order, int | float):
                raise field_error(
                    "issuing_order_override", "FLOAT_EXPECTED", "issuing_order_override must be a number"
                )
            values["issuing_order"] = float(order)
        if values:
            conn.execute(task_suites.update().where(task_suites.c.id == row.id).values(**values))
            if "overlap" in values or "infinite_overlap" in values:
                conn.execute(
                    tasks.update()
                    .where(tasks.c.suite_id == row.id)
                    .values(
                        overlap=values.get("overlap"), infinite_overlap=values.get("infinite_overlap", False)
                    )
                )
        if open_pool:
            pool = pools.load(conn, requester_id, row.pool_id)
            if pool.status != "OPEN":
                pools.ensure_openable(conn, pool, fee_rate)
                pools.mark_open(conn, pool.id)
        return _views(conn, [row.id])[row.id]
