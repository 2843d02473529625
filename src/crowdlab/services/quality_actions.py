"""Actions of quality-control rules, applied in the transaction of the event that fired them.

Every action is idempotent, so a rule that holds again on the next event changes nothing twice:
- RESTRICTION / RESTRICTION_V2: no new ban while one of the same scope is in force (a permanent ban
  still replaces a timed one);
- SET_SKILL / SET_SKILL_FROM_OUTPUT_FIELD: set a value (setting it again is the same state);
- CHANGE_OVERLAP: once per (rule, assignment), recorded in ``qc_applied`` under a unique key;
- REJECT_ALL_ASSIGNMENTS / APPROVE_ALL_ASSIGNMENTS: only SUBMITTED assignments change.
An action returns the follow-up triggers it causes (a ban or a skill change that takes the worker out
of pools whose USERS_ASSESSMENT rules want to know).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from crowdlab.domain import filters
from crowdlab.domain import quality_control as qc
from crowdlab.domain.clock import utcnow
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.profile import filter_attributes
from crowdlab.services import skills as skill_service
from crowdlab.services.quality_collectors import DONE, Trigger
from crowdlab.storage.tables import (
    assignment_tasks,
    assignments,
    pools,
    skills,
    task_suites,
    tasks,
    user_restrictions,
    user_skills,
    workers,
)
from crowdlab.storage.tables_quality import qc_applied

DEFAULT_REJECT_COMMENT = "Rejected by the pool's quality control"


def claim_once(
    conn: Connection, rule_key: str, subject: str, *, pool_id: int, worker_id: int | None, action: str
) -> bool:
    """Record that ``rule_key`` acted on ``subject``; False when that was recorded already."""
    values = {
        "pool_id": pool_id,
        "worker_id": worker_id,
        "rule_key": rule_key[:200],
        "subject": subject[:100],
        "action": action,
        "created": utcnow(),
    }
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(qc_applied)
    inserted = conn.execute(insert.values(**values).on_conflict_do_nothing().returning(qc_applied.c.id))
    return inserted.first() is not None


def apply(
    conn: Connection, action: dict[str, Any], trigger: Trigger, stats: dict[str, Any], rule_key: str
) -> list[Trigger]:
    """Carry out one rule's action for the trigger's worker; returns follow-up triggers."""
    kind = action.get("type")
    parameters = action.get("parameters") or {}
    if kind in ("RESTRICTION", "RESTRICTION_V2"):
        return restrict(conn, action, trigger)
    if kind == "SET_SKILL":
        return set_skill(conn, trigger, parameters.get("skill_id"), parameters.get("skill_value"))
    if kind == "SET_SKILL_FROM_OUTPUT_FIELD":
        return set_skill(
            conn, trigger, parameters.get("skill_id"), stats.get(parameters.get("from_field") or "")
        )
    if kind == "CHANGE_OVERLAP":
        change_overlap(conn, trigger, parameters, rule_key)
    elif kind == "REJECT_ALL_ASSIGNMENTS":
        review_all(conn, trigger, accept=False, comment=parameters.get("public_comment"))
    elif kind == "APPROVE_ALL_ASSIGNMENTS":
        review_all(conn, trigger, accept=True, comment=None)
    return []


# ---------------------------------------------------------------------------------------------
# Bans


def restrict(conn: Connection, action: dict[str, Any], trigger: Trigger) -> list[Trigger]:
    """Ban the worker (pool, project or all projects of the requester) unless already banned so."""
    pool, now = trigger.pool, utcnow()
    scope = qc.restriction_scope(action)
    ends = qc.restriction_end(action, now)
    target = {
        "project_id": pool.project_id if scope == "PROJECT" else None,
        "pool_id": pool.id if scope == "POOL" else None,
    }
    in_force = conn.execute(
        sa.select(user_restrictions.c.will_expire).where(
            user_restrictions.c.worker_id == trigger.worker_id,
            user_restrictions.c.requester_id == pool.requester_id,
            user_restrictions.c.scope == scope,
            user_restrictions.c.project_id.is_(None)
            if target["project_id"] is None
            else user_restrictions.c.project_id == target["project_id"],
            user_restrictions.c.pool_id.is_(None)
            if target["pool_id"] is None
            else user_restrictions.c.pool_id == target["pool_id"],
            user_restrictions.c.deleted.is_(None),
            sa.or_(user_restrictions.c.will_expire.is_(None), user_restrictions.c.will_expire > now),
        )
    ).scalars()
    in_force_ends = list(in_force)
    if in_force_ends and (ends is not None or any(until is None for until in in_force_ends)):
        return []  # no stacking: only a permanent ban replaces a timed one still in force
    comment = (action.get("parameters") or {}).get("private_comment") or "Quality control rule"
    conn.execute(
        user_restrictions.insert().values(
            requester_id=pool.requester_id,
            worker_id=trigger.worker_id,
            scope=scope,
            private_comment=comment,
            will_expire=ends,
            created=now,
            **target,
        )
    )
    return revoked_by_restriction(conn, trigger.worker_id, pool.requester_id, scope, **target)


def revoked_by_restriction(
    conn: Connection,
    worker_id: int,
    requester_id: int,
    scope: str,
    *,
    project_id: int | None = None,
    pool_id: int | None = None,
) -> list[Trigger]:
    """USERS_ASSESSMENT triggers for the pools a new ban takes the worker out of (pools where they
    worked and whose rules listen)."""
    worked = sa.select(assignments.c.pool_id).where(
        assignments.c.worker_id == worker_id, assignments.c.requester_id == requester_id
    )
    query = sa.select(pools).where(pools.c.id.in_(worked), pools.c.status != "ARCHIVED")
    if scope == "PROJECT":
        query = query.where(pools.c.project_id == project_id)
    elif scope == "POOL":
        query = query.where(pools.c.id == pool_id)
    return [
        Trigger("REVOKED", row, worker_id, revoked_reason="RESTRICTION")
        for row in conn.execute(query.order_by(pools.c.id)).all()
        if _listens(row, "USERS_ASSESSMENT")
    ]


def _listens(pool: Any, collector: str) -> bool:
    return any(
        qc.collector_type(c) == collector for _, c in qc.collector_configs(pool.doc.get("quality_control"))
    )


# ---------------------------------------------------------------------------------------------
# Skills


def _skill_values(conn: Connection, worker_id: int, requester_id: int) -> dict[str, float]:
    from crowdlab.services.issuing import worker_skills  # late import: issuing imports quality

    return worker_skills(conn, worker_id, requester_id)


def set_skill(conn: Connection, trigger: Trigger, skill_id: Any, value: Any) -> list[Trigger]:
    """Give the worker a skill value (0-100) of one of the pool owner's skills."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    number = parse_id(str(skill_id)) if skill_id is not None else None
    requester_id = trigger.pool.requester_id
    owned = conn.execute(
        sa.select(skills.c.id).where(skills.c.id == number, skills.c.requester_id == requester_id)
    ).scalar()
    if owned is None:
        return []
    return set_skill_value(conn, trigger.worker_id, requester_id, int(owned), float(value))


