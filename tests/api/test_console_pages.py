"""The console pages and their JSON twins, in process: login redirects, the strict CSP, pages that
render from the same data their twin returns, presets that make valid projects, control-task marking,
pool progress, the aggregation list and the instructions sanitizer."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from crowdlab.domain.money import to_micro
from crowdlab.services import accounts
from crowdlab.storage.db import Database
from crowdlab.web import console_presets
from tests.conftest import CAT_DOG_PROJECT, WorkerClient, pool_body

PASSWORD = "correct-horse-9"
CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: http: data: blob:",
    "media-src 'self' https: http: blob:",
    "frame-src https:",
)


class Console:
    """A logged-in console session driving the API as the pages do (cookie + CSRF header)."""

    def __init__(self, client: TestClient, db: Database, name: str, balance: str = "20"):
        accounts.create_requester(db, name, balance_micro=to_micro(balance), password=PASSWORD)
        self.client = TestClient(client.app)
        login = self.client.post("/api/console/login", json={"name": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        self.csrf = login.json()["csrf_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def page_data(self, path: str) -> Any:
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        match = re.search(
            r'<script type="application/json" id="page-data">(.*?)</script>', response.text, re.S
        )
        assert match, "the page carries its data"
        return json.loads(html.unescape(match.group(1)))

    def pool_with_tasks(self, n: int = 4, **overrides: Any) -> tuple[str, list[str]]:
        project = self.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()
        pool = self.call("POST", "/api/v1/pools", json=pool_body(project["id"], **overrides)).json()
        items = [
            {"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.png"}} for i in range(n)
        ]
        created = self.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=items)
        assert created.status_code == 201, created.text
        return pool["id"], [created.json()["items"][str(i)]["id"] for i in range(n)]


def test_pages_send_visitors_to_the_login_page(client: TestClient) -> None:
    for path in ("/console", "/console/account", "/console/projects/new", "/console/pools/000000000001"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/login?next=/console")
    login = client.get("/console/login?next=//evil.example/x")
    assert login.status_code == 200 and 'data-next="/console"' in login.text


def test_every_page_has_the_strict_csp_and_no_inline_code(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    pool_id, _ = me.pool_with_tasks()
    project_id = me.call("GET", f"/api/v1/pools/{pool_id}").json()["project_id"]
    pages = [
        "/console",
        "/console/account",
        "/console/projects/new",
        "/console/projects/new?preset=audio_classification",
        f"/console/projects/{project_id}",
        f"/console/projects/{project_id}/edit",
        f"/console/projects/{project_id}/pools/new",
        f"/console/pools/{pool_id}",
        f"/console/pools/{pool_id}/setup",
        f"/console/pools/{pool_id}/review",
        "/console/login",
    ]
    for path in pages:
        response = me.client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        csp = response.headers["content-security-policy"]
        assert all(part in csp for part in CSP_PARTS), (path, csp)
        assert "unsafe-inline" not in csp
        text = response.text
        assert " style=" not in text and " onclick=" not in text, path
        for script in re.findall(r"<script([^>]*)>", text):
            assert 'type="module" src="/static/console/' in script or 'type="application/json"' in script, (
                path
            )


def test_pages_render_the_data_of_their_json_twins(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    pool_id, _ = me.pool_with_tasks()
    project_id = me.call("GET", f"/api/v1/pools/{pool_id}").json()["project_id"]
    assert me.page_data("/console") == me.call("GET", "/api/console/overview").json()
    assert (
        me.page_data(f"/console/projects/{project_id}")
        == me.call("GET", f"/api/console/projects/{project_id}").json()
    )
    page = me.page_data(f"/console/pools/{pool_id}")["progress"]
    twin = me.call("GET", f"/api/console/pools/{pool_id}/progress").json()
    for moving in ("as_of", "speed"):
        page.pop(moving)
        twin.pop(moving)
    assert page == twin
    account = me.page_data("/console/account")
    assert account == me.call("GET", "/api/console/account").json()
    presets = me.page_data("/console/projects/new")["presets"]
    assert presets == me.call("GET", "/api/console/presets").json()["items"]


def test_overview_shows_projects_with_status_and_pool_counts(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    other = Console(client, db, "mallory")
    pool_id, _ = me.pool_with_tasks()
    other.pool_with_tasks()
    assert me.call("POST", f"/api/v1/pools/{pool_id}/open").status_code == 202
    overview = me.call("GET", "/api/console/overview").json()
    assert overview["account"]["name"] == "acme"
    [project] = overview["projects"]  # mallory's project is not listed
    assert project["status"] == "ACTIVE" and project["pools"] == {"OPEN": 1, "CLOSED": 0, "ARCHIVED": 0}


def test_every_preset_creates_a_valid_project(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    keys = [p["key"] for p in me.call("GET", "/api/console/presets").json()["items"]]
    assert keys[:8] == [
        "image_classification",
        "audio_classification",
        "search_relevance",
        "object_detection",
        "clickbait",
        "side_by_side",
        "text_transcription",
        "survey",
    ]
    for key in keys:
        preset = console_presets.get(key)
        assert preset is not None
        body = console_presets.project_body(preset)
        if not body["public_name"]:
            body["public_name"] = "Scratch"
        made = me.call("POST", "/api/v1/projects", json=body)
        assert made.status_code == 201, (key, made.text)
        config = json.loads(made.json()["task_spec"]["view_spec"]["config"])
        assert config == preset.config
        lock = made.json()["task_spec"]["view_spec"]["lock"]
        assert lock["core"] == "1.0.0" and config["view"]["type"] in lock
    audio = console_presets.get("audio_classification")
    assert audio is not None
    items = audio.config["view"]["items"]
    assert [i["type"] for i in items] == ["view.audio", "field.radio-group"]
    assert items[1]["validation"]["type"] == "condition.required"
    assert any(p["type"] == "plugin.hotkeys" for p in audio.config["plugins"])


def test_control_tasks_marking_and_distribution(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    other = Console(client, db, "mallory")
    pool_id, task_ids = me.pool_with_tasks(4)
    mark = {"known_solutions": [{"output_values": {"result": "dog"}}]}
    assert me.call("PUT", f"/api/console/tasks/{task_ids[0]}/control", json=mark).json()["kind"] == "golden"
    cat = {"known_solutions": [{"output_values": {"result": "cat"}}]}
    assert me.call("PUT", f"/api/console/tasks/{task_ids[1]}/control", json=cat).status_code == 200
    bad = me.call(
        "PUT",
        f"/api/console/tasks/{task_ids[2]}/control",
        json={"known_solutions": [{"output_values": {"result": "cow"}}]},
    )
    assert bad.status_code == 400
    assert other.call("PUT", f"/api/console/tasks/{task_ids[2]}/control", json=mark).status_code == 404
    assert other.call("GET", f"/api/console/pools/{pool_id}/control-tasks").status_code == 404
    info = me.call("GET", f"/api/console/pools/{pool_id}/control-tasks").json()
    assert info["counts"] == {"general": 2, "golden": 2, "training": 0}
    assert info["distribution"]["result"] == [{"label": "cat", "count": 1}, {"label": "dog", "count": 1}]
    golden = me.call(
        "GET", f"/api/console/pools/{pool_id}/control-tasks", params={"kind": "golden", "limit": 1}
    ).json()
    assert [t["id"] for t in golden["items"]] == [task_ids[0]] and golden["has_more"]
    # The API sees the same task as a control task with its known solution.
    assert me.call("GET", f"/api/v1/tasks/{task_ids[0]}").json()["known_solutions"][0]["output_values"] == {
        "result": "dog"
    }
    # Unmark one: it is a general task again with the pool's default overlap.
    again = me.call("PUT", f"/api/console/tasks/{task_ids[1]}/control", json={"known_solutions": None}).json()
    assert again["kind"] == "general" and again["overlap"] == 3
    # A task a worker has been given can no longer change its kind.
    assert me.call("POST", f"/api/v1/pools/{pool_id}/open").status_code == 202
    worker = WorkerClient(client, "w1")
    assignment = worker.take(pool_id).json()
    issued = assignment["tasks"][0]["id"]
    refused = me.call("PUT", f"/api/console/tasks/{issued}/control", json=mark)
    assert refused.status_code == 409 and refused.json()["code"] == "TASK_ALREADY_ISSUED"


def test_pool_progress_counts_assignments_money_and_speed(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    pool_id, _ = me.pool_with_tasks(4)  # overlap 3, 2 tasks per suite, reward 0.05
    empty = me.call("GET", f"/api/console/pools/{pool_id}/progress").json()
    assert empty["completion_percentage"] == 0 and empty["speed"]["points"] == []
    assert empty["remaining_cost"] == 0.36  # 6 suites x (0.05 + 20 % fee)
    me.call("POST", f"/api/v1/pools/{pool_id}/open")
    submitted = 0
    for name in ("w1", "w2", "w3"):
        worker = WorkerClient(client, name)
        assignment = worker.take(pool_id).json()
        assert worker.submit(assignment).status_code == 200
        submitted += 1
    holder = WorkerClient(client, "w4")
    assert holder.take(pool_id).status_code == 201  # one suite in progress
    progress = me.call("GET", f"/api/console/pools/{pool_id}/progress").json()
    assert progress["assignments"]["ACCEPTED"] == submitted and progress["assignments"]["ACTIVE"] == 1
    assert progress["unique_workers"] == 4 and progress["active_workers"] == 1
    assert progress["completion_percentage"] == 50  # 6 of 12 answers
    assert progress["spent"] == 0.18 and progress["reserved"] == 0.06
    assert sum(p["submitted"] for p in progress["speed"]["points"]) == submitted
    assert progress["speed"]["points"][-1]["total"] == submitted


def test_aggregation_list_is_per_pool(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    first, _ = me.pool_with_tasks(2)
    second, _ = me.pool_with_tasks(2)
    for pool_id in (first, second, first):
        body = {"type": "DAWID_SKENE", "pool_id": pool_id, "fields": [{"name": "result"}]}
        assert me.call("POST", "/api/v1/aggregated-solutions/aggregate-by-pool", json=body).status_code == 202
    runs = me.call("GET", f"/api/console/pools/{first}/aggregations").json()["items"]
    assert len(runs) == 2 and all(r["parameters"]["pool_id"] == first for r in runs)
    assert len(me.call("GET", f"/api/console/pools/{second}/aggregations").json()["items"]) == 1


def test_instructions_preview_is_sanitized(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    source = (
        '<p onclick="x()">Hi <b>there</b></p><script>alert(1)</script><a href="javascript:alert(1)">x</a>'
    )
    cleaned = me.call("POST", "/api/console/instructions-preview", json={"html": source}).json()["html"]
    assert "<b>there</b>" in cleaned
    assert "script" not in cleaned and "onclick" not in cleaned and "javascript:" not in cleaned
    assert me.client.post("/api/console/instructions-preview", json={"html": "x"}).status_code == 403  # CSRF


def test_someone_elses_objects_are_not_found_on_pages(client: TestClient, db: Database) -> None:
    me = Console(client, db, "acme")
    other = Console(client, db, "mallory")
    pool_id, _ = me.pool_with_tasks()
    project_id = me.call("GET", f"/api/v1/pools/{pool_id}").json()["project_id"]
    for path in (
        f"/console/pools/{pool_id}",
        f"/console/projects/{project_id}",
        f"/console/pools/{pool_id}/review",
    ):
        assert other.client.get(path).status_code == 404, path
    assert other.call("GET", f"/api/console/pools/{pool_id}/progress").status_code == 404


def test_console_services_on_sqlite_and_postgresql(any_db: Database) -> None:
    """Login, overview, progress with its speed series, control marking and the ledger, on both backends."""
    from crowdlab.app import create_app
    from crowdlab.settings import Settings

    app = create_app(Settings(db_url=any_db.url), db=any_db)
    with TestClient(app) as client:
        me = Console(client, any_db, "acme")
        pool_id, task_ids = me.pool_with_tasks(4)
        mark = {"known_solutions": [{"output_values": {"result": "dog"}}]}
        assert me.call("PUT", f"/api/console/tasks/{task_ids[0]}/control", json=mark).status_code == 200
        assert me.call("POST", f"/api/v1/pools/{pool_id}/open").status_code == 202
        worker = WorkerClient(client, "w1")
        assignment = worker.take(pool_id).json()
        assert worker.submit(assignment).status_code == 200
        progress = me.call("GET", f"/api/console/pools/{pool_id}/progress").json()
        assert progress["assignments"]["ACCEPTED"] == 1 and progress["tasks"]["golden"] == 1
        assert progress["speed"]["points"][-1]["total"] == 1
        assert me.call("GET", "/api/console/overview").json()["projects"][0]["pools"]["OPEN"] == 1
        history = me.call("GET", "/api/console/ledger").json()["items"]
        assert [r["kind"] for r in history] == ["CHARGE", "TOPUP"]
        assert history[0]["pool_id"] == pool_id and history[0]["balance_after"] == 20 + history[0]["amount"]
        info = me.call("GET", f"/api/console/pools/{pool_id}/control-tasks").json()
        assert info["distribution"]["result"] == [{"label": "dog", "count": 1}]
