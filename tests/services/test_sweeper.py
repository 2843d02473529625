"""The periodic jobs: expiry of overdue suites, pools closing at will_expire, auto-accept after the
review period, and delayed auto-close of completed pools."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from crowdlab.domain.clock import utcnow
from crowdlab.jobs.sweeper import sweep_once
from crowdlab.services import accounts, issuing, pools, projects, tasks
from crowdlab.services.integrity import violations
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments
from crowdlab.storage.tables import pools as pools_table
from tests.conftest import CAT_DOG_PROJECT, pool_body

ENGINE = issuing.Engine(fee_rate=Decimal("0.2"))


def _pool(db: Database, **overrides: object) -> tuple[int, str, accounts.Worker]:
    requester, _ = accounts.create_requester(db, "r", balance_micro=10_000_000)
    project = projects.create(db, requester.id, CAT_DOG_PROJECT)
    pool = pools.create(db, requester.id, pool_body(project["id"], **overrides))
    items = [{"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.png"}} for i in range(2)]
    tasks.create(db, requester.id, items, tasks.CreateOptions(allow_defaults=True), fee_rate=ENGINE.fee_rate)
    pools.open_pool(db, requester.id, pool["id"], ENGINE.fee_rate)
    worker, _ = accounts.sign_up_worker(db, "w", "pass-word-1", {"languages": ["EN"]})
    return requester.id, pool["id"], worker


def _age(db: Database, table: sa.Table, row_id: int, **values: object) -> None:
    with db.write() as conn:
        conn.execute(table.update().where(table.c.id == row_id).values(**values))


def test_overdue_suites_expire_and_their_tasks_return(db: Database) -> None:
    _, pool_id, worker = _pool(db)
    held = issuing.take(db, ENGINE, worker, pool_id)
    _age(db, assignments, int(held["id"]), expires=utcnow() - timedelta(seconds=1))
    assert sweep_once(db)["expired"] == 1
    assert issuing.get_own(db, worker, held["id"])["status"] == "EXPIRED"
    other, _ = accounts.sign_up_worker(db, "w2", "pass-word-1", {"languages": ["EN"]})
    assert len(issuing.take(db, ENGINE, other, pool_id)["tasks"]) == 2
    assert violations(db) == []


def test_pool_closes_at_will_expire(db: Database) -> None:
    requester_id, pool_id, _ = _pool(db)
    _age(db, pools_table, int(pool_id), will_expire=utcnow() - timedelta(seconds=1))
    assert sweep_once(db)["pools_expired"] == 1
    pool = pools.get(db, requester_id, pool_id)
    assert pool["status"] == "CLOSED" and pool["last_close_reason"] == "EXPIRED"


def test_unreviewed_work_is_accepted_after_the_review_period(db: Database) -> None:
    _, pool_id, worker = _pool(db, auto_accept_solutions=False, auto_accept_period_day=2)
    held = issuing.take(db, ENGINE, worker, pool_id)
    body = {"solutions": [{"output_values": {"result": "cat"}} for _ in held["tasks"]]}
    issuing.submit(db, ENGINE, worker, held["id"], body)
    assert sweep_once(db)["auto_accepted"] == 0  # still inside the review period
    _age(db, assignments, int(held["id"]), submitted=utcnow() - timedelta(days=2, seconds=1))
    assert sweep_once(db)["auto_accepted"] == 1
    assert issuing.get_own(db, worker, held["id"])["status"] == "ACCEPTED"
    assert violations(db) == []


def test_completed_pool_closes_after_its_delay(db: Database) -> None:
    requester_id, pool_id, worker = _pool(
        db, auto_close_after_complete_delay_seconds=60, defaults={"default_overlap_for_new_tasks": 1}
    )
    held = issuing.take(db, ENGINE, worker, pool_id)
    issuing.submit(db, ENGINE, worker, held["id"], {"solutions": [{"output_values": {"result": "cat"}}] * 2})
    assert pools.get(db, requester_id, pool_id)["status"] == "OPEN"  # waits for the delay
    assert sweep_once(db)["pools_completed"] == 0
    _age(db, assignments, int(held["id"]), submitted=utcnow() - timedelta(seconds=61))
    assert sweep_once(db)["pools_completed"] == 1
    assert pools.get(db, requester_id, pool_id)["last_close_reason"] == "COMPLETED"
