"""Aggregation as the API offers it: ``aggregate_solutions_by_pool`` (an operation that runs in the
background), ``aggregate_solutions_by_task`` (immediate) and the stored results.

Answers are read from the database in chunks into integer codes (12 bytes per answer), so a pool of
ten million answers fits in memory; answers to control tasks take part with their known labels (they
calibrate worker skills in Dawid-Skene) but get no result of their own.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.aggregation import CATEGORICAL_METHODS, TOLOKA_AGGREGATION_TYPES, AnswerEncoder, create
from crowdlab.domain.clock import utcnow
from crowdlab.domain.errors import NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import operations, pools, search, skills
from crowdlab.services.projects import task_spec_of
from crowdlab.storage.db import Database
from crowdlab.storage.tables import (
    aggregated_solutions,
    assignment_tasks,
    assignments,
    tasks,
    user_skills,
)
from crowdlab.storage.tables import operations as operations_table

log = logging.getLogger("crowdlab.aggregation")
CHUNK = 50_000
COUNTED = ("SUBMITTED", "ACCEPTED")


def _method_name(body: dict[str, Any]) -> str:
    if body.get("method") is not None:  # crowdlab extension: any categorical method by name
        if body["method"] not in CATEGORICAL_METHODS:
            raise field_error(
                "method", "UNKNOWN_ENUM_VALUE", f"method must be one of {', '.join(CATEGORICAL_METHODS)}"
            )
        return str(body["method"])
    kind = body.get("type")
    if kind not in TOLOKA_AGGREGATION_TYPES:
        raise field_error(
            "type", "UNKNOWN_ENUM_VALUE", f"type must be one of {', '.join(TOLOKA_AGGREGATION_TYPES)}"
        )
    return TOLOKA_AGGREGATION_TYPES[kind]


def _request(conn: Connection, requester_id: int, body: Any) -> dict[str, Any]:
    """Check an aggregation request; returns the normalised parameters."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    method = _method_name(body)
    try:
        pool = pools.load(conn, requester_id, str(body.get("pool_id")))
    except NotFound:
        raise field_error(
            "pool_id", "ENTITY_DOES_NOT_EXIST", f"Pool {body.get('pool_id')} does not exist"
        ) from None
    output_spec = task_spec_of(conn, pool.project_id).get("output_spec") or {}
    fields = body.get("fields") or [{"name": name} for name in output_spec]
    names = [f.get("name") if isinstance(f, dict) else None for f in fields]
    errors = {
        f"fields.{i}.name": FieldError("VALUE_NOT_ALLOWED", f"{n!r} is not an output field")
        for i, n in enumerate(names)
        if n not in output_spec
    }
    if not names:
        errors["fields"] = FieldError("VALUE_REQUIRED", "Name at least one output field to aggregate")
    skill_id = body.get("answer_weight_skill_id")
    if skill_id is not None:
        try:
            skill_id = format_id(skills.load(conn, requester_id, skill_id).id)
        except NotFound:
            errors["answer_weight_skill_id"] = FieldError(
                "ENTITY_DOES_NOT_EXIST", f"Skill {skill_id} does not exist"
            )
    if errors:
        raise ValidationFailed(errors)
    return {
        "pool_id": format_id(pool.id),
        "method": method,
        "fields": names,
        "answer_weight_skill_id": skill_id,
        "type": body.get("type"),
        # crowdlab extension: leave out the answers of workers banned from the pool now
        "exclude_banned": body.get("exclude_banned") is True,
    }


def _label(values: dict[str, Any], fields: list[str]) -> str | None:
    chosen = {f: values.get(f) for f in fields}
    if any(v is None for v in chosen.values()):
        return None
    return json.dumps(chosen, sort_keys=True, separators=(",", ":"))


def _banned(conn: Connection, pool_id: int) -> set[int]:
    """Workers who answered in the pool and are banned from it now."""
    from crowdlab.services.issuing import active_restriction  # late: issuing is a heavier import

    pool = conn.execute(sa.select(pools.pools).where(pools.pools.c.id == pool_id)).one()
    workers = conn.execute(
        sa.select(sa.distinct(assignments.c.worker_id)).where(assignments.c.pool_id == pool_id)
    ).scalars()
    return {w for w in workers if active_restriction(conn, w, pool) is not None}