def set_skill_value(
    conn: Connection, worker_id: int, requester_id: int, skill_id: int, value: float
) -> list[Trigger]:
    """Set a skill value and return USERS_ASSESSMENT triggers for pools the change shuts the worker
    out of (their filter matched before and does not now)."""
    value = min(100.0, max(0.0, value))
    current = conn.execute(
        sa.select(user_skills.c.exact_value).where(
            user_skills.c.skill_id == skill_id,
            user_skills.c.worker_id == worker_id,
            user_skills.c.deleted.is_(None),
        )
    ).scalar()
    if current is not None and float(current) == value:
        return []
    before = _skill_values(conn, worker_id, requester_id)
    skill_service.set_value(conn, skill_id, worker_id, value)
    after = _skill_values(conn, worker_id, requester_id)
    profile = conn.execute(sa.select(workers.c.profile).where(workers.c.id == worker_id)).scalar_one()
    attributes = filter_attributes(profile or {})
    worked = sa.select(assignments.c.pool_id).where(
        assignments.c.worker_id == worker_id, assignments.c.requester_id == requester_id
    )
    out = []
    for row in conn.execute(
        sa.select(pools).where(pools.c.id.in_(worked), pools.c.status != "ARCHIVED").order_by(pools.c.id)
    ).all():
        tree = row.doc.get("filter")
        if not tree or not _listens(row, "USERS_ASSESSMENT"):
            continue
        if filters.matches(tree, attributes, before) and not filters.matches(tree, attributes, after):
            out.append(
                Trigger(
                    "REVOKED", row, worker_id, revoked_reason="SKILL_CHANGE", skill_id=format_id(skill_id)
                )
            )
    return out


