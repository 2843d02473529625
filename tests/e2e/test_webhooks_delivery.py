"""Webhooks end to end: a real crowdlab server (its sweeper runs the deliveries) and a real HTTP
receiver on loopback. Events arrive signed; a receiver that is down gets everything once it is back,
exactly once per delivery id; a stuck receiver neither holds other receivers nor the API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from crowdlab.sim.server import EmbeddedServer, free_port
from tests.conftest import CAT_DOG_PROJECT, pool_body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECRET = "receiver-secret"


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)["events"][0]
        return event

    @property
    def delivery(self) -> str:
        return self.headers["x-crowdlab-delivery"]


class Receiver:
    """A webhook receiver: HTTP/1.1 on loopback, in a thread. ``mode``: ok (200), error (500) or
    block (wait until ``release`` is set, at most 20 s, then 200)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.mode = "ok"
        self.requests: list[Received] = []
        self.changed = threading.Condition()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def accepted(self) -> list[Received]:
        with self.changed:
            return [r for r in self.requests if r.answered == 200]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                mode = receiver.mode
                if mode == "block":
                    receiver.entered.set()
                    receiver.release.wait(20)
                    receiver.finished.set()
                status = 500 if mode == "error" else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.changed:
                    receiver.requests.append(Received(headers, body, status))
                    receiver.changed.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=10)

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 20) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.requests), timeout=timeout)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedServer]:
    monkeypatch.setenv("CROWDLAB_ALLOW_PRIVATE_WEBHOOKS", "1")  # the receivers live on loopback
    monkeypatch.setenv("CROWDLAB_WEBHOOK_BACKOFF", "0.2")
    monkeypatch.setenv("CROWDLAB_WEBHOOK_BACKOFF_CAP", "1")
    monkeypatch.setenv("CROWDLAB_WEBHOOK_MAX_ATTEMPTS", "50")
    # Longer than any test runs: a stuck delivery keeps its thread busy the whole time, so the test
    # of a stuck receiver proves that other deliveries run beside it (not after its timeout).
    monkeypatch.setenv("CROWDLAB_WEBHOOK_TIMEOUT", "30")
    with EmbeddedServer(f"sqlite:///{tmp_path}/webhooks.db") as running:
        yield running


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.stop()


