"""Tasks: batch creation (sync and async, idempotent by operation_id), reading, searching, patching."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import CrowdlabError, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError, validate_values
from crowdlab.services import batch, pools, search
from crowdlab.services.projects import task_spec_of
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignment_tasks, tasks

EXTRA_FIELDS = (
    "baseline_solutions",
    "reserved_for",
    "unavailable_for",
    "traits_all_of",
    "traits_any_of",
    "traits_none_of_any",
    "latitude",
    "longitude",
)


CreateOptions = batch.CreateOptions


def view(row: Any) -> dict[str, Any]:
    """The Task object as the requester sees it (known solutions included: they are the requester's)."""
    out: dict[str, Any] = {
        "id": format_id(row.id),
        "pool_id": format_id(row.pool_id),
        "input_values": row.input_values,
        "created": format_dt(row.created),
    }
    if row.infinite_overlap:
        out["infinite_overlap"] = True
    elif row.overlap is not None:
        out["overlap"] = row.overlap
        out["infinite_overlap"] = False
        out["remaining_overlap"] = max(0, row.overlap - row.live_count)
    if row.known_solutions:
        out["known_solutions"] = row.known_solutions
    if row.hint:
        out["message_on_unknown_solution"] = row.hint
    out.update(row.extra or {})
    return out


@dataclass
class PoolInfo:
    row: Any
    input_spec: dict[str, Any]
    output_spec: dict[str, Any]


def pool_info(conn: Connection, requester_id: int, pool_id: str) -> PoolInfo:
    """A pool of this requester with its project's input and output specs (NotFound otherwise)."""
    row = pools.load(conn, requester_id, pool_id)
    spec = task_spec_of(conn, row.project_id)
    return PoolInfo(row, spec.get("input_spec") or {}, spec.get("output_spec") or {})


def _pool_info(
    conn: Connection, requester_id: int, pool_id: Any, cache: dict[Any, PoolInfo | None]
) -> PoolInfo | None:
    key = str(pool_id)
    if key not in cache:
        try:
            cache[key] = pool_info(conn, requester_id, key)
        except NotFound:
            cache[key] = None
    return cache[key]


def _known_solutions(
    value: Any, output_spec: dict[str, Any]
) -> tuple[list[dict[str, Any]] | None, dict[str, FieldError]]:
    if value is None:
        return None, {}
    if not isinstance(value, list):
        return None, {"known_solutions": FieldError("ARRAY_EXPECTED", "known_solutions must be a list")}
    clean = []
    for i, solution in enumerate(value):
        path = f"known_solutions.{i}"
        if not isinstance(solution, dict) or not isinstance(solution.get("output_values"), dict):
            return None, {
                f"{path}.output_values": FieldError(
                    "OBJECT_EXPECTED", "Each known solution needs output_values"
                )
            }
        partial = {k: v for k, v in output_spec.items() if k in solution["output_values"]}
        errors = validate_values(partial, solution["output_values"], f"{path}.output_values")
        if errors:
            return None, errors
        weight = solution.get("correctness_weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            return None, {
                f"{path}.correctness_weight": FieldError("VALUE_OUT_OF_BOUNDS", "correctness_weight is 0..1")
            }
        clean.append({"output_values": solution["output_values"], "correctness_weight": weight})
    return clean, {}


def _overlap(
    item: dict[str, Any], pool_doc: dict[str, Any], allow_defaults: bool, default: Any = None
) -> tuple[int | None, bool, dict[str, FieldError]]:
    if item.get("infinite_overlap") is True:
        return None, True, {}
    overlap = item.get("overlap")
    if overlap is None:
        if default is None:
            default = (pool_doc.get("defaults") or {}).get("default_overlap_for_new_tasks")
        if default is not None:
            overlap = default
        elif allow_defaults:
            overlap = 1
        else:
            return (
                None,
                False,
                {
                    "overlap": FieldError(
                        "VALUE_REQUIRED", "overlap is required (or pass allow_defaults=true)"
                    )
                },
            )
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap <= 100_000:
        return (
            None,
            False,
            {"overlap": FieldError("VALUE_OUT_OF_BOUNDS", "overlap must be an integer from 0 to 100000")},
        )
    return overlap, False, {}


def pool_of_item(
    conn: Connection, item: dict[str, Any], cache: dict[str, Any], noun: str
) -> tuple[PoolInfo | None, dict[str, FieldError]]:
    """The requester's open-for-tasks pool an item names in ``pool_id``, or the error about it."""
    if item.get("pool_id") is None:
        return None, {"pool_id": FieldError("VALUE_REQUIRED", f"A {noun} needs a pool_id")}
    info = _pool_info(conn, cache["requester_id"], item["pool_id"], cache)
    if info is None:
        return None, {
            "pool_id": FieldError("ENTITY_DOES_NOT_EXIST", f"Pool {item['pool_id']} does not exist")
        }
    if info.row.status == "ARCHIVED":
        return None, {"pool_id": FieldError("INVALID_VALUE", f"Pool {item['pool_id']} is archived")}
    return info, {}


def _prepare(
    conn: Connection, item: dict[str, Any], options: batch.CreateOptions, cache: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, FieldError]]:
    """Turn one submitted task into a row to insert, or the per-field errors that refuse it."""
    info, problem = pool_of_item(conn, item, cache, "task")
    if info is None:
        return None, problem
    row, errors = task_row(item, info, options.allow_defaults)
    if row is not None:
        row["pool_id"] = info.row.id
    return row, errors


