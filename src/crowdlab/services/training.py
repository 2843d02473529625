"""Training: hints after wrong answers, the training score as a skill, and the training requirement of
main pools.

- A suite with a wrong answer to a training task is not submitted: the worker gets the hint of each
  wrong task (never before) and corrects it. The first attempt is kept (first_declined_solution_attempt)
  and each training task's first-attempt correctness is stored in ``assignment_tasks.correct``.
- After ``task_suites_required_to_pass`` suites, the worker's score (percentage of training tasks right
  at the first attempt, 0-100) is stored as their value of a hidden skill made for the training, and
  updated after every later suite.
- A main pool's ``quality_control.training_requirement {training_pool_id, training_passing_skill_value}``
  admits only workers whose score reaches the passing value (within ``training_config.
  training_skill_ttl_days`` of earning it, when set).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain import quality_control as qc
from crowdlab.domain.clock import utcnow
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.services.quality_actions import set_skill_value
from crowdlab.services.quality_collectors import DONE, Trigger
from crowdlab.storage.db import inserted_id
from crowdlab.storage.tables import assignment_tasks, assignments, pools, skills, tasks, user_skills
from crowdlab.storage.tables_quality import training_attempts, training_skills

DEFAULT_HINT = "This answer is not right. Look at the task again."


def feedback(
    conn: Connection, assignment: Any, pool: Any, solutions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Check the training tasks of a suite being handed in: ``[{task_index, hint}]`` for each wrong one
    (empty when all are right, and the suite may be submitted)."""
    rows = conn.execute(
        sa.select(
            assignment_tasks.c.position, assignment_tasks.c.correct, tasks.c.known_solutions, tasks.c.hint
        )
        .join(tasks, tasks.c.id == assignment_tasks.c.task_id)
        .where(assignment_tasks.c.assignment_id == assignment.id, assignment_tasks.c.kind == "training")
        .order_by(assignment_tasks.c.position)
    ).all()
    wrong: list[dict[str, Any]] = []
    for row in rows:
        right = qc.is_correct(solutions[row.position].get("output_values") or {}, row.known_solutions)
        if row.correct is None:  # only the first attempt counts for the score
            conn.execute(
                assignment_tasks.update()
                .where(
                    assignment_tasks.c.assignment_id == assignment.id,
                    assignment_tasks.c.position == row.position,
                    assignment_tasks.c.correct.is_(None),
                )
                .values(correct=right)
            )
        if not right:
            wrong.append({"task_index": row.position, "hint": row.hint or DEFAULT_HINT})
    if wrong:
        kept = conn.execute(
            sa.select(training_attempts.c.assignment_id).where(
                training_attempts.c.assignment_id == assignment.id
            )
        ).first()
        if kept is None:
            conn.execute(
                training_attempts.insert().values(
                    assignment_id=assignment.id, solutions=solutions, created=utcnow()
                )
            )
    return wrong


def first_declined_attempts(conn: Connection, assignment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The first (declined) answers of training suites, by assignment id, for the requester's view."""
    if not assignment_ids:
        return {}
    return dict(
        conn.execute(
            sa.select(training_attempts.c.assignment_id, training_attempts.c.solutions).where(
                training_attempts.c.assignment_id.in_(assignment_ids)
            )
        ).all()
    )


def skill_of(conn: Connection, training_id: int) -> int | None:
    """The hidden skill holding the scores of a training, if any worker has finished it yet."""
    return conn.execute(
        sa.select(training_skills.c.skill_id).where(training_skills.c.training_id == training_id)
    ).scalar()


def _ensure_skill(conn: Connection, training: Any) -> int:
    existing = skill_of(conn, training.id)
    if existing is not None:
        return int(existing)
    if conn.dialect.name == "postgresql":  # two first finishers at once: one makes the skill
        conn.execute(sa.select(pools.c.id).where(pools.c.id == training.id).with_for_update())
        existing = skill_of(conn, training.id)
        if existing is not None:
            return int(existing)
    now = utcnow()
    name = f"Training {format_id(training.id)}: {training.doc.get('private_name') or ''}".strip()
    skill_id = inserted_id(
        conn.execute(
            skills.insert().values(
                requester_id=training.requester_id,
                name=name[:200],
                doc={
                    "hidden": True,
                    "training": True,
                    "private_comment": f"Score in training {format_id(training.id)}, set by crowdlab",
                },
                created=now,
            )
        )
    )
    conn.execute(training_skills.insert().values(training_id=training.id, skill_id=skill_id, created=now))
    return skill_id


def _required(training: Any) -> int:
    value = training.doc.get("task_suites_required_to_pass")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def _done_suites(conn: Connection, worker_id: int, training_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(assignments)
            .where(
                assignments.c.worker_id == worker_id,
                assignments.c.pool_id == training_id,
                assignments.c.status.in_(DONE),
            )
        ).scalar_one()
    )


