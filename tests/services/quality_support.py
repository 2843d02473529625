"""Helpers for the quality-control tests: rules as toloka-kit writes them, and pools with control tasks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crowdlab.storage.db import Database
from crowdlab.storage.tables import tasks, user_restrictions
from tests.conftest import CAT_DOG_PROJECT, Requester, WorkerClient, pool_body


def cond(key: str, operator: str, value: Any) -> dict[str, Any]:
    return {"key": key, "operator": operator, "value": value}


def rule(action: str, conditions: list[dict[str, Any]], **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": action}
    if parameters:
        body["parameters"] = parameters
    return {"conditions": conditions, "action": body}


def collector(kind: str, rules: list[dict[str, Any]], **parameters: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"type": kind}
    if parameters:
        config["parameters"] = parameters
    return {"collector_config": config, "rules": rules}


def ban(scope: str = "PROJECT", **extra: Any) -> dict[str, Any]:
    """RESTRICTION_V2 parameters (permanent unless duration/duration_unit are given)."""
    return {"scope": scope, "duration_unit": "PERMANENT", "private_comment": "qc", **extra}


def make_project(requester: Requester) -> str:
    return str(requester.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()["id"])


def qc_pool(
    requester: Requester,
    configs: list[dict[str, Any]],
    *,
    project_id: str | None = None,
    n_tasks: int = 4,
    n_golden: int = 0,
    golden_answer: str = "dog",
    overlap: int = 3,
    mixer: dict[str, Any] | None = None,
    quality_control: dict[str, Any] | None = None,
    open_pool: bool = True,
    **overrides: Any,
) -> tuple[str, list[str], list[str]]:
    """A pool with these collectors, ``n_tasks`` real tasks and ``n_golden`` control tasks whose known
    answer is ``golden_answer``; returns (pool id, real task ids, control task ids)."""
    project_id = project_id or make_project(requester)
    mixer = mixer or {
        "real_tasks_count": 1,
        "golden_tasks_count": 1 if n_golden else 0,
        "training_tasks_count": 0,
    }
    body = pool_body(
        project_id,
        mixer_config=mixer,
        quality_control={**(quality_control or {}), "configs": configs},
        defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": overlap},
        **overrides,
    )
    created = requester.call("POST", "/api/v1/pools", json=body)
    assert created.status_code == 201, created.text
    pool_id = created.json()["id"]
    items = [
        {"pool_id": pool_id, "input_values": {"image": f"https://x/{pool_id}/{i}.jpg"}}
        for i in range(n_tasks)
    ]
    items += [
        {
            "pool_id": pool_id,
            "input_values": {"image": f"https://x/{pool_id}/gold{i}.jpg"},
            "known_solutions": [{"output_values": {"result": golden_answer}}],
        }
        for i in range(n_golden)
    ]
    made = requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=items)
    assert made.status_code == 201, made.text
    ids = [made.json()["items"][str(i)]["id"] for i in range(len(items))]
    if open_pool:
        opened = requester.call("POST", f"/api/v1/pools/{pool_id}/open")
        assert opened.status_code == 202, opened.text
    return pool_id, ids[:n_tasks], ids[n_tasks:]


def do_suite(worker: WorkerClient, pool_id: str, answer: str = "cat") -> dict[str, Any]:
    """Take a suite and submit the same answer everywhere; returns the submitted assignment."""
    taken = worker.take(pool_id)
    assert taken.status_code == 201, taken.text
    done = worker.submit(taken.json(), answer=answer)
    assert done.status_code == 200, done.text
    return dict(done.json())


def restrictions_of(db: Database, worker_id: str) -> list[Any]:
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(user_restrictions)
                .where(user_restrictions.c.worker_id == int(worker_id), user_restrictions.c.deleted.is_(None))
                .order_by(user_restrictions.c.id)
            ).all()
        )


def task_row(db: Database, task_id: str) -> Any:
    with db.read() as conn:
        return conn.execute(sa.select(tasks).where(tasks.c.id == int(task_id))).one()