def _gather(
    conn: Connection,
    pool_id: int,
    fields: list[str],
    task_id: int | None = None,
    *,
    exclude_banned: bool = False,
) -> tuple[Any, dict[int, str]]:
    """Stream the pool's answers into an encoder; returns it with the known labels of control tasks."""
    banned = _banned(conn, pool_id) if exclude_banned else set()
    encoder = AnswerEncoder()
    gold: dict[int, str] = {}
    query = (
        sa.select(
            assignment_tasks.c.task_id,
            assignment_tasks.c.worker_id,
            assignment_tasks.c.position,
            assignments.c.solutions,
            tasks.c.kind,
            tasks.c.known_solutions,
        )
        .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
        .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
        .where(assignment_tasks.c.pool_id == pool_id, assignments.c.status.in_(COUNTED))
        .order_by(assignment_tasks.c.assignment_id, assignment_tasks.c.position)
    )
    if task_id is not None:
        query = query.where(assignment_tasks.c.task_id == task_id)
    columns: tuple[list[int], list[int], list[str]] = ([], [], [])
    for row in conn.execution_options(yield_per=CHUNK).execute(query):
        label = _label(row.solutions[row.position]["output_values"], fields)
        if label is None or row.worker_id in banned:
            continue
        if row.kind != "general" and row.known_solutions:
            known = _label(row.known_solutions[0].get("output_values") or {}, fields)
            if known is not None:
                gold[row.task_id] = known
        columns[0].append(row.task_id)
        columns[1].append(row.worker_id)
        columns[2].append(label)
        if len(columns[0]) >= CHUNK:
            encoder.add(*columns)
            columns = ([], [], [])
    if columns[0]:
        encoder.add(*columns)
    return encoder, gold


def _weights(conn: Connection, skill_id: str | None) -> dict[int, float]:
    if skill_id is None:
        return {}
    rows = conn.execute(
        sa.select(user_skills.c.worker_id, user_skills.c.exact_value).where(
            user_skills.c.skill_id == parse_id(skill_id), user_skills.c.deleted.is_(None)
        )
    ).all()
    return {r.worker_id: max(r.exact_value, 0.0) / 100 for r in rows}


def compute(
    conn: Connection, params: dict[str, Any], *, task_id: int | None = None, progress: Any = None
) -> list[tuple[int, dict[str, Any], float]]:
    """Aggregate; returns (task id, output values, confidence) for every real task with answers."""
    encoder, gold = _gather(
        conn,
        parse_id(params["pool_id"]) or -1,
        params["fields"],
        task_id,
        exclude_banned=bool(params.get("exclude_banned")),
    )
    try:
        encoding = encoder.finish()
    except ValueError:
        return []  # no answers yet
    settings: dict[str, Any] = {}
    model = create(params["method"], **settings)
    fit_kwargs: dict[str, Any] = {}
    weights = _weights(conn, params.get("answer_weight_skill_id"))
    if weights and params["method"] == "majority_vote":
        fit_kwargs["skills"] = encoding.skills(weights)
        model = create("majority_vote", on_missing_skill="value", default_skill=0.0)
    known = encoding.true_labels(gold) if gold else None
    fitted = _fit(model, encoding.answers, known, fit_kwargs, progress)
    labels = encoding.decode_labels(fitted.labels_)
    confidences = np.asarray(fitted.confidences_)
    results = []
    for position, task in enumerate(encoding.task_ids.tolist()):
        if task in gold:
            continue
        results.append((int(task), json.loads(labels[position]), float(confidences[position])))
    return results


def _fit(model: Any, answers: Any, known: Any, kwargs: dict[str, Any], progress: Any) -> Any:
    import inspect

    accepted = inspect.signature(model.fit).parameters
    if known is not None and "true_labels" in accepted:
        kwargs["true_labels"] = known
    if progress is not None and "progress" in accepted:
        kwargs["progress"] = progress
    return model.fit(answers, **kwargs)