class Api:
    """The requester API and a few workers over real HTTP."""

    def __init__(self, server: EmbeddedServer):
        self.server = server
        token = server.create_requester("hooks", balance="100")
        self.http = httpx.Client(base_url=server.url, headers={"Authorization": f"OAuth {token}"}, timeout=30)
        self.workers: dict[str, httpx.Client] = {}

    def close(self) -> None:
        self.http.close()
        for client in self.workers.values():
            client.close()

    def pool(self, n_tasks: int = 4, **overrides: Any) -> str:
        project = self.http.post("/api/v1/projects", json=CAT_DOG_PROJECT).json()
        pool = self.http.post("/api/v1/pools", json=pool_body(project["id"], **overrides)).json()
        tasks = [
            {"pool_id": pool["id"], "input_values": {"image": f"https://x/{i}.png"}} for i in range(n_tasks)
        ]
        assert (
            self.http.post("/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks).status_code == 201
        )
        assert self.http.post(f"/api/v1/pools/{pool['id']}/open").status_code == 202
        return str(pool["id"])

    def subscribe(self, url: str, pool_id: str, *event_types: str, secret: str | None = SECRET) -> list[str]:
        body = [
            {
                "webhook_url": url,
                "event_type": e,
                "pool_id": pool_id,
                **({"secret_key": secret} if secret else {}),
            }
            for e in event_types
        ]
        response = self.http.put("/api/v1/webhook-subscriptions", json=body)
        assert response.status_code == 201, response.text
        return [response.json()["items"][str(i)]["id"] for i in range(len(body))]

    def worker(self, name: str) -> httpx.Client:
        signup = httpx.post(
            f"{self.server.url}/api/worker/signup",
            json={"name": name, "password": "secret-123", "profile": {"languages": ["EN"]}},
        )
        assert signup.status_code == 201, signup.text
        client = httpx.Client(
            base_url=self.server.url,
            headers={"Authorization": f"Bearer {signup.json()['token']}"},
            timeout=30,
        )
        self.workers[name] = client
        return client

    def take(self, worker: httpx.Client, pool_id: str) -> dict[str, Any]:
        taken = worker.post(f"/api/worker/pools/{pool_id}/assignments")
        assert taken.status_code == 201, taken.text
        assignment: dict[str, Any] = taken.json()
        return assignment

    def submit(self, worker: httpx.Client, assignment: dict[str, Any]) -> None:
        solutions = [{"output_values": {"result": "cat"}} for _ in assignment["tasks"]]
        response = worker.post(
            f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
        )
        assert response.status_code == 200, response.text

    def log(self, subscription_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/api/v1/webhook-subscriptions/{subscription_id}/deliveries")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def api(server: EmbeddedServer) -> Iterator[Api]:
    client = Api(server)
    yield client
    client.close()


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


ALL_EVENTS = (
    "POOL_CLOSED",
    "ASSIGNMENT_CREATED",
    "ASSIGNMENT_SUBMITTED",
    "ASSIGNMENT_SKIPPED",
    "ASSIGNMENT_EXPIRED",
    "ASSIGNMENT_APPROVED",
    "ASSIGNMENT_REJECTED",
)


def test_every_event_type_arrives_signed(api: Api, receivers: list[Receiver]) -> None:
    receiver = Receiver().start()
    receivers.append(receiver)
    reviewed = api.pool(auto_accept_solutions=False)
    expiring = api.pool(n_tasks=2, assignment_max_duration_seconds=1)
    subscriptions = api.subscribe(receiver.url, reviewed, *ALL_EVENTS)
    subscriptions += api.subscribe(receiver.url, expiring, *ALL_EVENTS)
    w1, w2, w3 = api.worker("w1"), api.worker("w2"), api.worker("w3")
    rejected = api.take(w1, reviewed)
    api.submit(w1, rejected)
    patch = {"status": "REJECTED", "public_comment": "blurry"}
    assert api.http.patch(f"/api/v1/assignments/{rejected['id']}", json=patch).status_code == 200
    approved = api.take(w2, reviewed)
    api.submit(w2, approved)
    patch = {"status": "ACCEPTED", "public_comment": "good"}
    assert api.http.patch(f"/api/v1/assignments/{approved['id']}", json=patch).status_code == 200
    skipped = api.take(w3, reviewed)
    assert w3.post(f"/api/worker/assignments/{skipped['id']}/skip").status_code == 200
    expired = api.take(w1, expiring)  # expires after 1 s; the sweeper notices
    assert api.http.post(f"/api/v1/pools/{reviewed}/close").status_code == 202
    expected = {
        ("ASSIGNMENT_CREATED", rejected["id"]),
        ("ASSIGNMENT_SUBMITTED", rejected["id"]),
        ("ASSIGNMENT_REJECTED", rejected["id"]),
        ("ASSIGNMENT_CREATED", approved["id"]),
        ("ASSIGNMENT_SUBMITTED", approved["id"]),
        ("ASSIGNMENT_APPROVED", approved["id"]),
        ("ASSIGNMENT_CREATED", skipped["id"]),
        ("ASSIGNMENT_SKIPPED", skipped["id"]),
        ("ASSIGNMENT_CREATED", expired["id"]),
        ("ASSIGNMENT_EXPIRED", expired["id"]),
        ("POOL_CLOSED", None),
    }

    def seen(requests: list[Received]) -> set[tuple[str, str | None]]:
        return {(r.event["type"], r.event.get("assignment_id")) for r in requests}

    assert receiver.wait_for(lambda requests: seen(requests) >= expected), seen(receiver.requests)
    for request in receiver.accepted:
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-crowdlab-event"] == request.event["type"]
        mac = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-crowdlab-signature"] == f"sha256={mac}"
        assert request.event["webhook_subscription_id"] in subscriptions
        assignment_id = request.event.get("assignment_id")
        assert request.event["pool_id"] == (expiring if assignment_id == expired["id"] else reviewed)
        assert request.event["project_id"] and request.event["uuid"]
    closed = next(r.event for r in receiver.accepted if r.event["type"] == "POOL_CLOSED")
    assert closed["pool_id"] == reviewed and closed["close_reason"] == "MANUAL"
    deliveries = [r.delivery for r in receiver.accepted]
    assert len(deliveries) == len(set(deliveries)) == len(expected)
    logged = [d for s in subscriptions for d in api.log(s)]
    assert sorted(d["id"] for d in logged) == sorted(deliveries)
    assert {d["status"] for d in logged} == {"DELIVERED"}


def test_a_receiver_that_is_down_gets_everything_once_it_is_back(api: Api, receivers: list[Receiver]) -> None:
    receiver = Receiver()  # its port is free: connections are refused until it starts
    receivers.append(receiver)
    pool_id = api.pool(n_tasks=6)
    created, submitted = api.subscribe(receiver.url, pool_id, "ASSIGNMENT_CREATED", "ASSIGNMENT_SUBMITTED")
    for name in ("a", "b", "c"):
        worker = api.worker(name)
        api.submit(worker, api.take(worker, pool_id))

    def attempts_at_least(n: int, text: str) -> bool:
        log = api.log(created) + api.log(submitted)
        return len(log) == 6 and all(d["attempts"] >= n and text in (d["last_error"] or "") for d in log)

    assert wait_until(lambda: attempts_at_least(2, "ConnectError")), api.log(created)
    receiver.mode = "error"
    receiver.start()
    assert receiver.wait_for(lambda requests: len({r.delivery for r in requests}) == 6)
    assert wait_until(lambda: attempts_at_least(3, "HTTP 500"))
    assert {d["last_status_code"] for d in api.log(created)} == {500}
    assert receiver.accepted == []
    receiver.mode = "ok"
    assert receiver.wait_for(lambda requests: len({r.delivery for r in requests if r.answered == 200}) == 6)
    assert wait_until(lambda: {d["status"] for d in api.log(created) + api.log(submitted)} == {"DELIVERED"})
    time.sleep(1.5)  # several sweeper passes: nothing delivered is sent again
    accepted = [r.delivery for r in receiver.accepted]
    assert len(accepted) == 6 == len(set(accepted))
    log = api.log(created) + api.log(submitted)
    assert sorted(d["id"] for d in log) == sorted(accepted)
    assert all(d["last_status_code"] == 200 and d["last_error"] is None for d in log)


def test_a_stuck_receiver_holds_neither_other_receivers_nor_the_api(
    api: Api, receivers: list[Receiver]
) -> None:
    slow, fast = Receiver().start(), Receiver().start()
    receivers += [slow, fast]
    slow.mode = "block"
    pool_id = api.pool()
    api.subscribe(slow.url, pool_id, "ASSIGNMENT_CREATED")
    api.subscribe(fast.url, pool_id, "ASSIGNMENT_CREATED", "ASSIGNMENT_SUBMITTED")
    worker = api.worker("w")
    assignment = api.take(worker, pool_id)
    assert slow.entered.wait(10), "the slow receiver was never called"
    # the other receiver is served while the slow one is stuck
    assert fast.wait_for(lambda requests: len(requests) == 1)
    assert not slow.finished.is_set()
    # API calls, including ones that queue more events, complete while the delivery is still stuck
    api.submit(worker, assignment)
    assert api.http.get(f"/api/v1/pools/{pool_id}").status_code == 200
    assert api.http.get("/api/v1/webhook-subscriptions").status_code == 200
    other = api.worker("other")
    api.take(other, pool_id)
    assert not slow.finished.is_set(), "an API call waited for the stuck receiver"
    assert fast.wait_for(
        lambda requests: (
            {r.event["type"] for r in requests} == {"ASSIGNMENT_CREATED", "ASSIGNMENT_SUBMITTED"}
            and len(requests) == 3
        )
    )
    assert not slow.finished.is_set()
    slow.release.set()
    assert slow.wait_for(lambda requests: len({r.delivery for r in requests if r.answered == 200}) == 2)
