"""The platform's invariants checked straight from the tables: overlap, never twice, one active suite,
and the books. Used by tests after concurrent runs, by benchmarks, and by `crowdlab audit`."""

from __future__ import annotations

import sqlalchemy as sa

from crowdlab.services import ledger
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignment_tasks, assignments, tasks


def violations(db: Database) -> list[str]:
    """Every broken invariant, in words; empty when all hold."""
    problems: list[str] = []
    with db.read() as conn:
        live: dict[int, int] = dict(
            conn.execute(
                sa.select(assignment_tasks.c.task_id, sa.func.count())
                .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
                .where(assignments.c.status.in_(["ACTIVE", "SUBMITTED", "ACCEPTED"]))
                .group_by(assignment_tasks.c.task_id)
            ).all()
        )
        done: dict[int, int] = dict(
            conn.execute(
                sa.select(assignment_tasks.c.task_id, sa.func.count())
                .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
                .where(assignments.c.status.in_(["SUBMITTED", "ACCEPTED"]))
                .group_by(assignment_tasks.c.task_id)
            ).all()
        )
        for task in conn.execute(sa.select(tasks)).all():
            n_live, n_done = live.get(task.id, 0), done.get(task.id, 0)
            if task.kind == "general":
                if task.live_count != n_live:
                    problems.append(
                        f"task {task.id}: live_count {task.live_count} but {n_live} live assignments"
                    )
                if task.done_count != n_done:
                    problems.append(
                        f"task {task.id}: done_count {task.done_count} but {n_done} done assignments"
                    )
                if not task.infinite_overlap and n_live > (task.overlap or 0):
                    problems.append(
                        f"task {task.id}: {n_live} live assignments exceed overlap {task.overlap}"
                    )
        twice = conn.execute(
            sa.select(assignment_tasks.c.task_id, assignment_tasks.c.worker_id)
            .group_by(assignment_tasks.c.task_id, assignment_tasks.c.worker_id)
            .having(sa.func.count() > 1)
        ).all()
        problems += [f"task {t} issued twice to worker {w}" for t, w in twice]
        two_active = conn.execute(
            sa.select(assignments.c.worker_id, assignments.c.pool_id)
            .where(assignments.c.status == "ACTIVE")
            .group_by(assignments.c.worker_id, assignments.c.pool_id)
            .having(sa.func.count() > 1)
        ).all()
        problems += [f"worker {w} holds two active suites in pool {p}" for w, p in two_active]
        problems += ledger.audit(conn).problems
    return problems