def task_row(
    item: dict[str, Any], info: PoolInfo, allow_defaults: bool, *, default_overlap: Any = None
) -> tuple[dict[str, Any] | None, dict[str, FieldError]]:
    """Check one task's values against the pool's project and build its row (without pool_id)."""
    errors = validate_values(info.input_spec, item.get("input_values"), "input_values")
    known, known_errors = _known_solutions(item.get("known_solutions"), info.output_spec)
    errors.update(known_errors)
    hint = item.get("message_on_unknown_solution")
    if hint is not None and not isinstance(hint, str):
        errors["message_on_unknown_solution"] = FieldError("STRING_EXPECTED", "The hint must be text")
    overlap, infinite, overlap_errors = _overlap(item, info.row.doc, allow_defaults, default_overlap)
    errors.update(overlap_errors)
    if errors:
        return None, errors
    if info.row.type == "TRAINING":
        kind = "training" if known else "general"
    else:
        kind = ("training" if hint else "golden") if known else "general"
    extra = {k: item[k] for k in EXTRA_FIELDS if item.get(k) is not None}
    return {
        "kind": kind,
        "input_values": item["input_values"],
        "known_solutions": known,
        "hint": hint,
        "overlap": overlap,
        "infinite_overlap": infinite,
        "available": kind != "general" or infinite or bool(overlap),
        "extra": extra,
        "created": utcnow(),
    }, {}


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    return list(
        conn.execute(tasks.insert().returning(tasks.c.id, sort_by_parameter_order=True), rows).scalars().all()
    )


