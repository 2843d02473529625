"""Batch creation with Toloka's contract, shared by tasks, task suites and user bonuses.

One object or a list; sync mode answers with the object or ``{items, validation_errors}``; async
mode with an operation whose log lists every item (echoing its ``__item_idx``) for toloka-kit to
re-read. ``skip_invalid_items=false`` refuses everything when one item is invalid. The operation row
and the objects are written in one transaction keyed by ``operation_id``: a retried request creates
nothing twice (async answers 409 OPERATION_ALREADY_EXISTS, sync repeats the first answer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from crowdlab.domain.errors import Conflict, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import operations
from crowdlab.storage.db import Database
from crowdlab.storage.tables import operation_log

MAX_BATCH = 100_000


@dataclass(frozen=True)
class CreateOptions:
    operation_id: str | None = None
    async_mode: bool = False
    allow_defaults: bool = False
    open_pool: bool = False
    skip_invalid_items: bool = False


@dataclass
class Kind:
    """What differs between the things created in batches."""

    operation_type: str  # TASK.BATCH_CREATE
    created_log: str  # TASK_CREATE
    invalid_log: str  # TASK_VALIDATE
    id_key: str  # task_id
    noun: str  # task
    # (conn, item, options, cache) -> (prepared object, errors)
    prepare: Callable[
        [Connection, dict[str, Any], CreateOptions, dict[str, Any]], tuple[Any, dict[str, FieldError]]
    ]
    # (conn, prepared objects in order) -> new integer ids in the same order
    insert: Callable[[Connection, list[Any]], list[int]]
    # (conn, ids) -> {id: wire view}
    views: Callable[[Connection, list[int]], dict[int, dict[str, Any]]]
    # (conn, prepared objects, options, cache) -> extra log items (e.g. POOL_OPEN), after insertion
    after: Callable[[Connection, list[Any], CreateOptions, dict[str, Any]], list[dict[str, Any]]] | None = (
        None
    )
    parameters: Callable[[CreateOptions], dict[str, Any]] = field(
        default=lambda o: {
            "skip_invalid_items": o.skip_invalid_items,
            "allow_defaults": o.allow_defaults,
            "open_pool": o.open_pool,
        }
    )


@dataclass
class _Result:
    operation: dict[str, Any]
    created: dict[str, Any] = field(default_factory=dict)  # idx -> wire view
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)  # idx -> {path: {code, message}}


def _idx(item: Any, position: int) -> str:
    return str(item.get("__item_idx", position)) if isinstance(item, dict) else str(position)


def create(
    db: Database,
    requester_id: int,
    body: Any,
    options: CreateOptions,
    kind: Kind,
    context: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    """Create one object (object body) or many (list body); returns (HTTP status, response body).

    ``context`` seeds the cache handed to ``kind.prepare`` (it always holds ``requester_id``).
    """
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list):
        raise field_error("", "ARRAY_EXPECTED", f"The body must be a {kind.noun} object or a list of them")
    if len(items) > MAX_BATCH:
        raise field_error("", "ARRAY_SIZE_GREATER_THAN_MAX", f"At most {MAX_BATCH} {kind.noun}s per request")
    op_id = options.operation_id
    try:
        with db.write() as conn:
            if op_id and operations.exists(conn, op_id):
                return _replay(conn, requester_id, op_id, options, single, kind)
            result = _create_in(conn, requester_id, items, options, kind, context or {})
    except IntegrityError:
        if op_id:  # a concurrent request with the same operation_id won the race
            raise Conflict(f"Operation {op_id} already exists", code="OPERATION_ALREADY_EXISTS") from None
        raise
    return _respond(result, options, single, kind)


def _create_in(
    conn: Connection,
    requester_id: int,
    items: list[Any],
    options: CreateOptions,
    kind: Kind,
    context: dict[str, Any],
) -> _Result:
    cache: dict[str, Any] = {**context, "requester_id": requester_id}
    prepared: list[tuple[str, Any]] = []
    errors: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(items):
        idx = _idx(item, position)
        if not isinstance(item, dict):
            errors[idx] = {
                "": FieldError("OBJECT_EXPECTED", f"A {kind.noun} must be a JSON object").as_dict()
            }
            continue
        obj, problems = kind.prepare(conn, item, options, cache)
        if problems:
            errors[idx] = {k: v.as_dict() for k, v in problems.items()}
        else:
            prepared.append((idx, obj))
    refuse_all = bool(errors) and not options.skip_invalid_items
    created_ids: dict[str, int] = {}
    if prepared and not refuse_all:
        ids = kind.insert(conn, [obj for _, obj in prepared])
        created_ids = {idx: new_id for (idx, _), new_id in zip(prepared, ids, strict=True)}
    log: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        idx = _idx(item, position)
        echo = item if isinstance(item, dict) else {"value": item}
        if idx in created_ids:
            output = {kind.id_key: format_id(created_ids[idx])}
            log.append({"type": kind.created_log, "success": True, "input": echo, "output": output})
        else:
            log.append(
                {"type": kind.invalid_log, "success": False, "input": echo, "output": errors.get(idx, {})}
            )
    if created_ids and kind.after:
        log += kind.after(conn, [obj for idx, obj in prepared if idx in created_ids], options, cache)
    failed = bool(errors) and not created_ids
    details: dict[str, Any] = {
        "total_count": len(items),
        "valid_count": len(items) - len(errors),
        "not_valid_count": len(errors),
        "success_count": len(created_ids),
        "failed_count": len(items) - len(created_ids),
    }
    if failed:
        details["code"] = "VALIDATION_ERROR"
        details["message"] = (
            f"No {kind.noun} was created: some were invalid and skip_invalid_items is false"
            if refuse_all and prepared
            else f"No {kind.noun} was created: every {kind.noun} was invalid"
        )
    operation = operations.record(
        conn,
        requester_id,
        kind.operation_type,
        kind.parameters(options),
        details=details,
        status="FAIL" if failed else "SUCCESS",
        op_id=options.operation_id,
        log=log,
    )
    views = kind.views(conn, list(created_ids.values())) if created_ids else {}
    return _Result(operation, {idx: views[new_id] for idx, new_id in created_ids.items()}, errors)


def _respond(result: _Result, options: CreateOptions, single: bool, kind: Kind) -> tuple[int, Any]:
    if options.async_mode:
        return 202, result.operation
    if result.errors and not result.created:
        if single:
            raise ValidationFailed(next(iter(result.errors.values())))
        raise ValidationFailed(result.errors, message=f"Validation failed: no {kind.noun} was created")
    if single:
        return 201, next(iter(result.created.values()))
    return 201, {"items": result.created, "validation_errors": result.errors or None}


def _replay(
    conn: Connection, requester_id: int, op_id: str, options: CreateOptions, single: bool, kind: Kind
) -> tuple[int, Any]:
    row = conn.execute(sa.select(operations.operations).where(operations.operations.c.id == op_id)).one()
    if row.requester_id != requester_id or row.type != kind.operation_type or options.async_mode:
        raise Conflict(f"Operation {op_id} already exists", code="OPERATION_ALREADY_EXISTS")
    log = conn.execute(
        sa.select(operation_log).where(operation_log.c.operation_id == op_id).order_by(operation_log.c.id)
    ).all()
    created_ids: dict[str, int] = {}
    errors: dict[str, Any] = {}
    for position, item in enumerate(log):
        idx = str(item.input.get("__item_idx", position))
        if item.type == kind.created_log:
            created_ids[idx] = parse_id(item.output[kind.id_key]) or -1
        elif item.type == kind.invalid_log:
            errors[idx] = item.output
    views = kind.views(conn, list(created_ids.values())) if created_ids else {}
    created = {idx: views[i] for idx, i in created_ids.items() if i in views}
    return _respond(_Result(operations.view(row), created, errors), options, single, kind)