def start_pool_run(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """Queue a SOLUTION.AGGREGATE operation for a pool (the runner completes it)."""
    with db.write() as conn:
        params = _request(conn, requester_id, body)
        return operations.record(conn, requester_id, "SOLUTION.AGGREGATE", params, status="PENDING")


def run_operation(db: Database, op_id: str) -> None:
    """Execute a pending SOLUTION.AGGREGATE operation; idempotent (results are replaced), marks FAIL on error."""
    with db.write() as conn:
        claimed = conn.execute(
            operations_table.update()
            .where(operations_table.c.id == op_id, operations_table.c.status.in_(["PENDING", "RUNNING"]))
            .values(status="RUNNING", started=utcnow())
        )
        if claimed.rowcount != 1:
            return
        params = conn.execute(
            sa.select(operations_table.c.parameters).where(operations_table.c.id == op_id)
        ).scalar_one()

    def progress(fraction: float) -> None:
        with db.write() as progress_conn:
            progress_conn.execute(
                operations_table.update()
                .where(operations_table.c.id == op_id)
                .values(progress=int(min(99, 100 * fraction)))
            )

    try:
        with db.read() as conn:
            results = compute(conn, params, progress=progress)
        with db.write() as conn:
            conn.execute(aggregated_solutions.delete().where(aggregated_solutions.c.operation_id == op_id))
            rows = [
                {
                    "operation_id": op_id,
                    "task_id": task,
                    "pool_id": parse_id(params["pool_id"]),
                    "output_values": values,
                    "confidence": confidence,
                }
                for task, values, confidence in results
            ]
            for start in range(0, len(rows), CHUNK):
                conn.execute(aggregated_solutions.insert(), rows[start : start + CHUNK])
            conn.execute(
                operations_table.update()
                .where(operations_table.c.id == op_id)
                .values(status="SUCCESS", progress=100, finished=utcnow(), details={"tasks": len(rows)})
            )
    except Exception as exc:  # the operation must end, whatever went wrong
        log.exception("aggregation %s failed", op_id)
        with db.write() as conn:
            conn.execute(
                operations_table.update()
                .where(operations_table.c.id == op_id)
                .values(
                    status="FAIL",
                    finished=utcnow(),
                    details={"code": "OPERATION_EXECUTION_ERROR", "message": str(exc)[:500]},
                )
            )


def aggregate_task(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """``aggregate_solutions_by_task``: the aggregated answer of one task, at once."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    with db.read() as conn:
        params = _request(conn, requester_id, body)
        task_id = parse_id(str(body.get("task_id")))
        task = conn.execute(sa.select(tasks.c.pool_id).where(tasks.c.id == task_id)).first()
        if task is None or format_id(task.pool_id) != params["pool_id"]:
            raise field_error(
                "task_id",
                "ENTITY_DOES_NOT_EXIST",
                f"Task {body.get('task_id')} is not in pool {params['pool_id']}",
            )
        results = compute(conn, params, task_id=task_id)
    if not results:
        raise NotFound(f"Task {body.get('task_id')} has no answers to aggregate")
    answered, values, confidence = results[0]
    return {
        "pool_id": params["pool_id"],
        "task_id": format_id(answered),
        "confidence": confidence,
        "output_values": values,
    }


def _view(row: Any) -> dict[str, Any]:
    return {
        "pool_id": format_id(row.pool_id),
        "task_id": format_id(row.task_id),
        "confidence": row.confidence,
        "output_values": row.output_values,
    }


SPEC = search.SearchSpec(
    id_ranges={"task_id": aggregated_solutions.c.task_id}, sort={"task_id": aggregated_solutions.c.task_id}
)


def find(db: Database, requester_id: int, op_id: str, params: dict[str, str]) -> dict[str, Any]:
    """Results of a finished aggregation, paged by task id."""
    operations.get(db, requester_id, op_id)  # ownership
    with db.read() as conn:
        query = sa.select(aggregated_solutions).where(aggregated_solutions.c.operation_id == op_id)
        return search.run(conn, query, SPEC, params, _view)


def result_rows(db: Database, requester_id: int, op_id: str) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """(input spec, output spec, streamed rows for files.results_out.write_aggregated) of a finished run."""
    operation = operations.get(db, requester_id, op_id)
    if operation["type"] != "SOLUTION.AGGREGATE" or operation["status"] != "SUCCESS":
        raise NotFound(f"Aggregation {op_id} has no results (status {operation['status']})")
    with db.read() as conn:
        pool = pools.load(conn, requester_id, operation["parameters"]["pool_id"])
        spec = task_spec_of(conn, pool.project_id)

    def rows() -> Any:
        with db.read() as conn:
            query = (
                sa.select(aggregated_solutions, tasks.c.input_values)
                .join(tasks, tasks.c.id == aggregated_solutions.c.task_id)
                .where(aggregated_solutions.c.operation_id == op_id)
                .order_by(aggregated_solutions.c.task_id)
            )
            for row in conn.execution_options(yield_per=CHUNK).execute(query):
                yield {
                    "task_id": format_id(row.task_id),
                    "input_values": row.input_values,
                    "output_values": row.output_values,
                    "confidence": row.confidence,
                }

    return spec.get("input_spec") or {}, spec.get("output_spec") or {}, rows()


def pending(db: Database, older_than_seconds: float = 0) -> list[str]:
    """Aggregation operations waiting for the runner (or abandoned RUNNING by a crashed process)."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(operations_table.c.id).where(
                    operations_table.c.type == "SOLUTION.AGGREGATE",
                    sa.or_(
                        sa.and_(
                            operations_table.c.status == "PENDING", operations_table.c.submitted <= cutoff
                        ),
                        sa.and_(
                            operations_table.c.status == "RUNNING",
                            operations_table.c.started <= utcnow() - timedelta(minutes=10),
                        ),
                    ),
                )
            ).scalars()
        )
