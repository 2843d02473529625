"""Webhook subscriptions through the in-process API, and the delivery job against a mock transport:
CRUD and upsert, validation, tenancy, SSRF refusal (also at delivery time), signatures, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from crowdlab.domain.clock import parse_dt, utcnow
from crowdlab.jobs import webhooks as job
from crowdlab.services import webhooks as service
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import webhook_deliveries, webhook_subscriptions
from tests.conftest import Requester, WorkerClient, setup_pool

PUBLIC_IP = "93.184.216.34"
HOOK = "https://hooks.example.com/crowdlab"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver for *.example.com names (editable by the test); other names resolve for real.

    The operator flag is unset: these tests run as a production server would."""
    monkeypatch.delenv(service.ALLOW_PRIVATE_ENV, raising=False)
    table = {
        "hooks.example.com": [PUBLIC_IP],
        "other.example.com": [PUBLIC_IP],
        "internal.example.com": ["10.0.0.5"],
        "mixed.example.com": [PUBLIC_IP, "127.0.0.1"],
    }
    real = service.resolve_host

    def fake(host: str, port: int) -> list[str]:
        if host.endswith("example.com"):
            if host not in table:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return list(table[host])
        return real(host, port)

    monkeypatch.setattr(service, "resolve_host", fake)
    return table


def subscribe(requester: Requester, *items: Any) -> Any:
    return requester.call("PUT", "/api/v1/webhook-subscriptions", json=list(items))


def sub(pool_id: str, event_type: str = "POOL_CLOSED", url: str = HOOK, **extra: Any) -> dict[str, Any]:
    return {"webhook_url": url, "event_type": event_type, "pool_id": pool_id, **extra}


# Subscriptions ---------------------------------------------------------------------------------


