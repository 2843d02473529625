"""Aggregation through the API: by pool (operation), by task, results paging and files."""

from __future__ import annotations

from typing import Any

from tests.conftest import CAT_DOG_PROJECT, Requester, WorkerClient, pool_body


def _answered_pool(client: Any, requester: Requester) -> tuple[str, list[str]]:
    project = requester.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()
    mixer = {"real_tasks_count": 2, "golden_tasks_count": 1, "training_tasks_count": 0}
    pool = requester.call("POST", "/api/v1/pools", json=pool_body(project["id"], mixer_config=mixer)).json()
    items = [{"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.png"}} for i in range(2)]
    items.append(
        {
            "pool_id": pool["id"],
            "input_values": {"image": "https://e.com/g.png"},
            "known_solutions": [{"output_values": {"result": "dog"}}],
        }
    )
    created = requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=items).json()
    requester.call("POST", f"/api/v1/pools/{pool['id']}/open")
    # three workers: a and b say cat to everything, c says dog; the control task's answer is dog
    for name, answer in (("a", "cat"), ("b", "cat"), ("c", "dog")):
        worker = WorkerClient(client, name)
        assignment = worker.take(pool["id"]).json()
        assert worker.submit(assignment, answer=answer).status_code == 200
    return pool["id"], [created["items"][str(i)]["id"] for i in range(2)]


def test_aggregate_by_pool_majority_and_dawid_skene(client: Any, requester: Requester) -> None:
    pool_id, task_ids = _answered_pool(client, requester)
    for kind in ("WEIGHTED_DYNAMIC_OVERLAP", "DAWID_SKENE"):
        operation = requester.call(
            "POST",
            "/api/v1/aggregated-solutions/aggregate-by-pool",
            json={"type": kind, "pool_id": pool_id, "fields": [{"name": "result"}]},
        )
        assert operation.status_code == 202 and operation.json()["type"] == "SOLUTION.AGGREGATE"
        done = requester.call("GET", f"/api/v1/operations/{operation.json()['id']}").json()
        assert done["status"] == "SUCCESS", done
        results = requester.call(
            "GET", f"/api/v1/aggregated-solutions/{done['id']}", params={"sort": "task_id", "limit": 1}
        ).json()
        assert results["has_more"] is True
        first = results["items"][0]
        assert first["task_id"] == task_ids[0]
        rest = requester.call(
            "GET",
            f"/api/v1/aggregated-solutions/{done['id']}",
            params={"task_id_gt": first["task_id"], "sort": "task_id"},
        ).json()
        assert [r["task_id"] for r in rest["items"]] == [task_ids[1]]  # the control task gets no result
        if kind == "WEIGHTED_DYNAMIC_OVERLAP":  # a plain vote: two against one
            assert first["output_values"] == {"result": "cat"} and abs(first["confidence"] - 2 / 3) < 1e-9
        else:  # only c answered the control task right: Dawid-Skene learns to trust c over a and b
            assert first["output_values"] == {"result": "dog"} and first["confidence"] > 0.5
    file = requester.call("GET", f"/api/v1/aggregated-solutions/{done['id']}/file")
    lines = file.text.splitlines()
    assert "CONFIDENCE:result" in lines[0] and len(lines) == 3


def test_aggregate_by_task_and_errors(client: Any, requester: Requester, other_requester: Requester) -> None:
    pool_id, task_ids = _answered_pool(client, requester)
    body = {
        "type": "WEIGHTED_DYNAMIC_OVERLAP",
        "pool_id": pool_id,
        "task_id": task_ids[1],
        "fields": [{"name": "result"}],
    }
    result = requester.call("POST", "/api/v1/aggregated-solutions/aggregate-by-task", json=body).json()
    assert result["output_values"] == {"result": "cat"} and result["task_id"] == task_ids[1]
    bad = requester.call(
        "POST",
        "/api/v1/aggregated-solutions/aggregate-by-pool",
        json={**body, "fields": [{"name": "colour"}]},
    )
    assert bad.status_code == 400 and "fields.0.name" in bad.json()["payload"]
    unknown = requester.call(
        "POST", "/api/v1/aggregated-solutions/aggregate-by-pool", json={**body, "type": "MAGIC"}
    )
    assert unknown.status_code == 400 and "type" in unknown.json()["payload"]
    foreign = other_requester.call("POST", "/api/v1/aggregated-solutions/aggregate-by-pool", json=body)
    assert foreign.status_code == 400 and "pool_id" in foreign.json()["payload"]
