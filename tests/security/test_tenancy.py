"""Generated tenancy test: every requester path with an id in the OpenAPI schema, called by another
requester with every method it offers, never succeeds and changes nothing; every worker path with an
assignment or thread id, called by another worker, is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Requester, WorkerClient, setup_pool

REQUESTER_PREFIXES = ("/api/v1/", "/api/new/", "/api/staging/")
WORKER_PARAMS = {"assignment_id", "thread_id"}
PARAM = re.compile(r"{([^}]+)}")


def _ok(response: Any, *codes: int) -> Any:
    assert response.status_code in codes, response.text
    return response.json() if response.content else None


def _world(client: TestClient, alice: Requester, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Objects of every kind owned by ``alice``; returns path-parameter name -> id, plus the worker."""
    monkeypatch.setenv("CROWDLAB_ALLOW_PRIVATE_WEBHOOKS", "1")
    pool_id, task_ids = setup_pool(alice, n_tasks=4)
    pool = _ok(alice.call("GET", f"/api/v1/pools/{pool_id}"), 200)
    worker = WorkerClient(client, "tenant-worker")
    assignment = _ok(worker.take(pool_id), 201, 200)
    attachment = _ok(
        worker.call(
            "POST", f"/api/worker/assignments/{assignment['id']}/attachments", files={"file": ("a.txt", b"x")}
        ),
        201,
    )
    _ok(worker.submit(assignment), 200, 201)
    suites = _ok(alice.call("GET", "/api/v1/task-suites", params={"pool_id": pool_id}), 200)["items"]
    skill = _ok(alice.call("POST", "/api/v1/skills", json={"name": "tenancy"}), 201, 200)
    user_skill = _ok(
        alice.call(
            "PUT", "/api/v1/user-skills", json={"skill_id": skill["id"], "user_id": worker.id, "value": 50}
        ),
        201,
        200,
    )
    restriction = _ok(
        alice.call(
            "PUT",
            "/api/v1/user-restrictions",
            json={"scope": "PROJECT", "project_id": pool["project_id"], "user_id": worker.id},
        ),
        201,
        200,
    )
    bonus = _ok(
        alice.call(
            "POST",
            "/api/v1/user-bonuses",
            json={
                "user_id": worker.id,
                "amount": 0.01,
                "assignment_id": assignment["id"],
                "public_title": {"EN": "Thanks"},
                "public_message": {"EN": "Well done"},
            },
        ),
        201,
        200,
    )
    [subscription] = _ok(
        alice.call(
            "PUT",
            "/api/v1/webhook-subscriptions",
            json=[
                {"webhook_url": "http://127.0.0.1:9/hook", "event_type": "POOL_CLOSED", "pool_id": pool_id}
            ],
        ),
        201,
        200,
    )["items"].values()
    thread = _ok(
        alice.call(
            "POST",
            "/api/v1/message-threads/compose",
            json={
                "topic": {"EN": "Hi"},
                "text": {"EN": "Hello"},
                "recipients_select_type": "DIRECT",
                "recipients_ids": [worker.id],
                "answerable": True,
            },
        ),
        201,
        200,
    )
    aggregation = _ok(
        alice.call(
            "POST",
            "/api/v1/aggregated-solutions/aggregate-by-pool",
            json={"type": "DAWID_SKENE", "pool_id": pool_id, "fields": [{"name": "result"}]},
        ),
        202,
    )
    training_body = {
        "project_id": pool["project_id"],
        "private_name": "Training",
        "may_contain_adult_content": False,
        "assignment_max_duration_seconds": 300,
        "mix_tasks_in_creation_order": True,
        "shuffle_tasks_in_task_suite": False,
        "training_tasks_in_task_suite_count": 1,
        "task_suites_required_to_pass": 1,
        "retry_training_after_days": 1,
        "inherited_instructions": True,
    }
    training = _ok(alice.call("POST", "/api/v1/trainings", json=training_body), 201, 200)
    return {
        "project_id": pool["project_id"],
        "pool_id": pool_id,
        "training_id": training["id"],
        "task_id": task_ids[0],
        "suite_id": suites[0]["id"],
        "operation_id": aggregation["id"],
        "assignment_id": assignment["id"],
        "restriction_id": restriction["id"],
        "skill_id": skill["id"],
        "user_skill_id": user_skill["id"],
        "bonus_id": bonus["id"],
        "user_id": worker.id,
        "subscription_id": subscription["id"],
        "thread_id": thread["id"],
        "attachment_id": attachment["id"],
        "fmt": "tsv",
        "worker": worker,
    }


