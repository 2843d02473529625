"""The console's account endpoints in process: password login with its rate limit, the session cookie
(HttpOnly, SameSite=Lax, stored hashed, surviving a restart), CSRF on cookie-authenticated writes,
API tokens (shown once, stored hashed, revocable) and the ledger history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from crowdlab.app import create_app
from crowdlab.domain.money import to_micro
from crowdlab.services import accounts
from crowdlab.services.passwords import token_hash
from crowdlab.settings import Settings
from crowdlab.storage.db import Database
from crowdlab.storage.tables import api_tokens
from crowdlab.storage.tables_console import requester_sessions
from tests.conftest import CAT_DOG_PROJECT

PASSWORD = "correct-horse-9"
COOKIE = "crowdlab_requester"


def _make(db: Database, name: str = "acme", balance: str = "10") -> accounts.Requester:
    requester, _ = accounts.create_requester(db, name, balance_micro=to_micro(balance), password=PASSWORD)
    return requester


def _login(client: TestClient, name: str = "acme", password: str = PASSWORD) -> Any:
    return client.post("/api/console/login", json={"name": name, "password": password})


def test_login_sets_a_hardened_cookie_and_opens_a_session(client: TestClient, db: Database) -> None:
    _make(db)
    response = _login(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["requester"]["name"] == "acme" and body["requester"]["balance"] == 10
    cookie = response.headers["set-cookie"].lower()
    assert f"{COOKIE}=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    token = client.cookies[COOKIE]
    with db.read() as conn:
        stored = conn.execute(sa.select(requester_sessions.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)]  # only the hash is kept
    session = client.get("/api/console/session")
    assert session.status_code == 200 and session.json()["csrf_token"] == body["csrf_token"]
    assert client.get("/api/v1/requester").json()["balance"] == 10  # the v1 API accepts the cookie


def test_wrong_password_and_unknown_name_get_the_same_answer(client: TestClient, db: Database) -> None:
    _make(db)
    wrong = _login(client, password="not-the-password-1")
    unknown = _login(client, name="nobody")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "Wrong name or password"
    assert COOKIE not in client.cookies
    missing = client.post("/api/console/login", json={"name": "acme"})
    assert missing.status_code == 400 and "password" in missing.json()["payload"]


def test_login_accepts_only_json(client: TestClient, db: Database) -> None:
    _make(db)
    form = client.post("/api/console/login", data={"name": "acme", "password": PASSWORD})
    assert form.status_code == 415 and COOKIE not in client.cookies


def test_ten_failures_lock_the_name_for_everyone_without_retry_after(
    client: TestClient, db: Database
) -> None:
    _make(db)
    _make(db, "other")
    for _ in range(10):
        assert _login(client, password="guess-guess-1").status_code == 401
    locked = _login(client)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["code"] == "TOO_MANY_REQUESTS"
    assert "retry-after" not in {k.lower() for k in locked.headers}
    assert _login(client, name="ACME ").status_code == 429  # the same name, however it is typed
    assert _login(client, name="other").status_code == 200  # other names are not affected


def test_cookie_writes_need_the_csrf_token_and_token_clients_do_not(client: TestClient, db: Database) -> None:
    requester = _make(db)
    csrf = _login(client).json()["csrf_token"]
    refused = client.post("/api/v1/projects", json=CAT_DOG_PROJECT)
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    wrong = client.post("/api/v1/projects", json=CAT_DOG_PROJECT, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    assert client.get("/api/v1/projects").json()["items"] == []  # nothing was created
    made = client.post("/api/v1/projects", json=CAT_DOG_PROJECT, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    # An API client with a token sends no CSRF token, even if a session cookie is around.
    _, token = accounts.create_requester(db, "scripted")
    scripted = client.post(
        "/api/v1/projects", json=CAT_DOG_PROJECT, headers={"Authorization": f"OAuth {token}"}
    )
    assert scripted.status_code == 201
    assert scripted.json()["id"] != made.json()["id"]
    assert requester.id != accounts.requester_by_token(db, token).id
    # A CSRF token is bound to its session: another session's token does not work.
    other = TestClient(client.app)
    other_csrf = _login(other).json()["csrf_token"]
    assert other_csrf != csrf
    crossed = client.post("/api/v1/projects", json=CAT_DOG_PROJECT, headers={"X-CSRF-Token": other_csrf})
    assert crossed.status_code == 403


def test_sessions_survive_a_restart_and_end_at_logout(client: TestClient, db: Database) -> None:
    _make(db)
    csrf = _login(client).json()["csrf_token"]
    token = client.cookies[COOKIE]
    restarted = create_app(Settings(db_url=db.url), db=db)  # a new process on the same database
    with TestClient(restarted) as fresh:
        fresh.cookies.set(COOKIE, token)
        assert fresh.get("/api/console/session").status_code == 200
    assert client.post("/api/console/logout").status_code == 403  # logout needs the CSRF token too
    assert client.post("/api/console/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set(COOKIE, token)
    assert client.get("/api/console/session").status_code == 401


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(client: TestClient, db: Database) -> None:
    _make(db)
    csrf = _login(client).json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    assert client.post("/api/console/tokens", json={"name": " "}, headers=headers).status_code == 400
    created = client.post("/api/console/tokens", json={"name": "nightly export"}, headers=headers)
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    listed = client.get("/api/console/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["nightly export", "default"]
    assert secret not in str(listed)
    with db.read() as conn:
        hashes = conn.execute(sa.select(api_tokens.c.token_hash)).scalars().all()
    assert token_hash(secret) in hashes and secret not in hashes
    bearer = {"Authorization": f"OAuth {secret}"}
    assert client.get("/api/v1/requester", headers=bearer).status_code == 200
    token_id = created.json()["id"]
    revoked = client.post(f"/api/console/tokens/{token_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked"]
    assert client.get("/api/v1/requester", headers=bearer).status_code == 401
    # Someone else's token is DOES_NOT_EXIST, not revocable.
    accounts.create_requester(db, "mallory", password=PASSWORD)
    intruder = TestClient(client.app)
    intruder_csrf = _login(intruder, "mallory").json()["csrf_token"]
    default_id = listed[1]["id"]
    denied = intruder.post(
        f"/api/console/tokens/{default_id}/revoke", headers={"X-CSRF-Token": intruder_csrf}
    )
    assert denied.status_code == 404


def test_ledger_history_pages_with_running_balance(client: TestClient, db: Database) -> None:
    _make(db, balance="5")
    for amount in ("1", "2", "3"):
        accounts.top_up(db, "acme", to_micro(amount))
    _login(client)
    first = client.get("/api/console/ledger", params={"limit": 2}).json()
    assert [r["amount"] for r in first["items"]] == [3, 2] and first["has_more"]
    assert [r["balance_after"] for r in first["items"]] == [11, 8]
    rest = client.get("/api/console/ledger", params={"before": first["items"][-1]["id"]}).json()
    assert [(r["amount"], r["balance_after"]) for r in rest["items"]] == [(1, 6), (5, 5)]
    assert not rest["has_more"]
    assert all(r["kind"] == "TOPUP" for r in rest["items"])
    assert client.get("/api/console/ledger", params={"before": "x"}).status_code == 400


def test_console_endpoints_need_a_requester(client: TestClient) -> None:
    for path in (
        "/api/console/session",
        "/api/console/overview",
        "/api/console/tokens",
        "/api/console/ledger",
    ):
        assert client.get(path).status_code == 401, path
