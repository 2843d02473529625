"""Issuing task suites to workers, and the life of an assignment on the worker's side.

The claim is one short write transaction:
1. lock the worker's row (one take at a time per worker),
2. pick available tasks the worker has never had (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
   serialises writers with ``BEGIN IMMEDIATE``),
3. raise their live counts with a conditional UPDATE that a CHECK constraint backs up,
4. reserve reward + fee on the requester's balance,
5. insert the assignment and its (task, worker) rows under a UNIQUE(task_id, worker_id) constraint.
So a task is never issued beyond its overlap and never twice to one worker, whatever interleaves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from crowdlab.domain import filters
from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.money import as_json_number, fee_for
from crowdlab.domain.pool_config import mixer_of
from crowdlab.domain.profile import filter_attributes
from crowdlab.domain.specs import FieldError, validate_values
from crowdlab.services import appeals, events, ledger, quality
from crowdlab.services import pools as pool_service
from crowdlab.services.accounts import Worker
from crowdlab.services.projects import task_spec_of
from crowdlab.storage.db import Database, inserted_id, retry_transient
from crowdlab.storage.tables import (
    assignment_tasks,
    assignments,
    pools,
    projects,
    requesters,
    skills,
    task_suites,
    tasks,
    user_restrictions,
    user_skills,
    workers,
)

_rng = random.SystemRandom()
LIVE = ("ACTIVE", "SUBMITTED", "ACCEPTED")


@dataclass(frozen=True)
class Engine:
    """What the issuing rules need from settings."""

    fee_rate: Decimal


class _OutOfMoney(Exception):
    def __init__(self, pool_id: int):
        self.pool_id = pool_id


# ---------------------------------------------------------------------------------------------
# Eligibility


def worker_skills(conn: Connection, worker_id: int, requester_id: int) -> dict[str, float]:
    """The worker's current skill values among one requester's skills, keyed by wire skill id."""
    rows = conn.execute(
        sa.select(user_skills.c.skill_id, user_skills.c.exact_value)
        .join(skills, skills.c.id == user_skills.c.skill_id)
        .where(
            user_skills.c.worker_id == worker_id,
            skills.c.requester_id == requester_id,
            user_skills.c.deleted.is_(None),
        )
        .order_by(user_skills.c.modified)
    ).all()
    return {format_id(r.skill_id): r.exact_value for r in rows}


def active_restriction(conn: Connection, worker_id: int, pool: Any) -> Any:
    """The restriction that keeps this worker out of this pool now, if any (latest expiry first)."""
    now = utcnow()
    return conn.execute(
        sa.select(user_restrictions)
        .where(
            user_restrictions.c.worker_id == worker_id,
            user_restrictions.c.requester_id == pool.requester_id,
            user_restrictions.c.deleted.is_(None),
            sa.or_(user_restrictions.c.will_expire.is_(None), user_restrictions.c.will_expire > now),
            sa.or_(
                user_restrictions.c.scope == "ALL_PROJECTS",
                sa.and_(
                    user_restrictions.c.scope == "PROJECT", user_restrictions.c.project_id == pool.project_id
                ),
                sa.and_(user_restrictions.c.scope == "POOL", user_restrictions.c.pool_id == pool.id),
            ),
        )
        .order_by(user_restrictions.c.will_expire.desc().nulls_first())
        .limit(1)
    ).first()


def why_not(conn: Connection, worker: Worker, pool: Any) -> str | None:
    """In plain words, why this worker may not take this pool now; None when they may."""
    if pool.status != "OPEN":
        return "This pool is not open."
    restriction = active_restriction(conn, worker.id, pool)
    if restriction is not None:
        if restriction.will_expire is None:
            return "You are blocked from this requester's tasks."
        until = (format_dt(restriction.will_expire) or "")[:16].replace("T", " ")
        return f"You are blocked from these tasks until {until} UTC."
    if pool.doc.get("may_contain_adult_content") and not worker.profile.get("adult_allowed"):
        return "This pool may contain adult content, and your profile does not allow it."
    tree = pool.doc.get("filter")
    if tree and not filters.matches(
        tree, filter_attributes(worker.profile), worker_skills(conn, worker.id, pool.requester_id)
    ):
        return "Your profile does not match the audience this requester asked for."
    requirement = (pool.doc.get("quality_control") or {}).get("training_requirement")
    if requirement:
        reason = quality.training_gap(conn, worker.id, pool, requirement)
        if reason:
            return reason
    return quality.training_done(conn, worker.id, pool)


def pool_card(conn: Connection, pool: Any, reason: str | None) -> dict[str, Any]:
    """What a worker sees of a pool in the marketplace."""
    project = conn.execute(sa.select(projects.c.doc).where(projects.c.id == pool.project_id)).scalar_one()
    requester = conn.execute(
        sa.select(requesters.c.name).where(requesters.c.id == pool.requester_id)
    ).scalar_one()
    mixer = mixer_of(pool.type, pool.doc)
    return {
        "pool_id": format_id(pool.id),
        "type": pool.type,
        "title": project.get("public_name", ""),
        "description": pool.doc.get("public_description") or project.get("public_description", ""),
        "requester": requester,
        "reward": as_json_number(pool.reward_micro),
        "tasks_per_suite": sum(
            mixer.get(k) or 0 for k in ("real_tasks_count", "golden_tasks_count", "training_tasks_count")
        )
        or None,
        "time_limit_seconds": pool.doc.get("assignment_max_duration_seconds"),
        "available": reason is None,
        "reason": reason,
    }


def marketplace(db: Database, worker: Worker) -> list[dict[str, Any]]:
    """Open pools with, for each, whether this worker may take it and why not; training pools first."""
    with db.read() as conn:
        rows = conn.execute(sa.select(pools).where(pools.c.status == "OPEN").order_by(pools.c.id)).all()
        cards = [pool_card(conn, row, why_not(conn, worker, row)) for row in rows]
    cards.sort(key=lambda c: (not c["available"], c["type"] != "TRAINING", -(c["reward"] or 0)))
    return cards


# ---------------------------------------------------------------------------------------------
# Taking a suite


@retry_transient
def take(db: Database, engine: Engine, worker: Worker, pool_id: str) -> dict[str, Any]:
    """Give the worker a task suite from the pool (or the one they already hold there)."""
    number = parse_id(pool_id)
    try:
        try:
            with db.write() as conn:
                return _take_in(conn, engine, worker, number, pool_id)
        except IntegrityError:
            # The same worker took a suite of this pool concurrently: hand back that one.
            with db.write() as conn:
                return _take_in(conn, engine, worker, number, pool_id)
    except _OutOfMoney as out:
        with db.write() as conn:
            pool_service.close(conn, out.pool_id, "NOT_ENOUGH_BALANCE")
        raise Conflict(
            "This pool has just run out of budget; please choose another", code="NOT_ENOUGH_BALANCE"
        ) from None


def _take_in(
    conn: Connection, engine: Engine, worker: Worker, number: int | None, pool_id: str
) -> dict[str, Any]:
    pool = conn.execute(sa.select(pools).where(pools.c.id == number)).first()
    if pool is None:
        raise NotFound(f"Pool {pool_id} does not exist")
    expire_overdue(conn, pool_id=pool.id)
    current = conn.execute(
        sa.select(assignments).where(
            assignments.c.worker_id == worker.id,
            assignments.c.pool_id == pool.id,
            assignments.c.status == "ACTIVE",
        )
    ).first()
    if current is not None:
        return worker_view(conn, current)
    reason = why_not(conn, worker, pool)
    if reason:
        raise AccessDenied(reason)
    if quality.captcha_due(conn, worker.id, pool):
        raise Conflict("Please solve a captcha before the next task suite", code="CAPTCHA_REQUIRED")
    if pool_service.suites_exist(conn, pool.id):
        suite_id, task_ids = _claim_suite(conn, pool, worker.id)
    else:
        task_ids = _claim_mixed(conn, pool, worker.id)
        suite_id = None
    if not task_ids:
        raise Conflict("No tasks are left for you in this pool", code="POOL_ASSIGNMENTS_EXHAUSTED")
    fee = fee_for(pool.reward_micro, engine.fee_rate)
    if not ledger.reserve(conn, pool.requester_id, pool.reward_micro + fee):
        raise _OutOfMoney(pool.id)
    now = utcnow()
    if suite_id is None:
        suite_id = inserted_id(
            conn.execute(
                task_suites.insert().values(
                    pool_id=pool.id, mixed=True, overlap=1, live_count=1, extra={}, created=now
                )
            )
        )
    assignment_id = inserted_id(
        conn.execute(
            assignments.insert().values(
                pool_id=pool.id,
                requester_id=pool.requester_id,
                worker_id=worker.id,
                task_suite_id=suite_id,
                status="ACTIVE",
                reward_micro=pool.reward_micro,
                fee_micro=fee,
                expires=now + timedelta(seconds=int(pool.doc.get("assignment_max_duration_seconds") or 3600)),
                mixed=True,
                created=now,
            )
        )
    )
    kinds = dict(conn.execute(sa.select(tasks.c.id, tasks.c.kind).where(tasks.c.id.in_(task_ids))).all())
    conn.execute(
        assignment_tasks.insert(),
        [
            {
                "assignment_id": assignment_id,
                "position": position,
                "task_id": task_id,
                "worker_id": worker.id,
                "pool_id": pool.id,
                "kind": kinds[task_id],
            }
            for position, task_id in enumerate(task_ids)
        ],
    )
    row = conn.execute(sa.select(assignments).where(assignments.c.id == assignment_id)).one()
    events.emit(conn, pool.id, "ASSIGNMENT_CREATED", assignment_id=assignment_id)
    return worker_view(conn, row)


def _unseen(worker_id: int) -> Any:
    seen = sa.select(assignment_tasks.c.task_id).where(
        assignment_tasks.c.task_id == tasks.c.id, assignment_tasks.c.worker_id == worker_id
    )
    return ~sa.exists(seen)


def _claim_mixed(conn: Connection, pool: Any, worker_id: int) -> list[int]:
    """Compose a suite per the pool's mixer: real tasks in issuing order, control/training at random."""
    mixer = mixer_of(pool.type, pool.doc)
    real_count = mixer.get("real_tasks_count") or 0
    postgres = conn.dialect.name == "postgresql"
    real: list[int] = []
    if real_count:
        query = (
            sa.select(tasks.c.id)
            .where(
                tasks.c.pool_id == pool.id, tasks.c.kind == "general", tasks.c.available, _unseen(worker_id)
            )
            .order_by(tasks.c.id)
            .limit(real_count)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True)
        real = list(conn.execute(query).scalars())
        if len(real) < max(1, mixer.get("min_real_tasks_count") or 0):
            return []
        claimed = conn.execute(
            tasks.update()
            .where(
                tasks.c.id.in_(real), sa.or_(tasks.c.infinite_overlap, tasks.c.live_count < tasks.c.overlap)
            )
            .values(
                live_count=tasks.c.live_count + 1,
                available=sa.or_(tasks.c.infinite_overlap, tasks.c.live_count + 1 < tasks.c.overlap),
            )
        )
        if claimed.rowcount != len(real):  # pragma: no cover - guarded by the locks above
            raise Conflict("Tasks were taken concurrently; please retry", code="CONFLICT_STATE", status=409)
    extra: list[int] = []
    for kind, key in (("golden", "golden_tasks_count"), ("training", "training_tasks_count")):
        wanted = mixer.get(key) or 0
        if not wanted:
            continue
        picked = list(
            conn.execute(
                sa.select(tasks.c.id)
                .where(tasks.c.pool_id == pool.id, tasks.c.kind == kind, _unseen(worker_id))
                .order_by(sa.func.random())
                .limit(wanted)
            ).scalars()
        )
        if len(picked) < (mixer.get(f"min_{key}") or 0):
            if real:
                _release_tasks(conn, real, done=False)
            return []
        extra.extend(picked)
    if not real and not extra:
        return []
    suite = real + extra
    if mixer.get("shuffle_tasks_in_task_suite"):
        _rng.shuffle(suite)
    else:
        suite = list(real)
        for task_id in extra:  # control tasks at random places, so they cannot be spotted by position
            suite.insert(_rng.randint(0, len(suite)), task_id)
    return suite


