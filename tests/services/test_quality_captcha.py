"""Captchas: required between suites at the pool's frequency, checked on the server, answered once,
and feeding the CAPTCHA collector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from crowdlab.domain import captcha as drawing
from crowdlab.domain.clock import utcnow
from crowdlab.storage.db import Database
from crowdlab.storage.tables_quality import captchas
from tests.conftest import Requester, WorkerClient
from tests.services.quality_support import ban, collector, cond, do_suite, qc_pool, restrictions_of, rule

ANSWER = "AC4FX"


@pytest.fixture(autouse=True)
def known_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every captcha in these tests reads ANSWER (the server still only stores its hash)."""
    monkeypatch.setattr(drawing, "new_text", lambda _rng: ANSWER)


def _captcha_pool(requester: Requester) -> str:
    configs = [
        collector(
            "CAPTCHA",
            [
                rule(
                    "RESTRICTION_V2",
                    [cond("stored_results_count", "GTE", 1), cond("fail_rate", "GT", 50)],
                    **ban("POOL"),
                )
            ],
            history_size=5,
        )
    ]
    pool_id, _, _ = qc_pool(
        requester, configs, n_tasks=14, overlap=2, quality_control={"captcha_frequency": "HIGH"}
    )
    return pool_id


def test_captcha_every_five_suites_right_answer_lets_the_worker_go_on(
    client: Any, db: Database, requester: Requester
) -> None:
    pool_id = _captcha_pool(requester)
    worker = WorkerClient(client, "w")
    for _ in range(5):
        do_suite(worker, pool_id)
    required = worker.take(pool_id)
    assert required.status_code == 409 and required.json()["code"] == "CAPTCHA_REQUIRED"
    shown = worker.call("GET", "/api/worker/captcha")
    assert shown.status_code == 200
    assert set(shown.json()) == {"id", "image"}
    assert shown.json()["image"].startswith("data:image/svg+xml;base64,")
    assert ANSWER not in shown.text
    with db.read() as conn:
        row = conn.execute(sa.select(captchas)).one()
    assert row.pool_id == int(pool_id) and ANSWER not in row.answer_hash  # chosen pool, hashed answer
    answered = worker.call("POST", f"/api/worker/captcha/{shown.json()['id']}", json={"answer": " ac4fx "})
    assert answered.json() == {"ok": True}
    again = worker.call("POST", f"/api/worker/captcha/{shown.json()['id']}", json={"answer": ANSWER})
    assert again.status_code == 409 and again.json()["code"] == "CAPTCHA_ALREADY_ANSWERED"
    assert worker.take(pool_id).status_code == 201
    assert restrictions_of(db, worker.id) == []


def test_failed_captcha_feeds_the_rule(client: Any, db: Database, requester: Requester) -> None:
    pool_id = _captcha_pool(requester)
    worker = WorkerClient(client, "bot")
    for _ in range(5):
        do_suite(worker, pool_id)
    shown = worker.call("GET", "/api/worker/captcha", params={"pool_id": pool_id}).json()
    assert worker.call("POST", f"/api/worker/captcha/{shown['id']}", json={"answer": "WRONG"}).json() == {
        "ok": False
    }
    [restriction] = restrictions_of(db, worker.id)
    assert restriction.scope == "POOL" and restriction.pool_id == int(pool_id)
    assert worker.take(pool_id).status_code == 403


def test_captcha_edge_cases(client: Any, db: Database, requester: Requester) -> None:
    worker, other = WorkerClient(client, "w"), WorkerClient(client, "o")
    first = worker.call("GET", "/api/worker/captcha").json()
    second = worker.call("GET", "/api/worker/captcha").json()
    # a new captcha replaces the unanswered one
    gone = worker.call("POST", f"/api/worker/captcha/{first['id']}", json={"answer": ANSWER})
    assert gone.status_code == 409 and gone.json()["code"] == "CAPTCHA_EXPIRED"
    assert (
        other.call("POST", f"/api/worker/captcha/{second['id']}", json={"answer": ANSWER}).status_code == 404
    )
    bad = worker.call("POST", f"/api/worker/captcha/{second['id']}", json={"nope": 1})
    assert bad.status_code == 400 and "answer" in bad.json()["payload"]
    with db.write() as conn:
        conn.execute(sa.update(captchas).values(expires=utcnow() - timedelta(seconds=1)))
    late = worker.call("POST", f"/api/worker/captcha/{second['id']}", json={"answer": ANSWER})
    assert late.status_code == 409 and late.json()["code"] == "CAPTCHA_EXPIRED"
    client.cookies.clear()  # the sign-ups above left a session cookie
    assert client.get("/api/worker/captcha").status_code == 401