def _views(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {r.id: view(r) for r in conn.execute(sa.select(tasks).where(tasks.c.id.in_(ids))).all()}


def open_pools_after(
    conn: Connection, cache: dict[str, Any], options: batch.CreateOptions
) -> list[dict[str, Any]]:
    """Open the pools that received new objects when ``open_pool=true``; one POOL_OPEN log item each."""
    if not options.open_pool:
        return []
    log: list[dict[str, Any]] = []
    for info in {id(v): v for k, v in cache.items() if isinstance(v, PoolInfo)}.values():
        entry: dict[str, Any] = {"type": "POOL_OPEN", "input": {"pool_id": format_id(info.row.id)}}
        try:
            if info.row.status != "OPEN":
                pools.ensure_openable(conn, info.row, cache["fee_rate"])
                pools.mark_open(conn, info.row.id)
            log.append({**entry, "success": True, "output": {}})
        except CrowdlabError as exc:
            log.append({**entry, "success": False, "output": {"code": exc.code, "message": exc.message}})
    return log


KIND = batch.Kind(
    operation_type="TASK.BATCH_CREATE",
    created_log="TASK_CREATE",
    invalid_log="TASK_VALIDATE",
    id_key="task_id",
    noun="task",
    prepare=_prepare,
    insert=_insert,
    views=_views,
    after=lambda conn, _rows, options, cache: open_pools_after(conn, cache, options),
)


def create(
    db: Database, requester_id: int, body: Any, options: batch.CreateOptions, *, fee_rate: Any
) -> tuple[int, Any]:
    """Create one task or many (see services/batch.py for the contract)."""
    return batch.create(db, requester_id, body, options, KIND, context={"fee_rate": fee_rate})


def load(conn: Connection, requester_id: int, task_id: str) -> Any:
    number = parse_id(task_id)
    row = conn.execute(
        sa.select(tasks)
        .join(pools.pools, pools.pools.c.id == tasks.c.pool_id)
        .where(tasks.c.id == number, pools.pools.c.requester_id == requester_id)
        .with_only_columns(*tasks.c)
    ).first()
    if row is None:
        raise NotFound(f"Task {task_id} does not exist")
    return row


def get(db: Database, requester_id: int, task_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(load(conn, requester_id, task_id))


SPEC = search.SearchSpec(
    exact={
        "pool_id": (tasks.c.pool_id, search.id_param("pool_id")),
        "overlap": (tasks.c.overlap, search.int_param("overlap")),
    },
    id_ranges={"id": tasks.c.id},
    time_ranges={"created": tasks.c.created},
    int_ranges={"overlap": tasks.c.overlap},
    sort={"id": tasks.c.id, "created": tasks.c.created},
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    with db.read() as conn:
        query = (
            sa.select(*tasks.c)
            .join(pools.pools, pools.pools.c.id == tasks.c.pool_id)
            .where(pools.pools.c.requester_id == requester_id)
        )
        return search.run(conn, query, SPEC, params, view)


def _kind_after_patch(row: Any, values: dict[str, Any], pool_type: str) -> str:
    """general / golden / training after a patch of known solutions or hint (the creation rule)."""
    known = values.get("known_solutions", row.known_solutions)
    hint = values.get("hint", row.hint)
    if not known:
        return "general"
    if pool_type == "TRAINING":
        return "training"
    return "training" if hint else "golden"


def patch(
    db: Database, requester_id: int, task_id: str, body: Any, *, or_min: bool = False
) -> dict[str, Any]:
    """Change a task's overlap, known solutions or hint. ``or_min``: set overlap to the value given or,
    when more assignments already hold the task, to that number (i.e. stop issuing it)."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    with db.write() as conn:
        row = load(conn, requester_id, task_id)
        values: dict[str, Any] = {}
        if body.get("infinite_overlap") is True:
            values.update(overlap=None, infinite_overlap=True)
        elif "overlap" in body:
            overlap = body["overlap"]
            if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
                raise field_error("overlap", "VALUE_OUT_OF_BOUNDS", "overlap must be a non-negative integer")
            if row.kind == "general" and overlap < row.live_count:
                if not or_min:
                    raise field_error(
                        "overlap",
                        "VALUE_LESS_THAN_MIN",
                        f"{row.live_count} assignment(s) already hold this task; overlap cannot be lower",
                    )
                overlap = row.live_count
            values.update(overlap=overlap, infinite_overlap=False)
        if not or_min:
            if "known_solutions" in body:
                pool_info = _pool_info(conn, requester_id, format_id(row.pool_id), {})
                assert pool_info is not None
                known, errors = _known_solutions(body["known_solutions"], pool_info.output_spec)
                if errors:
                    raise ValidationFailed(errors)
                values["known_solutions"] = known
            if "message_on_unknown_solution" in body:
                values["hint"] = body["message_on_unknown_solution"]
            pool_type = conn.execute(
                sa.select(pools.pools.c.type).where(pools.pools.c.id == row.pool_id)
            ).scalar_one()
            kind = _kind_after_patch(row, values, pool_type)
            if kind != row.kind:
                issued = conn.execute(
                    sa.select(assignment_tasks.c.task_id).where(assignment_tasks.c.task_id == row.id).limit(1)
                ).first()
                if issued is not None:
                    raise field_error(
                        "known_solutions",
                        "VALUE_NOT_ALLOWED",
                        "The task was already given to workers; its kind cannot change",
                    )
                values["kind"] = kind
                values["available"] = kind != "general" or row.infinite_overlap or bool(row.overlap)
            if "baseline_solutions" in body:
                values["extra"] = {**(row.extra or {}), "baseline_solutions": body["baseline_solutions"]}
        if "overlap" in values or "infinite_overlap" in values:
            overlap = values.get("overlap", row.overlap)
            infinite = values.get("infinite_overlap", row.infinite_overlap)
            values["available"] = (
                row.kind != "general" or infinite or (overlap is not None and row.live_count < overlap)
            )
        if values:
            conn.execute(tasks.update().where(tasks.c.id == row.id).values(**values))
        return view(conn.execute(sa.select(tasks).where(tasks.c.id == row.id)).one())
