"""Many workers at once on one pool, on SQLite and PostgreSQL: no invariant breaks, no 5xx-like error."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from crowdlab.domain.errors import CrowdlabError
from crowdlab.services import accounts, issuing, pools, projects, tasks
from crowdlab.services.integrity import violations
from crowdlab.storage.db import Database
from tests.conftest import CAT_DOG_PROJECT, pool_body

ENGINE = issuing.Engine(fee_rate=Decimal("0.2"))


def make_pool(
    db: Database, n_tasks: int, overlap: int, balance: int = 100_000_000, per_suite: int = 3
) -> tuple[int, str]:
    requester, _ = accounts.create_requester(db, f"r{random.random()}", balance_micro=balance)
    project = projects.create(db, requester.id, CAT_DOG_PROJECT)
    pool = pools.create(
        db,
        requester.id,
        pool_body(
            project["id"],
            defaults={"default_overlap_for_new_tasks": overlap},
            mixer_config={"real_tasks_count": per_suite, "golden_tasks_count": 0, "training_tasks_count": 0},
        ),
    )
    items = [
        {"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.png"}} for i in range(n_tasks)
    ]
    tasks.create(db, requester.id, items, tasks.CreateOptions(allow_defaults=True), fee_rate=ENGINE.fee_rate)
    pools.open_pool(db, requester.id, pool["id"], ENGINE.fee_rate)
    return requester.id, pool["id"]


def crowd(db: Database, pool_id: str, n_workers: int, seed: int) -> dict[str, int]:
    counts = {"submitted": 0, "skipped": 0, "unexpected": 0}
    lock = threading.Lock()

    def work(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        worker, _ = accounts.sign_up_worker(db, f"w{seed}-{index}", "pass-word-1", {"languages": ["EN"]})
        idle = 0
        while True:
            try:
                assignment = issuing.take(db, ENGINE, worker, pool_id)
                idle = 0
            except CrowdlabError as exc:
                if exc.code == "POOL_ASSIGNMENTS_EXHAUSTED" and idle < 20:
                    # what is left may be held by others and come back when they skip: look again soon
                    idle += 1
                    time.sleep(0.02)
                    continue
                if exc.code in ("POOL_ASSIGNMENTS_EXHAUSTED", "ACCESS_DENIED", "NOT_ENOUGH_BALANCE"):
                    return
                with lock:
                    counts["unexpected"] += 1
                continue
            if rng.random() < 0.15:
                issuing.skip(db, worker, assignment["id"])
                key = "skipped"
            else:
                body = {"solutions": [{"output_values": {"result": "cat"}} for _ in assignment["tasks"]]}
                issuing.submit(db, ENGINE, worker, assignment["id"], body)
                key = "submitted"
            with lock:
                counts[key] += 1

    with ThreadPoolExecutor(max_workers=n_workers) as executor:
        for future in [executor.submit(work, i) for i in range(n_workers)]:
            future.result()
    return counts


@pytest.mark.slow
def test_fifty_concurrent_workers_keep_every_invariant(any_db: Database) -> None:
    _, pool_id = make_pool(any_db, n_tasks=120, overlap=3)
    counts = crowd(any_db, pool_id, n_workers=50, seed=1)
    assert counts["unexpected"] == 0
    assert violations(any_db) == []
    assert counts["submitted"] >= 120  # 360 answers in suites of at most 3
    with any_db.read() as conn:
        assert issuing.is_complete(conn, int(pool_id))


@pytest.mark.slow
def test_budget_runs_out_without_overspending(any_db: Database) -> None:
    # Each pool alone is affordable (16 suites x 0.06 = 0.96), so both open; together they are not,
    # and the crowd drains the balance without ever overspending it.
    requester_id, first = make_pool(any_db, n_tasks=16, overlap=2, balance=1_000_000, per_suite=2)
    project = pools.get(any_db, requester_id, first)["project_id"]
    body = pool_body(
        project,
        defaults={"default_overlap_for_new_tasks": 2},
        mixer_config={"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0},
    )
    second = pools.create(any_db, requester_id, body)["id"]
    items = [{"pool_id": second, "input_values": {"image": f"https://e.com/b{i}.png"}} for i in range(16)]
    tasks.create(
        any_db, requester_id, items, tasks.CreateOptions(allow_defaults=True), fee_rate=ENGINE.fee_rate
    )
    pools.open_pool(any_db, requester_id, second, ENGINE.fee_rate)
    crowd(any_db, first, n_workers=10, seed=2)
    crowd(any_db, second, n_workers=10, seed=3)
    assert violations(any_db) == []
    closed = pools.get(any_db, requester_id, second)
    assert closed["status"] == "CLOSED" and closed["last_close_reason"] == "NOT_ENOUGH_BALANCE"
    with any_db.read() as conn:
        from crowdlab.storage.tables import requesters

        balance = conn.execute(requesters.select().where(requesters.c.id == requester_id)).one().balance_micro
    assert 0 <= balance < 60_000  # less than one more suite is left
