"""The worker app's pages in process: log-in redirects, the strict CSP and what pages may contain, the
data a task page embeds, the earnings JSON twin, static files."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crowdlab.web.templating import CSP, duration, money, safe_next
from tests.conftest import CAT_DOG_PROJECT, Requester, WorkerClient, pool_body, setup_pool

WORKER_PAGES = [
    "/worker",
    "/worker/earnings",
    "/worker/profile",
    "/worker/messages",
    "/worker/task/000000000001",
]


def page_data(html: str) -> Any:
    match = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert match, "the page embeds no data"
    return json.loads(match.group(1))


def assert_csp_clean(html: str) -> None:
    """Nothing a strict CSP would block: no inline script, handler, style or javascript: URL."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert ' src="/static/' in tag or 'type="application/json"' in tag, tag
    code = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", html, flags=re.S)
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", code), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html, re.I), "inline style attribute"
    assert "<style" not in html
    assert "javascript:" not in html.lower()


@pytest.mark.parametrize("path", WORKER_PAGES)
def test_pages_send_logged_out_visitors_to_login_and_back(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/worker/login?next={path}"


def test_every_page_has_the_strict_csp_and_no_inline_code(client: TestClient, requester: Requester) -> None:
    for path in ["/worker/signup", "/worker/login", "/preview"]:
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == CSP
        assert "script-src 'self';" in CSP and "'unsafe-inline'" not in CSP
        assert response.headers["cache-control"] == "no-store"
        assert_csp_clean(response.text)
    pool_id, _ = setup_pool(requester)
    worker = WorkerClient(client, "csp-carla")
    assignment = worker.take(pool_id).json()
    for path in [*WORKER_PAGES[:-1], f"/worker/task/{assignment['id']}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CSP
        assert_csp_clean(response.text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/worker/earnings", "/worker/earnings"),
        ("/worker/task/12?x=1", "/worker/task/12?x=1"),
        ("https://evil.example/", "/worker"),
        ("//evil.example/", "/worker"),
        ("/\\evil.example", "/worker"),
        ("javascript:alert(1)", "/worker"),
        ("/worker\n", "/worker"),
        (None, "/worker"),
    ],
)
def test_only_local_paths_are_followed_after_log_in(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_login_page_carries_next_and_a_logged_in_worker_goes_there(client: TestClient) -> None:
    html = client.get("/worker/login", params={"next": "https://evil.example/"}).text
    assert 'data-next="/worker"' in html
    html = client.get("/worker/login", params={"next": "/worker/profile"}).text
    assert 'data-next="/worker/profile"' in html
    WorkerClient(client, "back-again")  # the sign-up sets the session cookie on this client
    response = client.get("/worker/login", params={"next": "/worker/profile"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/worker/profile")
    assert client.get("/worker/signup", follow_redirects=False).headers["location"] == "/worker"


def test_task_page_embeds_inputs_but_no_solutions_and_sanitizes_instructions(
    client: TestClient, requester: Requester
) -> None:
    project_body = copy.deepcopy(CAT_DOG_PROJECT)
    project_body["public_instructions"] = (
        '<p onclick="steal()">Look <b>closely</b>.</p><script>alert("x")</script>'
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">link</a>'
    )
    project = requester.call("POST", "/api/v1/projects", json=project_body).json()
    mixer = {"real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 1}
    pool = requester.call("POST", "/api/v1/pools", json=pool_body(project["id"], mixer_config=mixer)).json()
    tasks = [
        {"pool_id": pool["id"], "input_values": {"image": "https://example.com/real.png"}},
        {
            "pool_id": pool["id"],
            "input_values": {"image": "https://example.com/control.png"},
            "known_solutions": [{"output_values": {"result": "dog"}}],
        },
        {
            "pool_id": pool["id"],
            "input_values": {"image": "https://example.com/training.png"},
            "known_solutions": [{"output_values": {"result": "cat"}}],
            "message_on_unknown_solution": "secret-hint-text",
        },
    ]
    assert (
        requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks).status_code
        == 201
    )
    assert requester.call("POST", f"/api/v1/pools/{pool['id']}/open").status_code == 202
    worker = WorkerClient(client, "page-paula")
    assignment = worker.take(pool["id"]).json()
    html = client.get(f"/worker/task/{assignment['id']}").text
    assert "<p>Look <b>closely</b>.</p>" in html
    assert "steal()" not in html and 'alert("x")' not in html and "onerror" not in html
    assert "javascript:" not in html
    assert "known_solutions" not in html and "secret-hint-text" not in html
    data = page_data(html)
    assert data["id"] == assignment["id"] and data["status"] == "ACTIVE"
    assert sorted(t["input_values"]["image"] for t in data["tasks"]) == [
        "https://example.com/control.png",
        "https://example.com/real.png",
        "https://example.com/training.png",
    ]
    assert "public_instructions" not in data["project"]
    assert data["project"]["output_spec"] == CAT_DOG_PROJECT["task_spec"]["output_spec"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", data["server_now"])


def test_task_page_of_someone_else_is_not_found(client: TestClient, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester)
    owner = WorkerClient(client, "owner-olga")
    assignment = owner.take(pool_id).json()
    WorkerClient(client, "nosy-ned")  # the client's cookie is now Ned's
    response = client.get(f"/worker/task/{assignment['id']}")
    assert response.status_code == 404
    assert "not yours" in response.text
    assert response.headers["content-security-policy"] == CSP


def test_marketplace_page_shows_reasons_and_continue(client: TestClient, requester: Requester) -> None:
    open_pool, _ = setup_pool(requester)
    french = requester.call(
        "POST", "/api/v1/projects", json={**CAT_DOG_PROJECT, "public_name": "Chat"}
    ).json()
    body = pool_body(
        french["id"],
        filter={"and": [{"category": "profile", "key": "languages", "operator": "IN", "value": "FR"}]},
    )
    closed = requester.call("POST", "/api/v1/pools", json=body).json()
    tasks = [{"pool_id": closed["id"], "input_values": {"image": "https://example.com/1.png"}}]
    requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks)
    requester.call("POST", f"/api/v1/pools/{closed['id']}/open")
    worker = WorkerClient(client, "market-mia")
    html = client.get("/worker").text
    assert "does not match the audience" in html
    assert 'aria-label="Start: Cat or Dog?"' in html
    assert "$0.05" in html and "up to 5 min" in html
    worker.take(open_pool)
    assert 'aria-label="Continue: Cat or Dog?"' in client.get("/worker").text


def test_earnings_page_and_its_json_twin(client: TestClient, requester: Requester) -> None:
    pool_id, _ = setup_pool(requester)
    worker = WorkerClient(client, "earning-ed")
    assignment = worker.take(pool_id).json()
    assert worker.submit(assignment).status_code == 200
    summary = worker.call("GET", "/api/worker/earnings").json()
    assert summary["balance"] == 0.05 and summary["pending"] == 0
    [item] = summary["assignments"]
    assert (item["title"], item["requester"], item["status"], item["tasks_count"]) == (
        "Cat or Dog?",
        "alice",
        "ACCEPTED",
        2,
    )
    assert item["appeal"] is None
    html = client.get("/worker/earnings").text
    assert 'id="balance">$0.05<' in html and "Accepted" in html and "+$0.05" in html
    assert client.get("/api/worker/earnings", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_static_files_are_revalidated_and_typed(client: TestClient) -> None:
    for path, kind in [
        ("/static/app/task.js", "text/javascript"),
        ("/static/app/app.css", "text/css"),
        ("/static/tb/renderer.js", "text/javascript"),
    ]:
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(kind)
        assert response.headers["cache-control"] == "no-cache"
    assert client.get("/static/../app.py").status_code == 404


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.05, "$0.05"), (12, "$12.00"), (0.0025, "$0.0025"), (0, "$0.00"), (-1.5, "-$1.50"), (None, "$0.00")],
)
def test_money_for_people(value: Any, text: str) -> None:
    assert money(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s"),
        (300, "5 min"),
        (330, "5 min 30 s"),
        (3600, "1 h"),
        (5400, "1 h 30 min"),
        (172800, "2 days"),
    ],
)
def test_durations_for_people(seconds: int, text: str) -> None:
    assert duration(seconds) == text