# ---------------------------------------------------------------------------------------------
# Overlap and reviews


def change_overlap(conn: Connection, trigger: Trigger, parameters: dict[str, Any], rule_key: str) -> None:
    """Raise the overlap of the tasks in the assessed assignment (ASSIGNMENTS_ASSESSMENT) or, for any
    other collector, in every suite the worker completed in the pool, so they get fresh answers; each
    assignment at most once per rule. ``open_pool`` reopens a pool that had closed as completed."""
    delta = parameters.get("delta")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta <= 0:
        return
    if trigger.event in ("ACCEPT", "REJECT") and trigger.assignment is not None:
        targets = [trigger.assignment.id]
    else:
        targets = list(
            conn.execute(
                sa.select(assignments.c.id)
                .where(
                    assignments.c.worker_id == trigger.worker_id,
                    assignments.c.pool_id == trigger.pool.id,
                    assignments.c.status.in_(DONE),
                )
                .order_by(assignments.c.id)
            ).scalars()
        )
    raised = False
    for assignment_id in targets:
        if claim_once(
            conn,
            rule_key,
            f"a{assignment_id}",
            pool_id=trigger.pool.id,
            worker_id=trigger.worker_id,
            action="CHANGE_OVERLAP",
        ):
            raise_overlap(conn, assignment_id, delta)
            raised = True
    if raised and parameters.get("open_pool"):
        conn.execute(
            pools.update()
            .where(
                pools.c.id == trigger.pool.id,
                pools.c.status == "CLOSED",
                pools.c.last_close_reason == "COMPLETED",
            )
            .values(status="OPEN", last_close_reason=None, last_started=utcnow())
        )


def raise_overlap(conn: Connection, assignment_id: int, delta: int) -> None:
    """Add ``delta`` to the overlap of an assignment's real tasks (and of its suite when the requester
    composed it), keeping ``available`` in step with ``live_count < overlap``."""
    general = list(
        conn.execute(
            sa.select(assignment_tasks.c.task_id).where(
                assignment_tasks.c.assignment_id == assignment_id, assignment_tasks.c.kind == "general"
            )
        ).scalars()
    )
    if general:
        grown = tasks.c.overlap + delta
        conn.execute(
            tasks.update()
            .where(tasks.c.id.in_(general), tasks.c.infinite_overlap.is_(False), tasks.c.overlap.is_not(None))
            .values(overlap=grown, available=tasks.c.live_count < grown)
        )
    suite_id = conn.execute(
        sa.select(assignments.c.task_suite_id).where(assignments.c.id == assignment_id)
    ).scalar_one()
    grown_suite = task_suites.c.overlap + delta
    conn.execute(
        task_suites.update()
        .where(
            task_suites.c.id == suite_id,
            task_suites.c.mixed.is_(False),
            task_suites.c.infinite_overlap.is_(False),
            task_suites.c.overlap.is_not(None),
        )
        .values(overlap=grown_suite, available=task_suites.c.live_count < grown_suite)
    )


def review_all(conn: Connection, trigger: Trigger, *, accept: bool, comment: str | None) -> None:
    """Accept or reject every SUBMITTED assignment of the worker in the pool (rejected tasks go back to
    the pool for other workers)."""
    from crowdlab.services import issuing  # late import: issuing imports quality

    ids = list(
        conn.execute(
            sa.select(assignments.c.id)
            .where(
                assignments.c.worker_id == trigger.worker_id,
                assignments.c.pool_id == trigger.pool.id,
                assignments.c.status == "SUBMITTED",
            )
            .order_by(assignments.c.id)
        ).scalars()
    )
    for assignment_id in ids:
        row = conn.execute(sa.select(assignments).where(assignments.c.id == assignment_id)).one()
        if row.status != "SUBMITTED":  # a nested rule reviewed it meanwhile
            continue
        if accept:
            issuing.accept_in(conn, row, comment=comment)
        else:
            issuing.reject_in(conn, row, comment=comment or DEFAULT_REJECT_COMMENT)
