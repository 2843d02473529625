"""The command line as users run it: real subprocesses against a real server and database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from crowdlab.sim.server import EmbeddedServer
from tests.conftest import CAT_DOG_PROJECT, pool_body

pytestmark = [pytest.mark.e2e]


def crowdlab(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crowdlab", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_requester_create_topup_upload_export(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    created = crowdlab("requester", "create", "acme", "--balance", "10", "--db", db)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert len(token) > 30 and " " not in token
    duplicate = crowdlab("requester", "create", "acme", "--db", db)
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    topped = crowdlab("requester", "topup", "acme", "5.5", "--db", db)
    assert topped.returncode == 0 and topped.stdout.strip() == "15.5"
    assert crowdlab("requester", "topup", "acme", "-1", "--db", db).returncode == 2

    with (
        EmbeddedServer(db) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"OAuth {token}"}) as api,
    ):
        project = api.post("/api/v1/projects", json=CAT_DOG_PROJECT).json()
        pool = api.post("/api/v1/pools", json=pool_body(project["id"])).json()
        tasks = tmp_path / "tasks.tsv"
        tasks.write_text("INPUT:image\nhttps://e.com/1.png\nnot a url\nhttps://e.com/2.png\n")
        env = {"CROWDLAB_URL": server.url, "CROWDLAB_TOKEN": token}
        strict = crowdlab("upload", str(tasks), "--pool", pool["id"], "--no-skip-invalid", env=env)
        assert strict.returncode == 2 and "line 3" in strict.stderr
        uploaded = crowdlab("upload", str(tasks), "--pool", pool["id"], env=env)
        assert uploaded.returncode == 0, uploaded.stderr
        assert "2 tasks created, 1 rows failed" in uploaded.stderr
        out = tmp_path / "answers.tsv"
        exported = crowdlab(
            "export", "--pool", pool["id"], "-o", str(out), "--status", "APPROVED,SUBMITTED", env=env
        )
        assert exported.returncode == 0, exported.stderr
        assert out.read_text().startswith("INPUT:image\tOUTPUT:result")


def test_serve_refuses_several_processes_on_sqlite(tmp_path: Path) -> None:
    refused = crowdlab("serve", "--db", f"sqlite:///{tmp_path}/x.db", "--workers", "2")
    assert refused.returncode == 2 and "needs PostgreSQL" in refused.stderr.replace("\n", " ")