def after_submit(conn: Connection, assignment: Any, training: Any) -> list[Trigger]:
    """After a training suite: store the score once enough suites are done; TRAINING triggers for the
    pools that require this training (and for the training itself, if it has rules)."""
    worker_id = assignment.worker_id
    triggers: list[Trigger] = []
    if _done_suites(conn, worker_id, training.id) >= _required(training):
        first_try = [
            bool(c)
            for c in conn.execute(
                sa.select(assignment_tasks.c.correct)
                .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
                .where(
                    assignment_tasks.c.worker_id == worker_id,
                    assignment_tasks.c.pool_id == training.id,
                    assignment_tasks.c.kind == "training",
                    assignment_tasks.c.correct.is_not(None),
                    assignments.c.status.in_(DONE),
                )
            ).scalars()
        ]
        skill_id = _ensure_skill(conn, training)
        score = qc.training_score(first_try)
        triggers += set_skill_value(conn, worker_id, training.requester_id, skill_id, score)
    triggers += [
        Trigger("TRAINING", row, worker_id, training=training)
        for row in conn.execute(
            sa.select(pools)
            .where(pools.c.requester_id == training.requester_id, pools.c.status != "ARCHIVED")
            .order_by(pools.c.id)
        ).all()
        if _requires(row, training.id) or row.id == training.id
    ]
    return triggers


def _requires(pool: Any, training_id: int) -> bool:
    requirement = (pool.doc.get("quality_control") or {}).get("training_requirement") or {}
    return parse_id(str(requirement.get("training_pool_id"))) == training_id


def gap(conn: Connection, worker_id: int, pool: Any, requirement: dict[str, Any]) -> str | None:
    """In plain words, why the worker does not meet the pool's training requirement; None if they do."""
    training_id = parse_id(str(requirement.get("training_pool_id")))
    needed = requirement.get("training_passing_skill_value") or 0
    skill_id = skill_of(conn, training_id) if training_id is not None else None
    row = (
        conn.execute(
            sa.select(user_skills.c.exact_value, user_skills.c.modified).where(
                user_skills.c.skill_id == skill_id,
                user_skills.c.worker_id == worker_id,
                user_skills.c.deleted.is_(None),
            )
        ).first()
        if skill_id is not None
        else None
    )
    if row is None:
        return "Complete the training first."
    ttl = (pool.doc.get("training_config") or {}).get("training_skill_ttl_days")
    if isinstance(ttl, int) and ttl > 0 and row.modified + timedelta(days=ttl) < utcnow():
        return "Your training result has expired; complete the training again."
    if row.exact_value < needed:
        return f"Your training score {round(row.exact_value)} is below the required {needed}."
    return None


def finished(conn: Connection, worker_id: int, training: Any) -> str | None:
    """Why a training pool has no more suites for this worker: they have done the required number."""
    if _done_suites(conn, worker_id, training.id) >= _required(training):
        return "You have completed this training."
    return None
