"""Periodic work that keeps pools honest without anyone asking: expire overdue assignments, close
pools past ``will_expire`` or complete after their close delay, auto-accept reviewed-too-late work.

Each sweep is a set of short transactions; on PostgreSQL rows are claimed with SKIP LOCKED so any
number of runners can sweep at once and each item is handled exactly once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import sqlalchemy as sa

from crowdlab.domain.clock import utcnow
from crowdlab.jobs.operations import resume_operations
from crowdlab.jobs.webhooks import WebhookDispatcher
from crowdlab.services import issuing
from crowdlab.services import pools as pool_service
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments, pools

log = logging.getLogger("crowdlab.jobs")


def sweep_once(db: Database) -> dict[str, int]:
    """One pass of every periodic job; returns how many items each touched."""
    counts = {"expired": 0, "pools_expired": 0, "pools_completed": 0, "auto_accepted": 0}
    counts["operations_resumed"] = resume_operations(db)
    with db.write() as conn:
        counts["expired"] = issuing.expire_overdue(conn)
    now = utcnow()
    with db.write() as conn:
        for pool_id in conn.execute(
            sa.select(pools.c.id).where(pools.c.status == "OPEN", pools.c.will_expire <= now)
        ).scalars():
            counts["pools_expired"] += pool_service.close(conn, pool_id, "EXPIRED")
    with db.write() as conn:
        for pool in conn.execute(sa.select(pools).where(pools.c.status == "OPEN")).all():
            delay = pool.doc.get("auto_close_after_complete_delay_seconds") or 0
            if delay <= 0 or not issuing.is_complete(conn, pool.id):
                continue
            last = conn.execute(
                sa.select(sa.func.max(assignments.c.submitted)).where(assignments.c.pool_id == pool.id)
            ).scalar()
            if last is None or last + timedelta(seconds=delay) <= now:
                counts["pools_completed"] += pool_service.close(conn, pool.id, "COMPLETED")
    with db.write() as conn:
        waiting = conn.execute(
            sa.select(assignments, pools.c.doc)
            .join(pools, pools.c.id == assignments.c.pool_id)
            .where(assignments.c.status == "SUBMITTED")
            .limit(1000)
        ).all()
        for row in waiting:
            days = row.doc.get("auto_accept_period_day")
            if (
                row.doc.get("auto_accept_solutions", True) is False
                and days
                and row.submitted + timedelta(days=days) <= now
            ):
                issuing.accept_in(conn, row, comment=None)
                counts["auto_accepted"] += 1
    return counts


class Sweeper:
    """A background thread running ``sweep_once`` every ``interval`` seconds until stopped, and
    starting due webhook deliveries on each pass (they run on their own threads, never blocking it)."""

    def __init__(self, db: Database, interval: float = 1.0):
        self.db = db
        self.interval = interval
        self.webhooks = WebhookDispatcher(db)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crowdlab-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.webhooks.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                sweep_once(self.db)
            except Exception:  # keep sweeping: one bad pass must not stop the jobs
                log.exception("sweep failed")
            try:
                self.webhooks.dispatch()
            except Exception:
                log.exception("webhook dispatch failed")
