"""Dynamic overlap (incremental relabeling): a task starts at its overlap (the minimum) and gets one
more answer at a time until the aggregated answer is confident enough or the maximum overlap is hit.

Config (``pool.dynamic_overlap_config``): ``{"type": "BASIC", "max_overlap", "min_confidence",
"answer_weight_skill_id", "fields": [{"name"}]}``. After each submission, for every real task in it
whose issued answers are all in, the posterior confidence of the most probable answer is computed
(domain.quality_control.posterior_confidence) with each worker's accuracy taken from the weight skill
(value / 100) or, without it, from the worker's control-task answers in the pool (smoothed toward
PRIOR_ACCURACY). Below ``min_confidence`` the task's overlap grows by one; otherwise the task is done
and DYNAMIC_OVERLAP_COMPLETED is emitted once for it.

Runs inside the submit transaction, after the task's ``done_count`` UPDATE: that row lock serialises
concurrent submissions of answers to the same task, so each decision sees every answer before it.
Tasks of suites composed by the requester (not mixed) keep their fixed overlap.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain import quality_control as qc
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.services import events
from crowdlab.services.projects import task_spec_of
from crowdlab.services.quality_actions import claim_once
from crowdlab.services.quality_collectors import ANSWERED, answers_to
from crowdlab.storage.tables import assignment_tasks, assignments, tasks, user_skills


def config_of(pool: Any) -> dict[str, Any] | None:
    """The pool's dynamic overlap config when it is usable, else None."""
    config = pool.doc.get("dynamic_overlap_config")
    if not isinstance(config, dict) or config.get("type", "BASIC") != "BASIC":
        return None
    if not isinstance(config.get("max_overlap"), int) or not isinstance(
        config.get("min_confidence"), int | float
    ):
        return None
    return config


def _fields(config: dict[str, Any]) -> list[str]:
    return [f["name"] for f in config.get("fields") or [] if isinstance(f, dict) and f.get("name")]


def _label_count(conn: Connection, pool: Any, fields: list[str]) -> int:
    """How many different answers are possible (product of allowed values), 0 when unbounded."""
    output_spec = task_spec_of(conn, pool.project_id).get("output_spec") or {}
    names = fields or list(output_spec)
    count = 1
    for name in names:
        allowed = (output_spec.get(name) or {}).get("allowed_values")
        if not allowed:
            return 0
        count *= len(allowed)
    return count if names else 0


def _accuracies(
    conn: Connection, pool: Any, config: dict[str, Any], worker_ids: set[int]
) -> dict[int, float]:
    out: dict[int, float] = {}
    skill = parse_id(str(config["answer_weight_skill_id"])) if config.get("answer_weight_skill_id") else None
    if skill is not None:
        for worker_id, value in conn.execute(
            sa.select(user_skills.c.worker_id, user_skills.c.exact_value).where(
                user_skills.c.skill_id == skill,
                user_skills.c.worker_id.in_(worker_ids),
                user_skills.c.deleted.is_(None),
            )
        ).all():
            out[worker_id] = float(value) / 100.0
    missing = worker_ids - set(out)
    if missing:
        tallies = {
            row.worker_id: (int(row.right or 0), int(row.total))
            for row in conn.execute(
                sa.select(
                    assignment_tasks.c.worker_id,
                    sa.func.sum(sa.case((assignment_tasks.c.correct.is_(True), 1), else_=0)).label("right"),
                    sa.func.count().label("total"),
                )
                .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
                .where(
                    assignment_tasks.c.pool_id == pool.id,
                    assignment_tasks.c.worker_id.in_(missing),
                    assignment_tasks.c.kind == "golden",
                    assignment_tasks.c.correct.is_not(None),
                    assignments.c.status.in_(ANSWERED),
                )
                .group_by(assignment_tasks.c.worker_id)
            ).all()
        }
        for worker_id in missing:
            right, total = tallies.get(worker_id, (0, 0))
            out[worker_id] = qc.accuracy_estimate(right, total)
    return out


def after_submit(conn: Connection, assignment: Any, pool: Any) -> None:
    """Grow or finish each real task of a just-submitted assignment, per the pool's config."""
    config = config_of(pool)
    if config is None:
        return
    task_rows = conn.execute(
        sa.select(tasks)
        .join(assignment_tasks, assignment_tasks.c.task_id == tasks.c.id)
        .where(
            assignment_tasks.c.assignment_id == assignment.id,
            assignment_tasks.c.kind == "general",
            tasks.c.infinite_overlap.is_(False),
            tasks.c.overlap.is_not(None),
            tasks.c.suite_id.is_(None),
        )
    ).all()
    if not task_rows:
        return
    fields = _fields(config)
    labels = _label_count(conn, pool, fields)
    answers = answers_to(conn, [t.id for t in task_rows])
    accuracy = _accuracies(conn, pool, config, {w for rows in answers.values() for w, _ in rows})
    for task in task_rows:
        votes = [(qc.answer_key(values, fields), accuracy[w]) for w, values in answers[task.id]]
        _, confidence = qc.posterior_confidence(votes, labels)
        step = qc.dynamic_overlap_step(
            len(votes), task.overlap, int(config["max_overlap"]), confidence, float(config["min_confidence"])
        )
        if step == "raise":
            grown = tasks.c.overlap + 1
            conn.execute(
                tasks.update()
                .where(tasks.c.id == task.id, tasks.c.overlap == task.overlap)
                .values(overlap=grown, available=tasks.c.live_count < grown)
            )
        elif step == "done" and claim_once(
            conn,
            f"dynamic-overlap:{pool.id}",
            f"t{task.id}",
            pool_id=pool.id,
            worker_id=None,
            action="DYNAMIC_OVERLAP_COMPLETED",
        ):
            events.emit(
                conn,
                pool.id,
                "DYNAMIC_OVERLAP_COMPLETED",
                task_id=format_id(task.id),
                overlap=task.overlap,
                confidence=round(confidence, 4),
            )