def test_upsert_get_find_delete(requester: Requester, dns: Any) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    response = subscribe(
        requester,
        sub(pool_id, "POOL_CLOSED", secret_key="s3cret-value"),
        sub(pool_id, "ASSIGNMENT_SUBMITTED", url="https://other.example.com/x?y=1"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["validation_errors"] is None
    first, second = body["items"]["0"], body["items"]["1"]
    assert first["event_type"] == "POOL_CLOSED" and first["pool_id"] == pool_id
    assert second["webhook_url"] == "https://other.example.com/x?y=1"
    assert "secret_key" not in response.text and "s3cret-value" not in response.text
    got = requester.call("GET", f"/api/v1/webhook-subscriptions/{first['id']}")
    assert got.json() == first
    found = requester.call(
        "GET", "/api/v1/webhook-subscriptions", params={"event_type": "POOL_CLOSED", "pool_id": pool_id}
    ).json()
    assert found == {"items": [first], "has_more": False}
    assert "s3cret-value" not in requester.call("GET", "/api/v1/webhook-subscriptions").text
    deleted = requester.call("DELETE", f"/api/v1/webhook-subscriptions/{first['id']}")
    assert deleted.status_code == 204
    gone = requester.call("GET", f"/api/v1/webhook-subscriptions/{first['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "DOES_NOT_EXIST"
    again = requester.call("DELETE", f"/api/v1/webhook-subscriptions/{first['id']}")
    assert again.status_code == 404
    remaining = requester.call("GET", "/api/v1/webhook-subscriptions").json()["items"]
    assert [s["id"] for s in remaining] == [second["id"]]


def test_upsert_of_the_same_subscription_updates_the_secret(
    requester: Requester, db: Database, dns: Any
) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    first = subscribe(requester, sub(pool_id, secret_key="one"))
    assert first.status_code == 201
    again = subscribe(requester, sub(pool_id, secret_key="two"))
    assert again.status_code == 200, again.text
    assert again.json()["items"]["0"] == first.json()["items"]["0"]
    assert len(requester.call("GET", "/api/v1/webhook-subscriptions").json()["items"]) == 1
    with db.read() as conn:
        secrets = conn.execute(sa.select(webhook_subscriptions.c.secret_key)).scalars().all()
    assert secrets == ["two"]
    # a different URL or event type is a different subscription
    other = subscribe(
        requester, sub(pool_id, url="https://other.example.com/"), sub(pool_id, "ASSIGNMENT_CREATED")
    )
    assert other.status_code == 201
    assert len(requester.call("GET", "/api/v1/webhook-subscriptions").json()["items"]) == 3


def test_invalid_items_are_named_and_valid_ones_saved(
    requester: Requester, other_requester: Requester, dns: Any
) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    foreign_pool, _ = setup_pool(other_requester, open_pool=False)
    response = subscribe(
        requester,
        sub(pool_id),
        sub(pool_id, url="ftp://hooks.example.com/"),
        sub(pool_id, event_type="POOL_OPENED"),
        {"webhook_url": HOOK, "event_type": "POOL_CLOSED"},
        sub(foreign_pool),
        sub("not-an-id"),
        "just a string",
        sub(pool_id, secret_key=12),
        sub(pool_id, url="https://nowhere.example.com/"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert list(body["items"]) == ["0"]
    errors = body["validation_errors"]
    assert errors["1"]["webhook_url"]["code"] == "INVALID_URL_SYNTAX"
    assert errors["2"]["event_type"]["code"] == "UNKNOWN_ENUM_VALUE"
    assert errors["3"]["pool_id"]["code"] == "VALUE_REQUIRED"
    assert errors["4"] == {
        "pool_id": {"code": "ENTITY_DOES_NOT_EXIST", "message": f"Pool {foreign_pool} does not exist"}
    }
    assert "pool_id" in errors["5"]
    assert errors["6"][""]["code"] == "OBJECT_EXPECTED"
    assert errors["7"]["secret_key"]["code"] == "STRING_EXPECTED"
    assert "does not resolve" in errors["8"]["webhook_url"]["message"]
    assert list(errors) == [str(i) for i in range(1, 9)]


def test_nothing_valid_is_a_validation_error_and_writes_nothing(requester: Requester, dns: Any) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    response = subscribe(requester, sub(pool_id, url="http://"), sub(pool_id, event_type=""))
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert set(response.json()["payload"]) == {"0", "1"}
    bodies: list[Any] = [{"webhook_url": HOOK}, [], None]
    for body in bodies:
        refused = requester.call("PUT", "/api/v1/webhook-subscriptions", json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "VALIDATION_ERROR", body
    assert requester.call("GET", "/api/v1/webhook-subscriptions").json()["items"] == []


def test_another_requester_sees_and_changes_nothing(
    requester: Requester, other_requester: Requester, dns: Any
) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    mine = subscribe(requester, sub(pool_id)).json()["items"]["0"]
    for method, path in (
        ("GET", f"/api/v1/webhook-subscriptions/{mine['id']}"),
        ("GET", f"/api/v1/webhook-subscriptions/{mine['id']}/deliveries"),
        ("DELETE", f"/api/v1/webhook-subscriptions/{mine['id']}"),
    ):
        response = other_requester.call(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "DOES_NOT_EXIST"
    assert other_requester.call("GET", "/api/v1/webhook-subscriptions").json()["items"] == []
    assert (
        other_requester.call("GET", "/api/v1/webhook-subscriptions", params={"pool_id": pool_id}).json()[
            "items"
        ]
        == []
    )
    # subscribing to someone else's pool (same triple: it must not "update" theirs) names pool_id
    stolen = subscribe(other_requester, sub(pool_id, url=mine["webhook_url"], secret_key="mine-now"))
    assert stolen.status_code == 400
    assert stolen.json()["payload"]["0"]["pool_id"]["code"] == "ENTITY_DOES_NOT_EXIST"
    assert requester.call("GET", f"/api/v1/webhook-subscriptions/{mine['id']}").status_code == 200


PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://[64:ff9b::a00:1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.0.10/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://2130706433/hook",
    "http://internal.example.com/hook",
    "http://mixed.example.com/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_urls_into_the_servers_network_are_refused(
    requester: Requester, dns: Any, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    refused = subscribe(requester, sub(pool_id, url=url))
    assert refused.status_code == 400, refused.text
    problem = refused.json()["payload"]["0"]["webhook_url"]
    assert problem["code"] == "VALUE_NOT_ALLOWED"
    assert service.ALLOW_PRIVATE_ENV in problem["message"]
    monkeypatch.setenv(service.ALLOW_PRIVATE_ENV, "1")
    assert subscribe(requester, sub(pool_id, url=url)).status_code == 201


def test_urls_with_credentials_or_other_schemes_are_refused(requester: Requester, dns: Any) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    for url in (
        "https://user:pw@hooks.example.com/",
        "file:///etc/passwd",
        "gopher://hooks.example.com/",
        "hooks.example.com",
    ):
        response = subscribe(requester, sub(pool_id, url=url))
        assert response.json()["payload"]["0"]["webhook_url"]["code"] == "INVALID_URL_SYNTAX", url


def test_created_is_unique_and_pages_like_toloka_kit(requester: Requester, dns: Any) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    items = [sub(pool_id, url=f"https://hooks.example.com/{i}") for i in range(7)]
    created = subscribe(requester, *items).json()["items"]
    stamps = [parse_dt(created[str(i)]["created"]) for i in range(7)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 7
    # toloka-kit's get_webhook_subscriptions: sort=created, then created_gt=<last created>
    seen: list[str] = []
    params: dict[str, Any] = {"sort": "created", "limit": 3}
    while True:
        page = requester.call("GET", "/api/v1/webhook-subscriptions", params=params).json()
        seen += [s["id"] for s in page["items"]]
        if not page["has_more"]:
            break
        params["created_gt"] = parse_dt(page["items"][-1]["created"]).isoformat()
    assert seen == [created[str(i)]["id"] for i in range(7)]


def test_search_parameters_are_validated(requester: Requester) -> None:
    for params in ({"sort": "url"}, {"event_type": "NOPE"}, {"limit": "0"}, {"created_gt": "yesterday"}):
        response = requester.call("GET", "/api/v1/webhook-subscriptions", params=params)
        assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR", params


def test_address_classification() -> None:
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "2002:5db8:d822::"):
        assert service.is_public_address(address), address
    for address in (
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "2001:0::1",
        "ff02::1",
        "nope",
    ):
        assert not service.is_public_address(address), address
    assert service.parse_target("https://Bücher.example.com:8443/p?q=1").host_header == (
        "xn--bcher-kva.example.com:8443"
    )


# Delivery ---------------------------------------------------------------------------------------


class Recorder:
    """A mock transport that answers with the statuses given, then 200, recording every request."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, text="ok")


def run_jobs(db: Database, recorder: Recorder, **policy: Any) -> dict[str, int]:
    settings = job.DeliveryPolicy(**{"backoff_base": 10.0, **policy})
    with job.make_client(settings, transport=httpx.MockTransport(recorder)) as client:
        return job.deliver_due(db, policy=settings, client=client)


def make_due(db: Database) -> None:
    """Skip the back-off wait: every pending delivery becomes due now."""
    with db.write() as conn:
        conn.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.status == "PENDING")
            .values(next_attempt=utcnow() - timedelta(seconds=1))
        )


def deliveries(requester: Requester, subscription_id: str, **params: Any) -> list[dict[str, Any]]:
    response = requester.call(
        "GET", f"/api/v1/webhook-subscriptions/{subscription_id}/deliveries", params=params
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def activity(client: Any, requester: Requester, dns: Any) -> Callable[[], dict[str, Any]]:
    """Subscribe to three events of a pool, then cause them; returns the subscriptions by event."""

    def run() -> dict[str, Any]:
        pool_id, _ = setup_pool(requester, n_tasks=2)
        subs = subscribe(
            requester,
            sub(pool_id, "ASSIGNMENT_CREATED", secret_key="k1"),
            sub(pool_id, "ASSIGNMENT_SUBMITTED"),
            sub(pool_id, "POOL_CLOSED", url="https://other.example.com/closed", secret_key="k3"),
        ).json()["items"]
        worker = WorkerClient(client, "w")
        assignment = worker.take(pool_id).json()
        assert worker.submit(assignment).status_code == 200
        assert requester.call("POST", f"/api/v1/pools/{pool_id}/close").status_code in (202, 204)
        return {
            "pool_id": pool_id,
            "assignment": assignment,
            **{s["event_type"]: s for s in subs.values()},
        }

    return run


def test_events_are_delivered_signed_in_toloka_format(
    db: Database, requester: Requester, activity: Callable[[], dict[str, Any]]
) -> None:
    made = activity()
    pending = deliveries(requester, made["ASSIGNMENT_CREATED"]["id"])
    assert [d["status"] for d in pending] == ["PENDING"]
    recorder = Recorder()
    assert run_jobs(db, recorder) == {"DELIVERED": 3, "PENDING": 0, "FAILED": 0, "dropped": 0}
    by_event = {r.headers["x-crowdlab-event"]: r for r in recorder.requests}
    assert set(by_event) == {"ASSIGNMENT_CREATED", "ASSIGNMENT_SUBMITTED", "POOL_CLOSED"}
    created = by_event["ASSIGNMENT_CREATED"]
    # connected to the address that was checked, while naming the host the receiver expects
    assert created.url.host == PUBLIC_IP and created.headers["host"] == "hooks.example.com"
    assert created.url.path == "/crowdlab" and created.url.scheme == "https"
    assert created.headers["content-type"] == "application/json"
    raw = created.content
    expected = "sha256=" + hmac.new(b"k1", raw, hashlib.sha256).hexdigest()
    assert created.headers["x-crowdlab-signature"] == expected
    toloka_sig = created.headers["toloka-signature"]
    fields = dict(part.split("=", 1) for part in toloka_sig.strip("{}").split(", "))
    assert fields["v"] == "1"
    message = f"{fields['ts']}.1.".encode() + raw
    assert fields["sign"] == hmac.new(b"k1", message, hashlib.sha256).hexdigest()
    event = json.loads(raw)["events"][0]
    project_id = requester.call("GET", f"/api/v1/pools/{made['pool_id']}").json()["project_id"]
    assert event["type"] == "ASSIGNMENT_CREATED"
    assert event["pool_id"] == made["pool_id"] and event["project_id"] == project_id
    assert event["assignment_id"] == made["assignment"]["id"]
    seen_by_requester = requester.call("GET", f"/api/v1/assignments/{event['assignment_id']}").json()
    assert event["task_suite_id"] == seen_by_requester["task_suite_id"]
    assert event["webhook_subscription_id"] == made["ASSIGNMENT_CREATED"]["id"]
    assert len(event["uuid"]) == 36
    parse_dt(event["event_time"])
    # no secret, no signature
    assert "x-crowdlab-signature" not in by_event["ASSIGNMENT_SUBMITTED"].headers
    assert "toloka-signature" not in by_event["ASSIGNMENT_SUBMITTED"].headers
    closed = json.loads(by_event["POOL_CLOSED"].content)["events"][0]
    assert closed["close_reason"] == "MANUAL" and "assignment_id" not in closed
    assert by_event["POOL_CLOSED"].headers["host"] == "other.example.com"
    # the log
    log = deliveries(requester, made["ASSIGNMENT_CREATED"]["id"])
    assert len(log) == 1 and log[0]["status"] == "DELIVERED" and log[0]["attempts"] == 1
    assert log[0]["last_status_code"] == 200 and log[0]["event"] == event
    assert created.headers["x-crowdlab-delivery"] == log[0]["id"]
    # delivered rows are never sent again
    make_due(db)
    assert run_jobs(db, recorder)["DELIVERED"] == 0 and len(recorder.requests) == 3


def test_failures_back_off_then_fail(db: Database, requester: Requester, activity: Any) -> None:
    made = activity()
    subscription = made["POOL_CLOSED"]["id"]
    # only POOL_CLOSED keeps failing: 503, then a timeout, then 500
    recorder = Recorder()

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.headers["x-crowdlab-event"] != "POOL_CLOSED":
            return recorder(request)
        attempt = sum(1 for r in recorder.requests if r.headers["x-crowdlab-event"] == "POOL_CLOSED")
        recorder.requests.append(request)
        if attempt == 1:
            raise httpx.ReadTimeout("slow receiver", request=request)
        return httpx.Response(503 if attempt == 0 else 500)

    policy = job.DeliveryPolicy(backoff_base=10.0, max_attempts=3)
    with job.make_client(policy, transport=httpx.MockTransport(flaky)) as client:
        before = utcnow()
        job.deliver_due(db, policy=policy, client=client)
        (entry,) = deliveries(requester, subscription)
        assert entry["status"] == "PENDING" and entry["attempts"] == 1 and entry["last_status_code"] == 503
        wait = parse_dt(entry["next_attempt"]) - before
        assert timedelta(seconds=9) < wait < timedelta(seconds=12)
        assert job.deliver_due(db, policy=policy, client=client)["PENDING"] == 0  # not due yet
        make_due(db)
        job.deliver_due(db, policy=policy, client=client)
        (entry,) = deliveries(requester, subscription)
        assert entry["attempts"] == 2 and entry["last_status_code"] is None
        assert "ReadTimeout" in entry["last_error"]
        make_due(db)
        job.deliver_due(db, policy=policy, client=client)
    (entry,) = deliveries(requester, subscription)
    assert entry["status"] == "FAILED" and entry["attempts"] == 3 and entry["last_status_code"] == 500
    assert deliveries(requester, subscription, status="FAILED") == [entry]
    assert deliveries(requester, subscription, status="PENDING") == []
    assert [d["status"] for d in deliveries(requester, made["ASSIGNMENT_CREATED"]["id"])] == ["DELIVERED"]


def test_backoff_doubles_and_is_capped() -> None:
    policy = job.DeliveryPolicy(backoff_base=10.0, backoff_cap=60.0)
    assert [policy.delay(n) for n in range(1, 6)] == [10.0, 20.0, 40.0, 60.0, 60.0]


def test_delivery_rechecks_dns_rebinding(
    db: Database, requester: Requester, activity: Any, dns: dict[str, list[str]]
) -> None:
    made = activity()
    dns["hooks.example.com"] = ["169.254.169.254"]  # the name now points inside
    recorder = Recorder()
    run_jobs(db, recorder)
    assert {r.headers["host"] for r in recorder.requests} == {"other.example.com"}
    (entry,) = deliveries(requester, made["ASSIGNMENT_CREATED"]["id"])
    assert entry["status"] == "PENDING" and "refused" in entry["last_error"]
    assert "169.254.169.254" in entry["last_error"]
    dns["hooks.example.com"] = [PUBLIC_IP]
    make_due(db)
    run_jobs(db, recorder)
    assert [d["status"] for d in deliveries(requester, made["ASSIGNMENT_CREATED"]["id"])] == ["DELIVERED"]


def test_deleting_a_subscription_drops_its_queued_events(
    db: Database, requester: Requester, activity: Any
) -> None:
    made = activity()
    assert (
        requester.call("DELETE", f"/api/v1/webhook-subscriptions/{made['POOL_CLOSED']['id']}").status_code
        == 204
    )
    recorder = Recorder()
    assert run_jobs(db, recorder)["DELIVERED"] == 2
    assert "POOL_CLOSED" not in {r.headers["x-crowdlab-event"] for r in recorder.requests}


def test_a_claimed_row_is_leased_and_stale_results_are_dropped(
    db: Database, requester: Requester, activity: Any
) -> None:
    activity()
    policy = job.DeliveryPolicy()
    claimed = job.claim(db, 10, policy)
    assert len(claimed) == 3 and all(j.attempts == 1 for j in claimed)
    assert job.claim(db, 10, policy) == []  # leased: nobody else takes them
    with db.write() as conn:  # the lease ends (the first runner died)
        conn.execute(webhook_deliveries.update().values(next_attempt=utcnow() - timedelta(seconds=1)))
    again = job.claim(db, 10, policy)
    assert [j.attempts for j in again] == [2, 2, 2]
    # the first runner wakes up: its result must not overwrite the newer attempt
    assert job.record(db, claimed[0], job.Outcome(True, 200), policy) is None
    assert job.record(db, again[0], job.Outcome(True, 200), policy) == "DELIVERED"


def test_concurrent_claims_never_share_a_row(any_db: Database) -> None:
    """Several runners claiming at once (SKIP LOCKED on PostgreSQL) get disjoint sets of rows."""
    from crowdlab.domain.money import to_micro
    from crowdlab.services.accounts import create_requester
    from crowdlab.storage.tables import pools, projects

    account, _ = create_requester(any_db, "claims", balance_micro=to_micro("1"))
    now = utcnow()
    with any_db.write() as conn:
        project = inserted_id(
            conn.execute(
                projects.insert().values(requester_id=account.id, status="ACTIVE", doc={}, created=now)
            )
        )
        pool = inserted_id(
            conn.execute(
                pools.insert().values(
                    requester_id=account.id,
                    project_id=project,
                    type="REGULAR",
                    status="OPEN",
                    doc={},
                    created=now,
                )
            )
        )
        subscription = inserted_id(
            conn.execute(
                webhook_subscriptions.insert().values(
                    requester_id=account.id,
                    pool_id=pool,
                    event_type="POOL_CLOSED",
                    webhook_url=HOOK,
                    created=now,
                )
            )
        )
        conn.execute(
            webhook_deliveries.insert(),
            [
                {
                    "subscription_id": subscription,
                    "event_type": "POOL_CLOSED",
                    "payload": {"pool_id": f"{pool:012d}", "reason": "MANUAL"},
                    "status": "PENDING",
                    "next_attempt": now,
                    "created": now,
                }
                for _ in range(60)
            ],
        )
    policy = job.DeliveryPolicy()
    results: list[list[int]] = []
    barrier = threading.Barrier(6)

    def runner() -> None:
        barrier.wait()
        mine: list[int] = []
        while batch := job.claim(any_db, 4, policy):
            mine += [j.id for j in batch]
        results.append(mine)

    threads = [threading.Thread(target=runner) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    claimed = [i for mine in results for i in mine]
    assert len(claimed) == 60 and len(set(claimed)) == 60
    with any_db.read() as conn:
        attempts = conn.execute(sa.select(webhook_deliveries.c.attempts)).scalars().all()
    assert set(attempts) == {1}


def test_created_survives_a_clock_that_goes_backwards(
    requester: Requester, dns: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool_id, _ = setup_pool(requester, open_pool=False)
    frozen = datetime(2030, 1, 2, 3, 4, 5, 678000)
    monkeypatch.setattr(service, "utcnow", lambda: frozen)
    first = subscribe(requester, sub(pool_id, url="https://hooks.example.com/a")).json()["items"]["0"]
    monkeypatch.setattr(service, "utcnow", lambda: frozen - timedelta(seconds=5))
    second = subscribe(requester, sub(pool_id, url="https://hooks.example.com/b")).json()["items"]["0"]
    assert first["created"] == "2030-01-02T03:04:05.678"
    assert second["created"] == "2030-01-02T03:04:05.678001"
    after = requester.call(
        "GET", "/api/v1/webhook-subscriptions", params={"sort": "created", "created_gt": first["created"]}
    ).json()
    assert [s["id"] for s in after["items"]] == [second["id"]]


def test_fields_of_other_events_pass_through(db: Database, requester: Requester, dns: Any) -> None:
    from crowdlab.domain.ids import parse_id
    from crowdlab.services import events

    pool_id, task_ids = setup_pool(requester, open_pool=False)
    subscription = subscribe(requester, sub(pool_id, "DYNAMIC_OVERLAP_COMPLETED")).json()["items"]["0"]
    number = parse_id(pool_id)
    assert number is not None
    with db.write() as conn:
        assert events.emit(conn, number, "DYNAMIC_OVERLAP_COMPLETED", task_id=task_ids[0], overlap=3) == 1
    recorder = Recorder()
    run_jobs(db, recorder)
    (request,) = recorder.requests
    event = json.loads(request.content)["events"][0]
    assert event["type"] == "DYNAMIC_OVERLAP_COMPLETED" and event["task_id"] == task_ids[0]
    assert event["overlap"] == 3 and event["webhook_subscription_id"] == subscription["id"]
    assert not {"event_type", "subscription_id", "reason"} & set(event)
