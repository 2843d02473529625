"""The core flow through the in-process API: project, pool, tasks, issue, submit, pay, complete."""

from __future__ import annotations

from typing import Any

from tests.conftest import CAT_DOG_PROJECT, Requester, WorkerClient, pool_body, setup_pool


def test_requester_sees_balance(requester: Requester) -> None:
    me = requester.call("GET", "/api/v1/requester").json()
    assert me["balance"] == 100
    assert me["id"] == me["company"]["id"]


def test_unknown_token_is_authentication_error(client: Any) -> None:
    response = client.get("/api/v1/requester", headers={"Authorization": "OAuth nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_ERROR"
    assert "request_id" in response.json()


def test_full_cycle_pays_workers_and_completes_pool(client: Any, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester, n_tasks=4)
    workers = [WorkerClient(client, f"w{i}") for i in range(3)]
    for worker in workers:
        for _ in range(2):
            taken = worker.take(pool_id)
            assert taken.status_code == 201, taken.text
            assignment = taken.json()
            assert len(assignment["tasks"]) == 2
            assert worker.submit(assignment).status_code == 200
    # every task answered 3 times -> pool closes by itself
    pool = requester.call("GET", f"/api/v1/pools/{pool_id}").json()
    assert pool["status"] == "CLOSED"
    assert pool["last_close_reason"] == "COMPLETED"
    accepted = requester.call(
        "GET", "/api/v1/assignments", params={"pool_id": pool_id, "status": "ACCEPTED"}
    ).json()
    assert len(accepted["items"]) == 6
    # 6 suites x (0.05 + 20% fee) = 0.36
    assert requester.call("GET", "/api/v1/requester").json()["balance"] == 99.64
    history = workers[0].call("GET", "/api/worker/assignments").json()
    assert history["earned"] == 0.1


def test_worker_never_gets_same_task_twice(client: Any, requester: Requester) -> None:
    pool_id, task_ids = setup_pool(requester, n_tasks=4)
    worker = WorkerClient(client, "solo")
    seen: list[str] = []
    while True:
        taken = worker.take(pool_id)
        if taken.status_code != 201:
            assert taken.json()["code"] == "POOL_ASSIGNMENTS_EXHAUSTED"
            break
        seen += [t["id"] for t in taken.json()["tasks"]]
        worker.submit(taken.json())
    assert sorted(seen) == sorted(task_ids)


def test_take_is_idempotent_while_active(client: Any, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester)
    worker = WorkerClient(client, "w")
    first = worker.take(pool_id).json()
    assert worker.take(pool_id).json()["id"] == first["id"]


def test_skip_returns_tasks(client: Any, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester, n_tasks=2)
    a, b = WorkerClient(client, "a"), WorkerClient(client, "b")
    first = a.take(pool_id).json()
    assert a.call("POST", f"/api/worker/assignments/{first['id']}/skip").json()["status"] == "SKIPPED"
    assert b.take(pool_id).status_code == 201
    # a never gets those tasks again
    assert a.take(pool_id).json()["code"] == "POOL_ASSIGNMENTS_EXHAUSTED"


def test_submission_is_validated_against_output_spec(client: Any, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester)
    worker = WorkerClient(client, "w")
    assignment = worker.take(pool_id).json()
    bad = worker.submit(assignment, answer="horse")
    assert bad.status_code == 400
    assert bad.json()["code"] == "VALIDATION_ERROR"
    assert "solutions.0.output_values.result" in bad.json()["payload"]
    missing = worker.call(
        "POST",
        f"/api/worker/assignments/{assignment['id']}/submit",
        json={"solutions": [{"output_values": {}}] * 2},
    )
    assert missing.json()["payload"]["solutions.0.output_values.result"]["code"] == "VALUE_REQUIRED"
    # nothing was half-written: the assignment is still active and can be submitted properly
    assert worker.submit(assignment).status_code == 200


def test_known_solutions_and_hints_never_reach_workers(client: Any, requester: Requester) -> None:
    project = requester.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()
    mixer = {"real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 1}
    pool = requester.call("POST", "/api/v1/pools", json=pool_body(project["id"], mixer_config=mixer)).json()
    known = [{"output_values": {"result": "dog"}}]
    tasks = [
        {"pool_id": pool["id"], "input_values": {"image": "https://x/gold.jpg"}, "known_solutions": known},
        {
            "pool_id": pool["id"],
            "input_values": {"image": "https://x/train.jpg"},
            "known_solutions": known,
            "message_on_unknown_solution": "SECRET-HINT-4711",
        },
        {"pool_id": pool["id"], "input_values": {"image": "https://x/real.jpg"}},
    ]
    assert (
        requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks).status_code
        == 201
    )
    requester.call("POST", f"/api/v1/pools/{pool['id']}/open")
    worker = WorkerClient(client, "w")
    taken = worker.take(pool["id"])
    assert {t["input_values"]["image"] for t in taken.json()["tasks"]} == {
        f"https://x/{n}.jpg" for n in ("gold", "train", "real")
    }
    responses = [
        taken,
        worker.call("GET", f"/api/worker/assignments/{taken.json()['id']}"),
        worker.call("GET", "/api/worker/pools"),
        worker.call("GET", "/api/worker/assignments"),
    ]
    for response in responses:
        for secret in (
            "SECRET-HINT",
            "known_solutions",
            "correctness_weight",
            "message_on_unknown_solution",
            "golden",
        ):
            assert secret not in response.text, (secret, response.request.url)
    # the requester does see them
    assert "SECRET-HINT-4711" in requester.call("GET", "/api/v1/tasks", params={"pool_id": pool["id"]}).text


def test_other_requester_sees_nothing(requester: Requester, other_requester: Requester) -> None:
    pool_id, task_ids = setup_pool(requester)
    project_id = requester.call("GET", f"/api/v1/pools/{pool_id}").json()["project_id"]
    for path in (
        f"/api/v1/pools/{pool_id}",
        f"/api/v1/projects/{project_id}",
        f"/api/v1/tasks/{task_ids[0]}",
    ):
        response = other_requester.call("GET", path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "DOES_NOT_EXIST"
    assert other_requester.call("GET", "/api/v1/tasks", params={"pool_id": pool_id}).json()["items"] == []
    assert other_requester.call("POST", f"/api/v1/pools/{pool_id}/close").status_code == 404


def test_rejected_work_accepted_later_is_paid_once(client: Any, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester, n_tasks=2, auto_accept_solutions=False)
    worker = WorkerClient(client, "w")
    assignment = worker.take(pool_id).json()
    worker.submit(assignment)
    path = f"/api/v1/assignments/{assignment['id']}"
    refused = requester.call("PATCH", path, json={"status": "REJECTED"})
    assert refused.status_code == 400 and "public_comment" in refused.json()["payload"]
    assert (
        requester.call("PATCH", path, json={"status": "REJECTED", "public_comment": "blurry"}).json()[
            "status"
        ]
        == "REJECTED"
    )
    accepted = requester.call(
        "PATCH", path, json={"status": "ACCEPTED", "public_comment": "on appeal"}
    ).json()
    assert accepted["status"] == "ACCEPTED" and accepted["public_comment"] == "on appeal"
    again = requester.call("PATCH", path, json={"status": "ACCEPTED"})
    assert again.status_code == 409 and again.json()["code"] == "INAPPROPRIATE_STATUS"
    assert worker.call("GET", "/api/worker/assignments").json()["earned"] == 0.05


def test_pool_that_the_balance_cannot_finish_is_not_opened(client: Any, db: Any) -> None:
    poor = Requester(client, db, "poor", balance="0.30")
    pool_id, _ = setup_pool(poor, n_tasks=10, open_pool=False)  # 10 tasks x 3 / 2 per suite = 15 suites
    budget = poor.call("GET", f"/api/v1/pools/{pool_id}/budget").json()
    assert budget["task_suites"] == 15 and budget["total"] == 0.9 and budget["covered"] is False
    refused = poor.call("POST", f"/api/v1/pools/{pool_id}/open")
    assert refused.status_code == 409 and refused.json()["code"] == "NOT_ENOUGH_BALANCE"
    assert "0.9" in refused.json()["message"]
    assert poor.call("GET", f"/api/v1/pools/{pool_id}").json()["status"] == "CLOSED"


def test_workers_cannot_verify_themselves(client: Any) -> None:
    worker = WorkerClient(client, "w")
    response = worker.call("PUT", "/api/worker/me/profile", json={"languages": ["EN"], "verified": True})
    assert response.status_code == 400 and "profile.verified" in response.json()["payload"]
    assert "verified" not in worker.call("GET", "/api/worker/me").json()["profile"]


def test_patching_known_solutions_makes_a_control_task(client: Any, requester: Requester) -> None:
    pool_id, task_ids = setup_pool(requester, n_tasks=3, open_pool=False)
    known = [{"output_values": {"result": "dog"}}]
    patched = requester.call("PATCH", f"/api/v1/tasks/{task_ids[0]}", json={"known_solutions": known})
    assert patched.status_code == 200 and patched.json()["known_solutions"][0]["output_values"] == {
        "result": "dog"
    }
    requester.call("POST", f"/api/v1/pools/{pool_id}/open")
    worker = WorkerClient(client, "w")
    taken = worker.take(pool_id).json()  # two real tasks per suite; the control task is not one of them
    assert task_ids[0] not in [t["id"] for t in taken["tasks"]]
    refused = requester.call(
        "PATCH", f"/api/v1/tasks/{taken['tasks'][0]['id']}", json={"known_solutions": known}
    )
    assert refused.status_code == 400 and "known_solutions" in refused.json()["payload"]
