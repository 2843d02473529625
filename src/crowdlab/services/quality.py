"""Quality control driven by a pool's ``quality_control`` config, as toloka-kit writes it.

Issuing calls the hooks here inside the transaction of each event (submit, accept, reject, skip,
expire; captcha answers come from services/captcha). A hook turns the event into triggers; for each
trigger, every collector of the pool that listens to that event computes the worker's statistics from
the stored facts (services/quality_collectors), and each rule whose conditions all hold applies its
action (services/quality_actions).

Exactly once: an event reaches these hooks only from the conditional UPDATE that made it happen (a
second submit of the same suite finds it no longer ACTIVE), statistics are derived from facts in the
same transaction, actions are idempotent, and on PostgreSQL the worker's row is locked first so two
events of one worker at the same moment are evaluated one after the other (SQLite has one writer).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain import quality_control as qc
from crowdlab.services import dynamic_overlap, training
from crowdlab.services.quality_actions import apply, revoked_by_restriction
from crowdlab.services.quality_collectors import DONE, Trigger, statistics
from crowdlab.storage.tables import assignment_tasks, assignments, pools, tasks, workers
from crowdlab.storage.tables_quality import captchas

# Rules can cause events (REJECT_ALL_ASSIGNMENTS rejects suites, whose rejection other rules watch).
# Nested evaluation stops at this depth; deeper effects are picked up by the worker's next event.
MAX_DEPTH = 4
_depth: ContextVar[int] = ContextVar("crowdlab_qc_depth", default=0)


def process(conn: Connection, trigger: Trigger) -> None:
    """Evaluate the rules of the trigger's pool that listen to its event, apply those that fire, then
    process the follow-up triggers their actions caused."""
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        return
    configs = [
        (index, config)
        for index, config in qc.collector_configs(trigger.pool.doc.get("quality_control"))
        if trigger.event in qc.COLLECTOR_EVENTS.get(qc.collector_type(config), ())
    ]
    if not configs:
        return
    token = _depth.set(depth + 1)
    try:
        lock_worker(conn, trigger.worker_id)
        follow_ups: list[Trigger] = []
        for index, config in configs:
            stats = statistics(conn, qc.collector_type(config), qc.collector_parameters(config), trigger)
            if stats is None:
                continue
            for position, rule in enumerate(config.get("rules") or []):
                if isinstance(rule, dict) and qc.rule_fires(rule, stats):
                    key = qc.rule_key(trigger.pool.id, index, config, position)
                    follow_ups += apply(conn, rule.get("action") or {}, trigger, stats, key)
        for follow_up in follow_ups:
            process(conn, follow_up)
    finally:
        _depth.reset(token)


def lock_worker(conn: Connection, worker_id: int) -> None:
    """Serialise quality control per worker (PostgreSQL; SQLite already has a single writer)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(workers.c.id).where(workers.c.id == worker_id).with_for_update())


def _listens(pool: Any, collector: str) -> bool:
    return any(
        qc.collector_type(c) == collector for _, c in qc.collector_configs(pool.doc.get("quality_control"))
    )


# ---------------------------------------------------------------------------------------------
# Hooks called by issuing


