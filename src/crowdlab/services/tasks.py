"""Tasks: batch creation (sync and async, idempotent by operation_id), reading, searching, patching."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import Conflict, CrowdlabError, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError, validate_values
from crowdlab.services import operations, pools, search
from crowdlab.storage.db import Database
from crowdlab.storage.tables import operation_log, projects, tasks

MAX_BATCH = 100_000
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


@dataclass(frozen=True)
class CreateOptions:
    operation_id: str | None = None
    async_mode: bool = False
    allow_defaults: bool = False
    open_pool: bool = False
    skip_invalid_items: bool = False


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
class _PoolInfo:
    row: Any
    input_spec: dict[str, Any]
    output_spec: dict[str, Any]


def _pool_info(
    conn: Connection, requester_id: int, pool_id: Any, cache: dict[Any, _PoolInfo | None]
) -> _PoolInfo | None:
    key = str(pool_id)
    if key not in cache:
        try:
            row = pools.load(conn, requester_id, key)
        except NotFound:
            cache[key] = None
        else:
            doc = conn.execute(sa.select(projects.c.doc).where(projects.c.id == row.project_id)).scalar_one()
            spec = doc.get("task_spec") or {}
            cache[key] = _PoolInfo(row, spec.get("input_spec") or {}, spec.get("output_spec") or {})
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
    item: dict[str, Any], pool_doc: dict[str, Any], allow_defaults: bool
) -> tuple[int | None, bool, dict[str, FieldError]]:
    if item.get("infinite_overlap") is True:
        return None, True, {}
    overlap = item.get("overlap")
    if overlap is None:
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


def _prepare(
    conn: Connection, requester_id: int, item: Any, allow_defaults: bool, cache: dict[Any, _PoolInfo | None]
) -> tuple[dict[str, Any] | None, dict[str, FieldError]]:
    """Turn one submitted task into a row to insert, or the per-field errors that refuse it."""
    if not isinstance(item, dict):
        return None, {"": FieldError("OBJECT_EXPECTED", "A task must be a JSON object")}
    if item.get("pool_id") is None:
        return None, {"pool_id": FieldError("VALUE_REQUIRED", "A task needs a pool_id")}
    info = _pool_info(conn, requester_id, item["pool_id"], cache)
    if info is None:
        return None, {
            "pool_id": FieldError("ENTITY_DOES_NOT_EXIST", f"Pool {item['pool_id']} does not exist")
        }
    if info.row.status == "ARCHIVED":
        return None, {"pool_id": FieldError("INVALID_VALUE", f"Pool {item['pool_id']} is archived")}
    errors = validate_values(info.input_spec, item.get("input_values"), "input_values")
    known, known_errors = _known_solutions(item.get("known_solutions"), info.output_spec)
    errors.update(known_errors)
    hint = item.get("message_on_unknown_solution")
    if hint is not None and not isinstance(hint, str):
        errors["message_on_unknown_solution"] = FieldError("STRING_EXPECTED", "The hint must be text")
    overlap, infinite, overlap_errors = _overlap(item, info.row.doc, allow_defaults)
    errors.update(overlap_errors)
    if errors:
        return None, errors
    if info.row.type == "TRAINING":
        kind = "training" if known else "general"
    else:
        kind = ("training" if hint else "golden") if known else "general"
    extra = {k: item[k] for k in EXTRA_FIELDS if item.get(k) is not None}
    return {
        "pool_id": info.row.id,
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


def create(
    db: Database, requester_id: int, body: Any, options: CreateOptions, *, fee_rate: Any
) -> tuple[int, Any]:
    """Create one task (object body) or many (list body). Returns (HTTP status, response body).

    Async mode answers with a TASK.BATCH_CREATE operation whose log lists each item; sync mode with
    the task or a batch result. With skip_invalid_items=false one invalid item refuses all. A repeated
    operation_id creates nothing: async answers 409 OPERATION_ALREADY_EXISTS, sync repeats the result.
    """
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list):
        raise field_error("", "ARRAY_EXPECTED", "The body must be a task object or a list of tasks")
    if len(items) > MAX_BATCH:
        raise field_error("", "ARRAY_SIZE_GREATER_THAN_MAX", f"At most {MAX_BATCH} tasks per request")
    op_id = options.operation_id
    try:
        with db.write() as conn:
            if op_id and operations.exists(conn, op_id):
                return _replay(conn, requester_id, op_id, options, single)
            result = _create_in(conn, requester_id, items, options, fee_rate=fee_rate)
    except IntegrityError:
        if op_id:  # a concurrent request with the same operation_id won the race
            raise Conflict(f"Operation {op_id} already exists", code="OPERATION_ALREADY_EXISTS") from None
        raise
    return _respond(result, options, single)


@dataclass
class _Result:
    operation: dict[str, Any]
    created: dict[str, Any]  # idx -> task view
    errors: dict[str, dict[str, Any]]  # idx -> {field: {code, message}}


def _create_in(
    conn: Connection, requester_id: int, items: list[Any], options: CreateOptions, *, fee_rate: Any
) -> _Result:
    cache: dict[Any, _PoolInfo | None] = {}
    rows: list[tuple[str, dict[str, Any]]] = []
    errors: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(items):
        idx = str(item.get("__item_idx", position)) if isinstance(item, dict) else str(position)
        row, problems = _prepare(conn, requester_id, item, options.allow_defaults, cache)
        if problems:
            errors[idx] = {k: v.as_dict() for k, v in problems.items()}
        else:
            assert row is not None
            rows.append((idx, row))
    refuse_all = bool(errors) and not options.skip_invalid_items
    created: dict[str, Any] = {}
    log: list[dict[str, Any]] = []
    if rows and not refuse_all:
        ids = (
            conn.execute(
                tasks.insert().returning(tasks.c.id, sort_by_parameter_order=True), [r for _, r in rows]
            )
            .scalars()
            .all()
        )
        for (idx, _row), task_id in zip(rows, ids, strict=True):
            created[idx] = task_id
    by_idx = {
        str(item.get("__item_idx", i)) if isinstance(item, dict) else str(i): item
        for i, item in enumerate(items)
    }
    for idx, item in by_idx.items():
        echo = item if isinstance(item, dict) else {"value": item}
        if idx in created:
            log.append(
                {
                    "type": "TASK_CREATE",
                    "success": True,
                    "input": echo,
                    "output": {"task_id": format_id(created[idx])},
                }
            )
        else:
            log.append(
                {"type": "TASK_VALIDATE", "success": False, "input": echo, "output": errors.get(idx, {})}
            )
    if options.open_pool and created:
        for info in {id(v): v for v in cache.values() if v is not None}.values():
            entry: dict[str, Any] = {"type": "POOL_OPEN", "input": {"pool_id": format_id(info.row.id)}}
            try:
                if info.row.status != "OPEN":
                    pools.ensure_openable(conn, info.row, fee_rate)
                    conn.execute(
                        pools.pools.update()
                        .where(pools.pools.c.id == info.row.id)
                        .values(status="OPEN", last_started=utcnow())
                    )
                log.append({**entry, "success": True, "output": {}})
            except CrowdlabError as exc:
                log.append({**entry, "success": False, "output": {"code": exc.code, "message": exc.message}})
    status = "FAIL" if (errors and not created) else "SUCCESS"
    parameters = {
        "skip_invalid_items": options.skip_invalid_items,
        "allow_defaults": options.allow_defaults,
        "open_pool": options.open_pool,
    }
    details: dict[str, Any] = {
        "total_count": len(items),
        "valid_count": len(items) - len(errors),
        "not_valid_count": len(errors),
        "success_count": len(created),
        "failed_count": len(items) - len(created),
    }
    if status == "FAIL":
        details.update(
            {
                "code": "VALIDATION_ERROR",
                "message": "No task was created: every task was invalid"
                if not refuse_all or not rows
                else "No task was created: some tasks were invalid and skip_invalid_items is false",
            }
        )
    operation = operations.record(
        conn,
        requester_id,
        "TASK.BATCH_CREATE",
        parameters,
        details=details,
        status=status,
        op_id=options.operation_id,
        log=log,
    )
    views = {}
    if created:
        fetched = {
            r.id: r
            for r in conn.execute(sa.select(tasks).where(tasks.c.id.in_(list(created.values())))).all()
        }
        views = {idx: view(fetched[task_id]) for idx, task_id in created.items()}
    return _Result(operation, views, errors)


def _respond(result: _Result, options: CreateOptions, single: bool) -> tuple[int, Any]:
    if options.async_mode:
        return 202, result.operation
    if result.errors and not result.created:
        if single:
            raise ValidationFailed(next(iter(result.errors.values())))
        raise ValidationFailed(result.errors, message="Validation failed: no task was created")
    if single:
        return 201, next(iter(result.created.values()))
    return 201, {"items": result.created, "validation_errors": result.errors or None}


def _replay(
    conn: Connection, requester_id: int, op_id: str, options: CreateOptions, single: bool
) -> tuple[int, Any]:
    row = conn.execute(sa.select(operations.operations).where(operations.operations.c.id == op_id)).one()
    if row.requester_id != requester_id or row.type != "TASK.BATCH_CREATE" or options.async_mode:
        raise Conflict(f"Operation {op_id} already exists", code="OPERATION_ALREADY_EXISTS")
    log = conn.execute(
        sa.select(operation_log).where(operation_log.c.operation_id == op_id).order_by(operation_log.c.id)
    ).all()
    created: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for i, item in enumerate(log):
        if item.type == "TASK_CREATE":
            idx = str(item.input.get("__item_idx", i))
            task = conn.execute(sa.select(tasks).where(tasks.c.id == parse_id(item.output["task_id"]))).one()
            created[idx] = view(task)
        elif item.type == "TASK_VALIDATE":
            errors[str(item.input.get("__item_idx", i))] = item.output
    return _respond(_Result(operations.view(row), created, errors), options, single)


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
        "overlap": (tasks.c.overlap, lambda s: int(s) if s.lstrip("-").isdigit() else -1),
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
