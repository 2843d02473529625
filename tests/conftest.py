"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when CROWDLAB_TEST_PG is set),
an in-process app with a client, and helpers to make requesters, projects, pools and workers."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from crowdlab.app import create_app
from crowdlab.services import ledger
from crowdlab.services.accounts import create_requester
from crowdlab.settings import Settings
from crowdlab.storage.db import Database
from crowdlab.storage.migrate import upgrade

PG_URL = os.environ.get("CROWDLAB_TEST_PG")


def _fresh_pg_database(base_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(Database(base_url).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_pg_database(base_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(Database(base_url).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def make_database(kind: str, tmp_path: Any) -> tuple[Database, str]:
    if kind == "postgres":
        if not PG_URL:
            pytest.skip("set CROWDLAB_TEST_PG to a PostgreSQL URL to run PostgreSQL tests")
        url = _fresh_pg_database(PG_URL)
    else:
        url = f"sqlite:///{tmp_path}/test.db"
    db = Database(url)
    upgrade(db)
    return db, url


_TEMPLATE: Path | None = None


def copied_sqlite() -> tuple[Database, Path]:
    """A fresh SQLite database copied from a migrated template built once per test process
    (migrations are too slow to run for every Hypothesis example); returns it and its folder."""
    global _TEMPLATE
    if _TEMPLATE is None:
        template = Path(tempfile.mkdtemp()) / "template.db"
        database = Database(f"sqlite:///{template}")
        upgrade(database)
        database.dispose()
        _TEMPLATE = template
    folder = Path(tempfile.mkdtemp())
    shutil.copy(_TEMPLATE, folder / "db.sqlite")
    return Database(f"sqlite:///{folder / 'db.sqlite'}"), folder


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    db, url = make_database(request.param, tmp_path)
    yield db
    _check_books(db)
    db.dispose()
    if request.param == "postgres":
        assert PG_URL
        _drop_pg_database(PG_URL, url)


@pytest.fixture
def db(tmp_path: Any) -> Iterator[Database]:
    """A fresh SQLite database (most tests)."""
    database, _ = make_database("sqlite", tmp_path)
    yield database
    _check_books(database)
    database.dispose()


def _check_books(db: Database) -> None:
    """After every test: the ledger balances and no requester balance is negative."""
    with db.read() as conn:
        audit = ledger.audit(conn)
    assert audit.ok, audit.problems


@pytest.fixture
def app(db: Database) -> Any:
    return create_app(Settings(db_url=db.url), db=db)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


class Requester:
    """A requester with a token, calling the v1 API through a test client."""

    def __init__(self, client: TestClient, db: Database, name: str, balance: str = "100"):
        from crowdlab.domain.money import to_micro

        self.account, self.token = create_requester(db, name, balance_micro=to_micro(balance))
        self.client = client
        self.headers = {"Authorization": f"OAuth {self.token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=self.headers, **kwargs)


@pytest.fixture
def requester(client: TestClient, db: Database) -> Requester:
    return Requester(client, db, "alice")


@pytest.fixture
def other_requester(client: TestClient, db: Database) -> Requester:
    return Requester(client, db, "mallory")


CAT_DOG_PROJECT: dict[str, Any] = {
    "public_name": "Cat or Dog?",
    "public_description": "Specify the type of animal depicted in a photo.",
    "task_spec": {
        "input_spec": {"image": {"required": True, "hidden": False, "type": "url"}},
        "output_spec": {
            "result": {"required": True, "hidden": False, "type": "string", "allowed_values": ["cat", "dog"]}
        },
        "view_spec": {
            "config": json.dumps(
                {
                    "view": {
                        "type": "view.list",
                        "items": [
                            {"type": "view.image", "url": {"type": "data.input", "path": "image"}},
                            {
                                "type": "field.radio-group",
                                "data": {"type": "data.output", "path": "result"},
                                "options": [
                                    {"value": "cat", "label": "Cat"},
                                    {"value": "dog", "label": "Dog"},
                                ],
                                "validation": {"type": "condition.required"},
                            },
                        ],
                    }
                }
            ),
            "inferDataSpec": False,
            "type": "tb",
            "lock": {
                "core": "1.0.0",
                "view.list": "1.0.0",
                "view.image": "1.0.0",
                "field.radio-group": "1.0.0",
            },
        },
    },
    "assignments_issuing_type": "AUTOMATED",
    "public_instructions": "Look at the picture.",
}


def pool_body(project_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": project_id,
        "private_name": "Pool 1",
        "may_contain_adult_content": False,
        "reward_per_assignment": 0.05,
        "assignment_max_duration_seconds": 300,
        "defaults": {"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 3},
        "mixer_config": {"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0},
    }
    body.update(overrides)
    return body


class WorkerClient:
    """A worker signed up through the worker API."""

    def __init__(self, client: TestClient, name: str, profile: dict[str, Any] | None = None):
        response = client.post(
            "/api/worker/signup",
            json={"name": name, "password": "secret-123", "profile": profile or {"languages": ["EN"]}},
        )
        assert response.status_code == 201, response.text
        self.id = response.json()["worker_id"]
        self.client = client
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=self.headers, **kwargs)

    def take(self, pool_id: str) -> Any:
        return self.call("POST", f"/api/worker/pools/{pool_id}/assignments")

    def submit(self, assignment: dict[str, Any], answer: Any = "cat") -> Any:
        solutions = [{"output_values": {"result": answer}} for _ in assignment["tasks"]]
        return self.call(
            "POST", f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
        )


def setup_pool(
    requester: Requester, n_tasks: int = 4, open_pool: bool = True, **pool_overrides: Any
) -> tuple[str, list[str]]:
    """A project + pool with n tasks (overlap 3 by default); returns pool id and task ids."""
    project = requester.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()
    pool = requester.call("POST", "/api/v1/pools", json=pool_body(project["id"], **pool_overrides)).json()
    tasks = [
        {"pool_id": pool["id"], "input_values": {"image": f"https://example.com/{i}.jpg"}}
        for i in range(n_tasks)
    ]
    created = requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks)
    assert created.status_code == 201, created.text
    ids = [created.json()["items"][str(i)]["id"] for i in range(n_tasks)]
    if open_pool:
        opened = requester.call("POST", f"/api/v1/pools/{pool['id']}/open")
        assert opened.status_code == 202, opened.text
    return pool["id"], ids
