"""Crash safety: ``kill -9`` a real ``crowdlab serve`` under load, restart it on the same database, and
check that every acknowledged submission survived, the invariants hold, and the pool can be finished."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from crowdlab.services.accounts import create_requester
from crowdlab.services.integrity import violations
from crowdlab.storage.db import Database
from crowdlab.storage.migrate import upgrade
from crowdlab.storage.tables import assignments
from tests.conftest import CAT_DOG_PROJECT, PG_URL, _drop_pg_database, _fresh_pg_database, pool_body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

N_TASKS = 90
OVERLAP = 3
PER_SUITE = 2
N_WORKERS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crowdlab", "serve", "--db", db_url, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/worker/pools", timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not start: {log.read_text()[-2000:]}")


class Crowd:
    """A few HTTP workers looping take -> submit; records every submission acknowledged with a 200."""

    def __init__(self, url: str, pool_id: str, n: int):
        self.url, self.pool_id = url, pool_id
        self.acked: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.tokens = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for i in range(n):
                signed = client.post(
                    "/api/worker/signup",
                    json={"name": f"crash-{i}", "password": "secret-123", "profile": {"languages": ["EN"]}},
                )
                assert signed.status_code == 201, signed.text
                self.tokens.append(signed.json()["token"])
        self.exhausted: set[str] = set()
        self.refused: dict[str, int] = {}

    def _work(self, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=10) as client:
            for _ in range(2_000):  # bounded
                if self.stop.is_set():
                    return
                try:
                    taken = client.post(f"/api/worker/pools/{self.pool_id}/assignments")
                    if "POOL_ASSIGNMENTS_EXHAUSTED" in taken.text or "pool is not open" in taken.text:
                        # nothing left for this worker, or the pool closed itself once complete
                        with self.lock:
                            self.exhausted.add(token)
                        return
                    if taken.status_code != 201:
                        self.refused[taken.text[:200]] = self.refused.get(taken.text[:200], 0) + 1
                        time.sleep(0.02)
                        continue
                    assignment = taken.json()
                    solutions = [
                        {"output_values": {"result": "cat" if i % 2 else "dog"}}
                        for i, _ in enumerate(assignment["tasks"])
                    ]
                    done = client.post(
                        f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
                    )
                except httpx.TransportError:
                    return  # the server is gone
                if done.status_code == 200:
                    with self.lock:
                        self.acked[assignment["id"]] = solutions

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._work, args=(t,), daemon=True) for t in self.tokens]
        for thread in threads:
            thread.start()
        return threads


def _crash_and_recover(db_url: str, tmp_path: Path) -> None:
    database = Database(db_url)
    upgrade(database)
    _, token = create_requester(database, "crash", balance_micro=1000 * 10**6)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    server = _start(db_url, port, log)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"OAuth {token}"}, timeout=30) as api:
            project = api.post("/api/v1/projects", json=CAT_DOG_PROJECT).json()
            body = pool_body(
                project["id"],
                defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": OVERLAP},
                mixer_config={
                    "real_tasks_count": PER_SUITE,
                    "golden_tasks_count": 0,
                    "training_tasks_count": 0,
                },
            )
            pool_id = api.post("/api/v1/pools", json=body).json()["id"]
            tasks = [
                {"pool_id": pool_id, "input_values": {"image": f"https://example.com/{i}.jpg"}}
                for i in range(N_TASKS)
            ]
            created = api.post("/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks)
            assert created.status_code == 201, created.text
            assert api.post(f"/api/v1/pools/{pool_id}/open").status_code == 202

        crowd = Crowd(url, pool_id, N_WORKERS)
        threads = crowd.run()
        deadline = time.monotonic() + 20
        while len(crowd.acked) < 15 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)  # mid-load: requests are in flight
        server.wait(timeout=10)
        crowd.stop.set()
        for thread in threads:
            thread.join(timeout=15)
        acked = dict(crowd.acked)
        assert len(acked) >= 15, "the load did not get going before the kill"
        total_suites = N_TASKS * OVERLAP // PER_SUITE
        assert len(acked) < total_suites, "the pool finished before the kill; nothing was tested"

        server = _start(db_url, port, log)
        with httpx.Client(base_url=url, headers={"Authorization": f"OAuth {token}"}, timeout=30) as api:
            for assignment_id, solutions in acked.items():
                got = api.get(f"/api/v1/assignments/{assignment_id}")
                assert got.status_code == 200, got.text
                assert got.json()["status"] in ("SUBMITTED", "ACCEPTED"), got.json()
                assert got.json()["solutions"] == solutions
        assert violations(database) == []

        # The same crowd finishes the pool after the restart (a worker gets its open suite back).
        crowd.stop.clear()
        for thread in crowd.run():
            thread.join(timeout=60)
        assert crowd.exhausted == set(crowd.tokens), crowd.refused
        with database.read() as conn:
            done = conn.execute(
                sa.select(sa.func.count()).where(
                    assignments.c.pool_id == int(pool_id), assignments.c.status.in_(("SUBMITTED", "ACCEPTED"))
                )
            ).scalar_one()
            active = conn.execute(
                sa.select(sa.func.count()).where(
                    assignments.c.pool_id == int(pool_id), assignments.c.status == "ACTIVE"
                )
            ).scalar_one()
        assert (done, active) == (total_suites, 0)
        assert violations(database) == []
    finally:
        server.kill()
        server.wait(timeout=10)
        database.dispose()


def test_kill_9_under_load_sqlite(tmp_path: Path) -> None:
    _crash_and_recover(f"sqlite:///{tmp_path}/crash.db", tmp_path)


@pytest.mark.postgres
def test_kill_9_under_load_postgres(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("set CROWDLAB_TEST_PG to a PostgreSQL URL to run PostgreSQL tests")
    url = _fresh_pg_database(PG_URL)
    try:
        _crash_and_recover(url, tmp_path)
    finally:
        _drop_pg_database(PG_URL, url)