def _id_paths(client: TestClient, prefixes: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    schema = client.get("/openapi.json").json()
    return [
        (path, [m.upper() for m in ops if m in {"get", "post", "put", "patch", "delete"}])
        for path, ops in schema["paths"].items()
        if path.startswith(prefixes) and PARAM.search(path)
    ]


def _fill(path: str, ids: dict[str, Any]) -> str | None:
    names = PARAM.findall(path)
    if any(name not in ids for name in names):
        return None
    return PARAM.sub(lambda m: str(ids[m.group(1)]), path)


def _snapshot(who: Requester | WorkerClient, paths: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in paths:
        response = who.call("GET", path)
        out[path] = (response.status_code, response.content)
    return out


def test_another_requester_never_reaches_foreign_objects(
    client: TestClient, requester: Requester, other_requester: Requester, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _world(client, requester, monkeypatch)
    paths = _id_paths(client, REQUESTER_PREFIXES)
    unfilled = [p for p, _ in paths if _fill(p, ids) is None]
    assert unfilled == [] or all("appeal" in p for p in unfilled), unfilled
    readable = [url for p, methods in paths if "GET" in methods and (url := _fill(p, ids))]
    before = _snapshot(requester, readable)
    assert all(status == 200 for status, _ in before.values()), {
        k: v[0] for k, v in before.items() if v[0] != 200
    }
    leaks: list[str] = []
    calls = 0
    for path, methods in paths:
        url = _fill(path, ids)
        if url is None:
            continue
        for method in methods:
            kwargs: dict[str, Any] = {} if method in {"GET", "DELETE"} else {"json": {}}
            response = other_requester.call(method, url, **kwargs)
            calls += 1
            if response.status_code < 300 or response.status_code >= 500:
                leaks.append(f"{method} {url} -> {response.status_code} {response.text[:200]}")
    assert calls > 40
    assert leaks == [], "\n".join(leaks)
    assert _snapshot(requester, readable) == before


def test_another_worker_never_reaches_foreign_assignments(
    client: TestClient, requester: Requester, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _world(client, requester, monkeypatch)
    owner: WorkerClient = ids["worker"]
    intruder = WorkerClient(client, "intruder")
    paths = [
        (p, methods)
        for p, methods in _id_paths(client, ("/api/worker/",))
        if set(PARAM.findall(p)) <= WORKER_PARAMS
    ]
    assert len(paths) >= 5
    mine = [f"/api/worker/assignments/{ids['assignment_id']}"]
    theirs = [f"/api/v1/assignments/{ids['assignment_id']}", f"/api/v1/message-threads/{ids['thread_id']}"]
    before = (_snapshot(owner, mine), _snapshot(requester, theirs))
    refused: list[str] = []
    for path, methods in paths:
        url = _fill(path, ids)
        assert url is not None
        for method in methods:
            kwargs: dict[str, Any] = {} if method in {"GET", "DELETE"} else {"json": {}}
            if path.endswith("/attachments"):
                kwargs = {"files": {"file": ("b.txt", b"y")}}
            response = intruder.call(method, url, **kwargs)
            if not 400 <= response.status_code < 500:
                refused.append(f"{method} {url} -> {response.status_code} {response.text[:200]}")
    assert refused == [], "\n".join(refused)
    assert (_snapshot(owner, mine), _snapshot(requester, theirs)) == before
