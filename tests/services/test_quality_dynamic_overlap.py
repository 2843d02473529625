"""Dynamic overlap: tasks start at their overlap and grow one answer at a time until the weighted answer
is confident enough or the maximum overlap is reached; DYNAMIC_OVERLAP_COMPLETED once per task."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crowdlab.domain.clock import utcnow
from crowdlab.services.integrity import violations
from crowdlab.storage.db import Database
from crowdlab.storage.tables import webhook_deliveries, webhook_subscriptions
from tests.conftest import Requester, WorkerClient
from tests.services.quality_support import do_suite, qc_pool, task_row


def _dynamic_pool(requester: Requester, **config: Any) -> tuple[str, str]:
    dynamic = {
        "type": "BASIC",
        "max_overlap": 4,
        "min_confidence": 0.85,
        "fields": [{"name": "result"}],
        **config,
    }
    pool_id, [task_id], _ = qc_pool(requester, [], n_tasks=1, overlap=2, dynamic_overlap_config=dynamic)
    return pool_id, task_id


def _subscribe(db: Database, requester: Requester, pool_id: str) -> None:
    with db.write() as conn:
        conn.execute(
            webhook_subscriptions.insert().values(
                requester_id=requester.account.id,
                pool_id=int(pool_id),
                event_type="DYNAMIC_OVERLAP_COMPLETED",
                webhook_url="http://127.0.0.1:9/hook",
                created=utcnow(),
            )
        )


def _completions(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [
            row.payload
            for row in conn.execute(
                sa.select(webhook_deliveries).where(
                    webhook_deliveries.c.event_type == "DYNAMIC_OVERLAP_COMPLETED"
                )
            ).all()
        ]


def test_agreement_at_the_minimum_overlap_finishes_the_task(
    client: Any, db: Database, requester: Requester
) -> None:
    pool_id, task_id = _dynamic_pool(requester)
    _subscribe(db, requester, pool_id)
    for name in ("a", "b"):
        do_suite(WorkerClient(client, name), pool_id, "cat")
    task = task_row(db, task_id)
    assert (task.overlap, task.done_count) == (2, 2)
    [event] = _completions(db)
    assert event["task_id"] == task_id and event["overlap"] == 2 and event["confidence"] >= 0.85
    assert requester.call("GET", f"/api/v1/pools/{pool_id}").json()["last_close_reason"] == "COMPLETED"


def test_disagreement_grows_the_overlap_up_to_the_maximum(
    client: Any, db: Database, requester: Requester
) -> None:
    pool_id, task_id = _dynamic_pool(requester)
    _subscribe(db, requester, pool_id)
    workers = [WorkerClient(client, f"w{i}") for i in range(5)]
    do_suite(workers[0], pool_id, "cat")
    assert task_row(db, task_id).overlap == 2  # waiting for the second answer
    do_suite(workers[1], pool_id, "dog")
    task = task_row(db, task_id)
    assert (task.overlap, bool(task.available)) == (3, True)
    do_suite(workers[2], pool_id, "cat")  # 2:1 with default accuracies is 0.75 < 0.85
    assert task_row(db, task_id).overlap == 4
    assert _completions(db) == []
    do_suite(workers[3], pool_id, "cat")  # at the maximum: done whatever the confidence
    task = task_row(db, task_id)
    assert (task.overlap, task.done_count, bool(task.available)) == (4, 4, False)
    assert len(_completions(db)) == 1
    assert workers[4].take(pool_id).status_code == 403  # the pool completed
    assert violations(db) == []


def test_answers_are_weighted_by_the_skill(client: Any, db: Database, requester: Requester) -> None:
    skill = requester.call("POST", "/api/v1/skills", json={"name": "weight"}).json()
    pool_id, task_id = _dynamic_pool(requester, answer_weight_skill_id=skill["id"])
    expert, novice = WorkerClient(client, "expert"), WorkerClient(client, "novice")
    for worker, value in ((expert, 99), (novice, 60)):
        requester.call(
            "PUT", "/api/v1/user-skills", json={"skill_id": skill["id"], "user_id": worker.id, "value": value}
        )
    do_suite(expert, pool_id, "cat")
    do_suite(novice, pool_id, "dog")  # outweighed: 0.99*0.4 vs 0.01*0.6
    task = task_row(db, task_id)
    assert (task.overlap, task.done_count) == (2, 2)
    assert requester.call("GET", f"/api/v1/pools/{pool_id}").json()["status"] == "CLOSED"