def training_feedback(
    conn: Connection, assignment: Any, pool: Any, solutions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Hints for wrong training answers; non-empty means the suite stays ACTIVE for correction."""
    return training.feedback(conn, assignment, pool, solutions)


def on_submit(conn: Connection, assignment: Any, pool: Any, solutions: list[dict[str, Any]]) -> None:
    """After a suite is submitted (and auto-accepted, when the pool does that): score control answers,
    run SUBMIT rules (and MAJORITY_VOTE rules of everyone who answered the same tasks), grow or finish
    tasks under dynamic overlap, and record training results."""
    _score_control_answers(conn, assignment, solutions)
    process(conn, Trigger("SUBMIT", pool, assignment.worker_id, assignment=assignment))
    if _listens(pool, "USERS_ASSESSMENT") and _banned(conn, assignment.worker_id, pool):
        # A suite the worker held when the ban came, handed in afterwards: treat it like the rest
        # of their work (the actions are once per assignment, so earlier suites are not redone twice).
        process(conn, Trigger("REVOKED", pool, assignment.worker_id, revoked_reason="RESTRICTION"))
    if _listens(pool, "MAJORITY_VOTE"):
        general = sa.select(assignment_tasks.c.task_id).where(
            assignment_tasks.c.assignment_id == assignment.id, assignment_tasks.c.kind == "general"
        )
        others = conn.execute(
            sa.select(assignment_tasks.c.worker_id)
            .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
            .where(
                assignment_tasks.c.task_id.in_(general),
                assignment_tasks.c.worker_id != assignment.worker_id,
                assignments.c.status.in_(DONE),
            )
            .distinct()
            .order_by(assignment_tasks.c.worker_id)
        ).scalars()
        for worker_id in list(others):
            process(conn, Trigger("MAJORITY", pool, worker_id))
    dynamic_overlap.after_submit(conn, assignment, pool)
    if pool.type == "TRAINING":
        for trigger in training.after_submit(conn, assignment, pool):
            process(conn, trigger)


def _banned(conn: Connection, worker_id: int, pool: Any) -> bool:
    from crowdlab.services.issuing import active_restriction  # late import: issuing imports this module

    return active_restriction(conn, worker_id, pool) is not None


def _score_control_answers(conn: Connection, assignment: Any, solutions: list[dict[str, Any]]) -> None:
    rows = conn.execute(
        sa.select(assignment_tasks.c.position, assignment_tasks.c.kind, tasks.c.known_solutions)
        .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
        .where(
            assignment_tasks.c.assignment_id == assignment.id,
            assignment_tasks.c.kind != "general",
            assignment_tasks.c.correct.is_(None),
        )
    ).all()
    for row in rows:
        correct = qc.is_correct(solutions[row.position].get("output_values") or {}, row.known_solutions)
        conn.execute(
            assignment_tasks.update()
            .where(
                assignment_tasks.c.assignment_id == assignment.id,
                assignment_tasks.c.position == row.position,
                assignment_tasks.c.correct.is_(None),
            )
            .values(correct=correct)
        )


def on_assessed(conn: Connection, assignment: Any, event: str) -> None:
    """After a review: ``event`` is ACCEPT, ACCEPT_AFTER_REJECT or REJECT (ASSIGNMENTS_ASSESSMENT,
    ACCEPTANCE_RATE)."""
    pool = conn.execute(sa.select(pools).where(pools.c.id == assignment.pool_id)).one()
    kind = "REJECT" if event == "REJECT" else "ACCEPT"
    process(conn, Trigger(kind, pool, assignment.worker_id, assignment=assignment, assessment=event))


def on_skip(conn: Connection, assignment: Any, pool: Any) -> None:
    """After a skip (SKIPPED_IN_ROW_ASSIGNMENTS)."""
    process(conn, Trigger("SKIP", pool, assignment.worker_id, assignment=assignment))


def on_expire(conn: Connection, assignment: Any, pool: Any) -> None:
    """After a suite expired: a suite taken and left undone counts as skipped."""
    process(conn, Trigger("EXPIRE", pool, assignment.worker_id, assignment=assignment))


def on_captcha(conn: Connection, worker_id: int, pool: Any) -> None:
    """After a captcha answer counted for the pool (CAPTCHA collector)."""
    process(conn, Trigger("CAPTCHA", pool, worker_id))


def after_restriction(
    conn: Connection,
    worker_id: int,
    requester_id: int,
    scope: str,
    *,
    project_id: int | None = None,
    pool_id: int | None = None,
) -> None:
    """After any new ban (also one a requester sets by hand): USERS_ASSESSMENT rules of the pools
    the worker lost (e.g. CHANGE_OVERLAP to have their answers redone)."""
    for trigger in revoked_by_restriction(
        conn, worker_id, requester_id, scope, project_id=project_id, pool_id=pool_id
    ):
        process(conn, trigger)


def captcha_due(conn: Connection, worker_id: int, pool: Any) -> bool:
    """Whether the worker must solve a captcha before the next suite: the pool's captcha_frequency
    (LOW / MEDIUM / HIGH = every 20 / 10 / 5 suites, qc.CAPTCHA_EVERY) counts the suites taken in the
    pool since the worker last answered a captcha for it."""
    frequency = (pool.doc.get("quality_control") or {}).get("captcha_frequency")
    every = qc.CAPTCHA_EVERY.get(frequency) if isinstance(frequency, str) else None
    if every is None:
        return False
    last = conn.execute(
        sa.select(sa.func.max(captchas.c.answered)).where(
            captchas.c.worker_id == worker_id,
            captchas.c.pool_id == pool.id,
            captchas.c.answered.is_not(None),
        )
    ).scalar()
    query = (
        sa.select(sa.func.count())
        .select_from(assignments)
        .where(assignments.c.worker_id == worker_id, assignments.c.pool_id == pool.id)
    )
    if last is not None:
        query = query.where(assignments.c.created > last)
    return int(conn.execute(query).scalar_one()) >= every


def training_gap(conn: Connection, worker_id: int, pool: Any, requirement: dict[str, Any]) -> str | None:
    """Why a worker has not met a pool's training requirement, in plain words; None when they have."""
    return training.gap(conn, worker_id, pool, requirement)


def training_done(conn: Connection, worker_id: int, pool: Any) -> str | None:
    """For a training pool: why it has nothing more for this worker (they completed it)."""
    return training.finished(conn, worker_id, pool) if pool.type == "TRAINING" else None
