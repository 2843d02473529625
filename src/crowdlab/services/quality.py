"""Quality control driven by a pool's ``quality_control`` config: statistics per worker from the
answers stored so far, rules evaluated on each event, actions applied in the same transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain import quality_control as qc
from crowdlab.domain.clock import utcnow
from crowdlab.storage.tables import assignment_tasks, assignments, tasks, user_restrictions


def _configs(pool: Any, collector: str) -> list[dict[str, Any]]:
    return [
        c
        for c in (pool.doc.get("quality_control") or {}).get("configs") or []
        if (c.get("collector_config") or {}).get("type") == collector
    ]


def _golden_stats(conn: Connection, worker_id: int, pool: Any, history: int | None) -> dict[str, Any]:
    query = (
        sa.select(assignment_tasks.c.correct)
        .where(
            assignment_tasks.c.worker_id == worker_id,
            assignment_tasks.c.pool_id == pool.id,
            assignment_tasks.c.kind == "golden",
            assignment_tasks.c.correct.is_not(None),
        )
        .order_by(assignment_tasks.c.assignment_id.desc())
    )
    if history:
        query = query.limit(history)
    answers = list(conn.execute(query).scalars())
    correct = sum(1 for a in answers if a)
    total = len(answers)
    rate, wrong = qc.percent(correct, total), qc.percent(total - correct, total)
    return {
        "total_answers_count": total,
        "correct_answers_rate": rate,
        "incorrect_answers_rate": wrong,
        "golden_set_answers_count": total,
        "golden_set_correct_answers_rate": rate,
        "golden_set_incorrect_answers_rate": wrong,
    }


def _submit_time_stats(conn: Connection, worker_id: int, pool: Any, params: dict[str, Any]) -> dict[str, Any]:
    query = (
        sa.select(assignments.c.created, assignments.c.submitted)
        .where(
            assignments.c.worker_id == worker_id,
            assignments.c.pool_id == pool.id,
            assignments.c.submitted.is_not(None),
        )
        .order_by(assignments.c.id.desc())
    )
    if params.get("history_size"):
        query = query.limit(params["history_size"])
    rows = conn.execute(query).all()
    threshold = params.get("fast_submit_threshold_seconds") or 0
    fast = sum(1 for r in rows if (r.submitted - r.created).total_seconds() < threshold)
    return {"total_submitted_count": len(rows), "fast_submitted_count": fast}


def _skipped_in_row(conn: Connection, worker_id: int, pool: Any) -> dict[str, Any]:
    statuses = conn.execute(
        sa.select(assignments.c.status)
        .where(
            assignments.c.worker_id == worker_id,
            assignments.c.pool_id == pool.id,
            assignments.c.status != "ACTIVE",
        )
        .order_by(assignments.c.id.desc())
        .limit(1000)
    ).scalars()
    count = 0
    for status in statuses:
        if status != "SKIPPED":
            break
        count += 1
    return {"skipped_in_row_count": count}


def _apply(conn: Connection, action: dict[str, Any], worker_id: int, pool: Any) -> None:
    kind = action.get("type")
    if kind in ("RESTRICTION", "RESTRICTION_V2"):
        parameters = action.get("parameters") or {}
        scope = parameters.get("scope", "PROJECT")
        now = utcnow()
        conn.execute(
            user_restrictions.insert().values(
                requester_id=pool.requester_id,
                worker_id=worker_id,
                scope=scope,
                project_id=pool.project_id if scope == "PROJECT" else None,
                pool_id=pool.id if scope == "POOL" else None,
                private_comment=parameters.get("private_comment") or "quality control rule",
                will_expire=qc.restriction_end(action, now),
                created=now,
            )
        )


def _run_rules(
    conn: Connection, configs: list[dict[str, Any]], stats: dict[str, Any], worker_id: int, pool: Any
) -> None:
    from crowdlab.services.issuing import active_restriction  # late import: issuing imports this module

    for config in configs:
        for rule in config.get("rules") or []:
            if not qc.rule_fires(rule, stats):
                continue
            action = rule.get("action") or {}
            if action.get("type") in ("RESTRICTION", "RESTRICTION_V2") and active_restriction(
                conn, worker_id, pool
            ):
                continue  # already banned: one restriction is enough
            _apply(conn, action, worker_id, pool)


def on_submit(
    conn: Connection, assignment: Any, pool: Any, solutions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Score control-task answers, then run GOLDEN_SET and ASSIGNMENT_SUBMIT_TIME rules.

    Returns nothing for the worker (control tasks are never revealed as such).
    """
    rows = conn.execute(
        sa.select(assignment_tasks.c.position, assignment_tasks.c.task_id, tasks.c.known_solutions)
        .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
        .where(assignment_tasks.c.assignment_id == assignment.id, assignment_tasks.c.kind != "general")
    ).all()
    for row in rows:
        correct = qc.is_correct(solutions[row.position]["output_values"], row.known_solutions)
        conn.execute(
            assignment_tasks.update()
            .where(
                assignment_tasks.c.assignment_id == assignment.id, assignment_tasks.c.position == row.position
            )
            .values(correct=correct)
        )
    for config in _configs(pool, "GOLDEN_SET"):
        if rows:
            history = ((config.get("collector_config") or {}).get("parameters") or {}).get("history_size")
            _run_rules(
                conn,
                [config],
                _golden_stats(conn, assignment.worker_id, pool, history),
                assignment.worker_id,
                pool,
            )
    for config in _configs(pool, "ASSIGNMENT_SUBMIT_TIME"):
        params = (config.get("collector_config") or {}).get("parameters") or {}
        _run_rules(
            conn,
            [config],
            _submit_time_stats(conn, assignment.worker_id, pool, params),
            assignment.worker_id,
            pool,
        )
    return []


def on_skip(conn: Connection, assignment: Any, pool: Any) -> None:
    """Run SKIPPED_IN_ROW_ASSIGNMENTS rules after a skip."""
    configs = _configs(pool, "SKIPPED_IN_ROW_ASSIGNMENTS")
    if configs:
        _run_rules(
            conn, configs, _skipped_in_row(conn, assignment.worker_id, pool), assignment.worker_id, pool
        )


def on_expire(conn: Connection, assignment: Any, pool: Any) -> None:
    """Expired suites count like skipped ones for the in-a-row rule."""
    on_skip(conn, assignment, pool)


def captcha_due(conn: Connection, worker_id: int, pool: Any) -> bool:
    """Whether a captcha must be solved before the next suite (not enforced yet: see issue 4)."""
    return False


def training_gap(conn: Connection, worker_id: int, pool: Any, requirement: dict[str, Any]) -> str | None:
    """Why a worker has not met a pool's training requirement (trainings arrive with issue 3/4)."""
    return None