def _claim_suite(conn: Connection, pool: Any, worker_id: int) -> tuple[int | None, list[int]]:
    """Claim one of the requester's own task suites that holds no task the worker has had."""
    seen = (
        sa.select(assignment_tasks.c.task_id)
        .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
        .where(tasks.c.suite_id == task_suites.c.id, assignment_tasks.c.worker_id == worker_id)
    )
    query = (
        sa.select(task_suites.c.id)
        .where(
            task_suites.c.pool_id == pool.id,
            task_suites.c.mixed.is_(False),
            task_suites.c.available,
            ~sa.exists(seen),
        )
        .order_by(task_suites.c.issuing_order, task_suites.c.id)
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    suite_id = conn.execute(query).scalar()
    if suite_id is None:
        return None, []
    conn.execute(
        task_suites.update()
        .where(task_suites.c.id == suite_id)
        .values(
            live_count=task_suites.c.live_count + 1,
            available=sa.or_(
                task_suites.c.infinite_overlap, task_suites.c.live_count + 1 < task_suites.c.overlap
            ),
        )
    )
    task_ids = list(
        conn.execute(sa.select(tasks.c.id).where(tasks.c.suite_id == suite_id).order_by(tasks.c.id)).scalars()
    )
    conn.execute(tasks.update().where(tasks.c.id.in_(task_ids)).values(live_count=tasks.c.live_count + 1))
    return suite_id, task_ids


# ---------------------------------------------------------------------------------------------
# Worker views


def worker_view(conn: Connection, row: Any) -> dict[str, Any]:
    """An assignment as its worker sees it: inputs only, never known solutions or hints."""
    task_rows = conn.execute(
        sa.select(tasks.c.id, tasks.c.input_values)
        .join(assignment_tasks, assignment_tasks.c.task_id == tasks.c.id)
        .where(assignment_tasks.c.assignment_id == row.id)
        .order_by(assignment_tasks.c.position)
    ).all()
    pool = conn.execute(sa.select(pools).where(pools.c.id == row.pool_id)).one()
    project = conn.execute(sa.select(projects.c.doc).where(projects.c.id == pool.project_id)).scalar_one()
    spec = project.get("task_spec") or {}
    out: dict[str, Any] = {
        "id": format_id(row.id),
        "pool_id": format_id(row.pool_id),
        "status": row.status,
        "created": format_dt(row.created),
        "expires": format_dt(row.expires),
        "reward": as_json_number(row.reward_micro),
        "tasks": [{"id": format_id(t.id), "input_values": t.input_values} for t in task_rows],
        "project": {
            "public_name": project.get("public_name"),
            "public_description": pool.doc.get("public_description") or project.get("public_description"),
            "public_instructions": pool.doc.get("public_instructions") or project.get("public_instructions"),
            "input_spec": spec.get("input_spec") or {},
            "output_spec": spec.get("output_spec") or {},
            "view_spec": spec.get("view_spec"),
        },
    }
    if row.status != "ACTIVE":
        out["solutions"] = row.solutions
        out["public_comment"] = row.public_comment
        for key in ("submitted", "accepted", "rejected", "skipped", "expired"):
            if getattr(row, key) is not None:
                out[key] = format_dt(getattr(row, key))
    return out


def _own(conn: Connection, worker: Worker, assignment_id: str, *, lock: bool = False) -> Any:
    query = sa.select(assignments).where(
        assignments.c.id == parse_id(assignment_id), assignments.c.worker_id == worker.id
    )
    row = conn.execute(
        query.with_for_update() if lock and conn.dialect.name == "postgresql" else query
    ).first()
    if row is None:
        raise NotFound(f"Assignment {assignment_id} does not exist")
    return row


def get_own(db: Database, worker: Worker, assignment_id: str) -> dict[str, Any]:
    """One of the worker's own assignments."""
    with db.read() as conn:
        return worker_view(conn, _own(conn, worker, assignment_id))


def history(db: Database, worker: Worker, limit: int = 100) -> dict[str, Any]:
    """The worker's recent assignments and earnings."""
    with db.read() as conn:
        rows = conn.execute(
            sa.select(assignments)
            .where(assignments.c.worker_id == worker.id)
            .order_by(assignments.c.id.desc())
            .limit(limit)
        ).all()
        earned = conn.execute(sa.select(workers.c.earned_micro).where(workers.c.id == worker.id)).scalar_one()
        items = [
            {
                "id": format_id(r.id),
                "pool_id": format_id(r.pool_id),
                "status": r.status,
                "reward": as_json_number(r.reward_micro),
                "created": format_dt(r.created),
                "submitted": format_dt(r.submitted),
                "public_comment": r.public_comment,
            }
            for r in rows
        ]
    return {"earned": as_json_number(earned), "assignments": items}


# ---------------------------------------------------------------------------------------------
# Submit, skip, expire


@retry_transient
def submit(db: Database, engine: Engine, worker: Worker, assignment_id: str, body: Any) -> dict[str, Any]:
    """Hand in answers for an ACTIVE assignment; validated against the project's output spec."""
    with db.write() as conn:
        row = _own(conn, worker, assignment_id, lock=True)
        if row.status != "ACTIVE":
            raise Conflict(
                f"This assignment is {row.status.lower()}, not active", code="INAPPROPRIATE_STATUS"
            )
        now = utcnow()
        if row.expires <= now:
            _finish_unpaid(conn, row, "EXPIRED")
            raise Conflict("The time for this task suite ran out", code="INAPPROPRIATE_STATUS")
        solutions = _validated_solutions(conn, row, body)
        pool = conn.execute(sa.select(pools).where(pools.c.id == row.pool_id)).one()
        feedback = quality.training_feedback(conn, row, pool, solutions)
        if feedback:
            # A wrong training answer: the suite stays ACTIVE and the worker corrects it.
            return {**worker_view(conn, row), "feedback": feedback}
        conn.execute(
            assignments.update()
            .where(assignments.c.id == row.id, assignments.c.status == "ACTIVE")
            .values(status="SUBMITTED", submitted=now, solutions=solutions)
        )
        general_ids = list(
            conn.execute(
                sa.select(assignment_tasks.c.task_id).where(
                    assignment_tasks.c.assignment_id == row.id, assignment_tasks.c.kind == "general"
                )
            ).scalars()
        )
        if general_ids:
            conn.execute(
                tasks.update().where(tasks.c.id.in_(general_ids)).values(done_count=tasks.c.done_count + 1)
            )
        submitted = conn.execute(sa.select(assignments).where(assignments.c.id == row.id)).one()
        events.emit(conn, pool.id, "ASSIGNMENT_SUBMITTED", assignment_id=row.id)
        if pool.doc.get("auto_accept_solutions", True) is not False:
            accept_in(conn, submitted, comment=None)
        quality.on_submit(conn, submitted, pool, solutions)
        # Quality control may have reopened or reissued work: decide completion on the current row.
        maybe_complete(conn, conn.execute(sa.select(pools).where(pools.c.id == pool.id)).one())
        return worker_view(conn, conn.execute(sa.select(assignments).where(assignments.c.id == row.id)).one())


def _validated_solutions(conn: Connection, row: Any, body: Any) -> list[dict[str, Any]]:
    solutions = body.get("solutions") if isinstance(body, dict) else None
    if not isinstance(solutions, list):
        raise ValidationFailed(
            {"solutions": FieldError("ARRAY_EXPECTED", 'Send {"solutions": [{"output_values": {...}}, ...]}')}
        )
    count = conn.execute(
        sa.select(sa.func.count())
        .select_from(assignment_tasks)
        .where(assignment_tasks.c.assignment_id == row.id)
    ).scalar_one()
    if len(solutions) != count:
        raise ValidationFailed(
            {
                "solutions": FieldError(
                    "ARRAY_SIZE_OUT_OF_BOUNDS",
                    f"Expected {count} solutions (one per task), got {len(solutions)}",
                )
            }
        )
    project_id = conn.execute(sa.select(pools.c.project_id).where(pools.c.id == row.pool_id)).scalar_one()
    output_spec = task_spec_of(conn, project_id).get("output_spec") or {}
    errors: dict[str, FieldError] = {}
    clean = []
    for i, solution in enumerate(solutions):
        values = solution.get("output_values") if isinstance(solution, dict) else None
        errors.update(validate_values(output_spec, values, f"solutions.{i}.output_values"))
        clean.append({"output_values": values})
    if errors:
        raise ValidationFailed(errors)
    return clean


@retry_transient
def skip(db: Database, worker: Worker, assignment_id: str) -> dict[str, Any]:
    """Give an ACTIVE assignment back unanswered; its tasks return to the pool for others."""
    with db.write() as conn:
        row = _own(conn, worker, assignment_id, lock=True)
        if row.status != "ACTIVE":
            raise Conflict(
                f"This assignment is {row.status.lower()}, not active", code="INAPPROPRIATE_STATUS"
            )
        if _finish_unpaid(conn, row, "SKIPPED"):
            pool = conn.execute(sa.select(pools).where(pools.c.id == row.pool_id)).one()
            quality.on_skip(conn, row, pool)
        return worker_view(conn, conn.execute(sa.select(assignments).where(assignments.c.id == row.id)).one())


def _finish_unpaid(conn: Connection, row: Any, status: str) -> bool:
    """ACTIVE -> SKIPPED or EXPIRED: tasks and money go back. False if it was not active."""
    now = utcnow()
    result = conn.execute(
        assignments.update()
        .where(assignments.c.id == row.id, assignments.c.status == "ACTIVE")
        .values(status=status, **{status.lower(): now})
    )
    if result.rowcount != 1:
        return False
    _release_assignment_tasks(conn, row.id, done=False)
    ledger.release(conn, row.requester_id, row.reward_micro + row.fee_micro)
    events.emit(conn, row.pool_id, f"ASSIGNMENT_{status}", assignment_id=row.id)
    return True


def _release_assignment_tasks(conn: Connection, assignment_id: int, *, done: bool) -> None:
    general = list(
        conn.execute(
            sa.select(assignment_tasks.c.task_id).where(
                assignment_tasks.c.assignment_id == assignment_id, assignment_tasks.c.kind == "general"
            )
        ).scalars()
    )
    if general:
        _release_tasks(conn, general, done=done)
    suite_id = conn.execute(
        sa.select(assignments.c.task_suite_id).where(assignments.c.id == assignment_id)
    ).scalar_one()
    conn.execute(
        task_suites.update()
        .where(task_suites.c.id == suite_id, task_suites.c.mixed.is_(False))
        .values(live_count=task_suites.c.live_count - 1, available=True)
    )


def _release_tasks(conn: Connection, task_ids: list[int], *, done: bool) -> None:
    values: dict[str, Any] = {"live_count": tasks.c.live_count - 1, "available": True}
    if done:
        values["done_count"] = tasks.c.done_count - 1
    conn.execute(tasks.update().where(tasks.c.id.in_(task_ids)).values(**values))


def expire_overdue(conn: Connection, *, pool_id: int | None = None, limit: int = 500) -> int:
    """Expire ACTIVE assignments past their deadline; returns how many were expired."""
    query = sa.select(assignments).where(assignments.c.status == "ACTIVE", assignments.c.expires <= utcnow())
    if pool_id is not None:
        query = query.where(assignments.c.pool_id == pool_id)
    query = query.order_by(assignments.c.expires).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    count = 0
    for row in conn.execute(query).all():
        if _finish_unpaid(conn, row, "EXPIRED"):
            count += 1
            pool = conn.execute(sa.select(pools).where(pools.c.id == row.pool_id)).one()
            quality.on_expire(conn, row, pool)
    return count


# ---------------------------------------------------------------------------------------------
# Review (requester side) and completion


def accept_in(conn: Connection, row: Any, *, comment: str | None) -> None:
    """SUBMITTED -> ACCEPTED (or REJECTED -> ACCEPTED after a dispute) and pay for it."""
    now = utcnow()
    if row.status == "REJECTED":
        fee_total = row.reward_micro + row.fee_micro
        if not ledger.reserve(conn, row.requester_id, fee_total):
            raise Conflict(
                "Not enough money on the balance to pay for this assignment", code="NOT_ENOUGH_BALANCE"
            )
        _recount_after_dispute(conn, row.id)
    result = conn.execute(
        assignments.update()
        .where(assignments.c.id == row.id, assignments.c.status.in_(["SUBMITTED", "REJECTED"]))
        .values(
            status="ACCEPTED",
            accepted=now,
            public_comment=comment if comment is not None else row.public_comment,
        )
    )
    if result.rowcount != 1:
        raise Conflict("The assignment is not waiting for review", code="INAPPROPRIATE_STATUS")
    ledger.pay_assignment(conn, row)
    events.emit(conn, row.pool_id, "ASSIGNMENT_APPROVED", assignment_id=row.id)
    quality.on_assessed(conn, row, "ACCEPT_AFTER_REJECT" if row.status == "REJECTED" else "ACCEPT")
    appeals.resolve_for_assignment(conn, row.id, "ACCEPTED")


def _recount_after_dispute(conn: Connection, assignment_id: int) -> None:
    """A rejected answer accepted later counts again. Its tasks may have been reissued meanwhile; then
    the overlap grows by the extra answer, so live assignments never exceed the overlap."""
    general = list(
        conn.execute(
            sa.select(assignment_tasks.c.task_id).where(
                assignment_tasks.c.assignment_id == assignment_id, assignment_tasks.c.kind == "general"
            )
        ).scalars()
    )
    if general:
        grown = tasks.c.live_count + 1
        conn.execute(
            tasks.update()
            .where(tasks.c.id.in_(general))
            .values(
                live_count=grown,
                done_count=tasks.c.done_count + 1,
                overlap=sa.case(
                    (sa.and_(tasks.c.infinite_overlap.is_(False), grown > tasks.c.overlap), grown),
                    else_=tasks.c.overlap,
                ),
                available=sa.or_(tasks.c.infinite_overlap, grown < tasks.c.overlap),
            )
        )
    suite_id = conn.execute(
        sa.select(assignments.c.task_suite_id).where(assignments.c.id == assignment_id)
    ).scalar_one()
    conn.execute(
        task_suites.update()
        .where(task_suites.c.id == suite_id, task_suites.c.mixed.is_(False))
        .values(live_count=task_suites.c.live_count + 1)
    )


def reject_in(conn: Connection, row: Any, *, comment: str) -> None:
    """SUBMITTED -> REJECTED: no payment; the tasks go back to the pool for other workers."""
    result = conn.execute(
        assignments.update()
        .where(assignments.c.id == row.id, assignments.c.status == "SUBMITTED")
        .values(status="REJECTED", rejected=utcnow(), public_comment=comment)
    )
    if result.rowcount != 1:
        raise Conflict("Only SUBMITTED assignments can be rejected", code="INAPPROPRIATE_STATUS")
    _release_assignment_tasks(conn, row.id, done=True)
    ledger.release(conn, row.requester_id, row.reward_micro + row.fee_micro)
    events.emit(conn, row.pool_id, "ASSIGNMENT_REJECTED", assignment_id=row.id)
    pool = conn.execute(sa.select(pools).where(pools.c.id == row.pool_id)).one()
    if pool.status == "CLOSED" and pool.last_close_reason == "COMPLETED":
        # The pool is no longer complete: work to redo reopens it.
        conn.execute(
            pools.update().where(pools.c.id == pool.id).values(status="OPEN", last_close_reason=None)
        )
    quality.on_assessed(conn, row, "REJECT")


def is_complete(conn: Connection, pool_id: int) -> bool:
    """Every finite-overlap real task has as many submitted/accepted answers as its overlap."""
    has_general = conn.execute(
        sa.select(tasks.c.id).where(tasks.c.pool_id == pool_id, tasks.c.kind == "general").limit(1)
    ).first()
    if has_general is None:
        return False
    unfinished = conn.execute(
        sa.select(tasks.c.id)
        .where(
            tasks.c.pool_id == pool_id,
            tasks.c.kind == "general",
            sa.or_(tasks.c.infinite_overlap, tasks.c.done_count < tasks.c.overlap),
        )
        .limit(1)
    ).first()
    return unfinished is None


def maybe_complete(conn: Connection, pool: Any) -> bool:
    """Close the pool with COMPLETED when all its work is in (unless a close delay is configured)."""
    if pool.status != "OPEN" or (pool.doc.get("auto_close_after_complete_delay_seconds") or 0) > 0:
        return False
    if is_complete(conn, pool.id):
        return pool_service.close(conn, pool.id, "COMPLETED")
    return False
