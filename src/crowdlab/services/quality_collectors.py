"""Collectors: each quality-control collector's statistics for one worker, read from the stored facts
(answers and their correctness, assignment statuses and times, captcha results) in the transaction of
the event that asks for them. Nothing here writes; nothing is a running counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain import quality_control as qc
from crowdlab.domain.clock import utcnow
from crowdlab.storage.tables import assignment_tasks, assignments, tasks
from crowdlab.storage.tables_quality import captchas

DONE = ("SUBMITTED", "ACCEPTED")
ANSWERED = ("SUBMITTED", "ACCEPTED", "REJECTED")


@dataclass(frozen=True)
class Trigger:
    """An event that makes a pool's rules look at one worker.

    ``event``: SUBMIT, ACCEPT, REJECT, SKIP, EXPIRE, CAPTCHA, REVOKED (the worker lost access to the
    pool), TRAINING (the worker finished a training suite) or MAJORITY (a task the worker answered got
    another answer).
    """

    event: str
    pool: Any
    worker_id: int
    assignment: Any | None = None
    assessment: str | None = None
    revoked_reason: str | None = None
    skill_id: str | None = None
    training: Any | None = None


def _history(params: dict[str, Any]) -> int | None:
    size = params.get("history_size")
    return int(size) if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


def statistics(
    conn: Connection, kind: str, params: dict[str, Any], trigger: Trigger
) -> dict[str, Any] | None:
    """The collector's condition values for the trigger's worker and pool (None: not applicable)."""
    worker, pool = trigger.worker_id, trigger.pool
    if kind == "GOLDEN_SET":
        return qc.golden_set_stats(
            _correctness(conn, worker, pool.id, "golden", _history(params)),
            _correctness(conn, worker, pool.id, "training", _history(params)),
        )
    if kind == "MAJORITY_VOTE":
        return qc.majority_vote_stats(_agreements(conn, worker, pool.id, params))
    if kind == "ASSIGNMENT_SUBMIT_TIME":
        threshold = params.get("fast_submit_threshold_seconds")
        if not isinstance(threshold, int | float) or isinstance(threshold, bool):
            return None
        return qc.submit_time_stats(_durations(conn, worker, pool.id, _history(params)), float(threshold))
    if kind == "SKIPPED_IN_ROW_ASSIGNMENTS":
        return qc.skipped_in_row(_recent_statuses(conn, worker, pool.id))
    if kind == "ANSWER_COUNT":
        return qc.answer_count_stats(_count(conn, worker, pool.id, DONE))
    if kind == "ASSIGNMENTS_ASSESSMENT":
        statuses = conn.execute(
            sa.select(assignments.c.status).where(
                assignments.c.worker_id == worker, assignments.c.pool_id == pool.id
            )
        ).scalars()
        return qc.assessment_stats(statuses, trigger.assessment)
    if kind == "ACCEPTANCE_RATE":
        query = (
            sa.select(assignments.c.status)
            .where(
                assignments.c.worker_id == worker,
                assignments.c.pool_id == pool.id,
                assignments.c.status.in_(["ACCEPTED", "REJECTED"]),
            )
            .order_by(assignments.c.id.desc())
        )
        if _history(params):
            query = query.limit(_history(params))
        return qc.acceptance_rate_stats(list(conn.execute(query).scalars()))
    if kind == "INCOME":
        earned = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(assignments.c.reward_micro), 0)).where(
                assignments.c.worker_id == worker,
                assignments.c.requester_id == pool.requester_id,
                assignments.c.status.in_(DONE),
                assignments.c.submitted >= utcnow() - timedelta(hours=24),
            )
        ).scalar_one()
        return qc.income_stats(int(earned))
    if kind == "CAPTCHA":
        query = (
            sa.select(captchas.c.success)
            .where(
                captchas.c.worker_id == worker,
                captchas.c.pool_id == pool.id,
                captchas.c.answered.is_not(None),
            )
            .order_by(captchas.c.answered.desc(), captchas.c.id.desc())
        )
        if _history(params):
            query = query.limit(_history(params))
        return qc.captcha_stats([bool(s) for s in conn.execute(query).scalars()])
    if kind == "USERS_ASSESSMENT":
        if trigger.revoked_reason is None:
            return None
        return qc.users_assessment_stats(trigger.revoked_reason, trigger.skill_id)
    if kind == "TRAINING":
        training = trigger.training if trigger.training is not None else pool
        return training_statistics(conn, worker, training)
    return None


def training_statistics(conn: Connection, worker_id: int, training: Any) -> dict[str, Any]:
    """TRAINING collector values: suites done in the training and first-attempt correctness."""
    return qc.training_stats(
        _count(conn, worker_id, training.id, DONE),
        _correctness(conn, worker_id, training.id, "training", None),
        _unseen_training_left(conn, worker_id, training.id),
    )


def _correctness(
    conn: Connection, worker_id: int, pool_id: int, kind: str, history: int | None
) -> list[bool]:
    """Whether each control/training answer was right, newest first (answers handed in only)."""
    query = (
        sa.select(assignment_tasks.c.correct)
        .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
        .where(
            assignment_tasks.c.worker_id == worker_id,
            assignment_tasks.c.pool_id == pool_id,
            assignment_tasks.c.kind == kind,
            assignment_tasks.c.correct.is_not(None),
            assignments.c.status.in_(ANSWERED),
        )
        .order_by(assignment_tasks.c.assignment_id.desc(), assignment_tasks.c.position.desc())
    )
    if history:
        query = query.limit(history)
    return [bool(c) for c in conn.execute(query).scalars()]


def _durations(conn: Connection, worker_id: int, pool_id: int, history: int | None) -> list[float]:
    query = (
        sa.select(assignments.c.created, assignments.c.submitted)
        .where(
            assignments.c.worker_id == worker_id,
            assignments.c.pool_id == pool_id,
            assignments.c.submitted.is_not(None),
        )
        .order_by(assignments.c.id.desc())
    )
    if history:
        query = query.limit(history)
    return [(r.submitted - r.created).total_seconds() for r in conn.execute(query).all()]


def _recent_statuses(conn: Connection, worker_id: int, pool_id: int) -> list[str]:
    return list(
        conn.execute(
            sa.select(assignments.c.status)
            .where(
                assignments.c.worker_id == worker_id,
                assignments.c.pool_id == pool_id,
                assignments.c.status != "ACTIVE",
            )
            .order_by(assignments.c.id.desc())
            .limit(1000)
        ).scalars()
    )


def _count(conn: Connection, worker_id: int, pool_id: int, statuses: tuple[str, ...]) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(assignments)
            .where(
                assignments.c.worker_id == worker_id,
                assignments.c.pool_id == pool_id,
                assignments.c.status.in_(statuses),
            )
        ).scalar_one()
    )


def _unseen_training_left(conn: Connection, worker_id: int, pool_id: int) -> bool:
    seen = sa.select(assignment_tasks.c.task_id).where(
        assignment_tasks.c.task_id == tasks.c.id, assignment_tasks.c.worker_id == worker_id
    )
    return (
        conn.execute(
            sa.select(tasks.c.id)
            .where(tasks.c.pool_id == pool_id, tasks.c.kind == "training", ~sa.exists(seen))
            .limit(1)
        ).first()
        is not None
    )


def answers_to(conn: Connection, task_ids: list[int]) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    """Every counted answer (submitted or accepted) to these tasks: task id -> [(worker id, values)]."""
    out: dict[int, list[tuple[int, dict[str, Any]]]] = {t: [] for t in task_ids}
    if not task_ids:
        return out
    rows = conn.execute(
        sa.select(
            assignment_tasks.c.task_id,
            assignment_tasks.c.position,
            assignments.c.worker_id,
            assignments.c.solutions,
        )
        .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
        .where(assignment_tasks.c.task_id.in_(task_ids), assignments.c.status.in_(DONE))
        .order_by(assignments.c.id)
    ).all()
    for row in rows:
        solutions = row.solutions or []
        if row.position < len(solutions):
            out[row.task_id].append(
                (row.worker_id, (solutions[row.position] or {}).get("output_values") or {})
            )
    return out


def _agreements(conn: Connection, worker_id: int, pool_id: int, params: dict[str, Any]) -> list[bool]:
    """For the worker's latest answers to tasks that have a majority answer: did they agree with it."""
    threshold = params.get("answer_threshold")
    threshold = threshold if isinstance(threshold, int) and not isinstance(threshold, bool) else 2
    history = _history(params)
    own = conn.execute(
        sa.select(assignment_tasks.c.task_id, assignment_tasks.c.position, assignments.c.solutions)
        .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
        .where(
            assignment_tasks.c.worker_id == worker_id,
            assignment_tasks.c.pool_id == pool_id,
            assignment_tasks.c.kind == "general",
            assignments.c.status.in_(DONE),
        )
        .order_by(assignments.c.id.desc(), assignment_tasks.c.position)
        .limit(max(history or 0, 1) * 5 if history else 5000)
    ).all()
    mine = {
        r.task_id: qc.answer_key(((r.solutions or [])[r.position] or {}).get("output_values"))
        for r in own
        if r.position < len(r.solutions or [])
    }
    everyone = answers_to(conn, list(mine))
    out: list[bool] = []
    for row in own:
        if row.task_id not in mine:
            continue
        majority = qc.majority_answer([qc.answer_key(v) for _, v in everyone[row.task_id]], threshold)
        if majority is None:
            continue
        out.append(mine[row.task_id] == majority)
        if history and len(out) >= history:
            break
    return out
