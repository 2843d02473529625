"""Fifty simulated workers over HTTP against a real uvicorn server, on SQLite and on PostgreSQL:
no 5xx, no invariant violation, and the pool completes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from crowdlab.services.integrity import violations
from crowdlab.sim.crowd import CrowdConfig, Truth, run_crowd
from crowdlab.sim.server import EmbeddedServer
from crowdlab.storage.db import Database
from tests.conftest import CAT_DOG_PROJECT, make_database, pool_body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_fifty_workers_over_http(kind: str, tmp_path: Path) -> None:
    db, url = make_database(kind, tmp_path)
    db.dispose()
    truth_rows = {f"https://example.com/{i}.png": ("cat" if i % 3 else "dog") for i in range(150)}
    truth = Truth.from_tsv(
        "INPUT:image\tGOLDEN:result\n" + "".join(f"{u}\t{v}\n" for u, v in truth_rows.items())
    )
    with EmbeddedServer(url) as server:
        headers = {"Authorization": f"OAuth {server.create_requester('r', '100')}"}
        api = httpx.Client(base_url=server.url, headers=headers)
        project = api.post("/api/v1/projects", json=CAT_DOG_PROJECT).json()
        pool = api.post("/api/v1/pools", json=pool_body(project["id"])).json()
        tasks = [{"pool_id": pool["id"], "input_values": {"image": u}} for u in truth_rows]
        assert api.post("/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks).status_code == 201
        assert api.post(f"/api/v1/pools/{pool['id']}/open").status_code == 202
        report = run_crowd(CrowdConfig(url=server.url, truth=truth, workers=50, seed=5, timeout=120))
        assert report.errors == 0
        assert report.answers == 150 * 3
        final = api.get(f"/api/v1/pools/{pool['id']}").json()
        assert final["status"] == "CLOSED" and final["last_close_reason"] == "COMPLETED"
        api.close()
    database = Database(url)
    assert violations(database) == []
    database.dispose()
