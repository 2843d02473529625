"""``crowdlab demo``: a whole labeling job on this machine, through the same HTTP APIs users call.

Starts a server on a temporary SQLite database, creates a requester, an image-classification
project and a pool (overlap 3, 10 tasks a suite with one control task, a control-task rule that bans
cheaters), uploads the bundled sample tasks, lets a simulated crowd with spammers do the work, waits
for the pool to close, aggregates the answers and writes the results.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from crowdlab.sim.crowd import CrowdConfig, Truth
from crowdlab.sim.runner import run_with_progress
from crowdlab.sim.server import EmbeddedServer

SAMPLES = Path(__file__).parent / "data" / "cats_dogs.tsv"
CONTROL_TASKS = 40
OVERLAP = 3

VIEW = {
    "view": {
        "type": "view.list",
        "items": [
            {"type": "view.image", "url": {"type": "data.input", "path": "image"}, "ratio": [1, 1]},
            {
                "type": "field.radio-group",
                "data": {"type": "data.output", "path": "result"},
                "options": [{"label": "Cat", "value": "cat"}, {"label": "Dog", "value": "dog"}],
                "validation": {"type": "condition.required"},
            },
        ],
    },
    "plugins": [
        {
            "type": "plugin.hotkeys",
            "1": {"type": "action.set", "data": {"type": "data.output", "path": "result"}, "payload": "cat"},
            "2": {"type": "action.set", "data": {"type": "data.output", "path": "result"}, "payload": "dog"},
        },
        {"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": 400}},
    ],
}


def project_body() -> dict[str, Any]:
    """The demo's image-classification project, as toloka-kit would send it."""
    return {
        "public_name": "Cat or dog?",
        "public_description": "Look at a photo and say whether it shows a cat or a dog.",
        "public_instructions": "Choose <b>Cat</b> or <b>Dog</b>. Keys 1 and 2 work too.",
        "task_spec": {
            "input_spec": {"image": {"type": "url", "required": True, "hidden": False}},
            "output_spec": {
                "result": {
                    "type": "string",
                    "required": True,
                    "hidden": False,
                    "allowed_values": ["cat", "dog"],
                }
            },
            "view_spec": {
                "type": "tb",
                "config": json.dumps(VIEW, indent=4),
                "lock": {
                    "core": "1.0.0",
                    "view.list": "1.0.0",
                    "view.image": "1.0.0",
                    "field.radio-group": "1.0.0",
                    "condition.required": "1.0.0",
                    "plugin.hotkeys": "1.0.0",
                    "action.set": "1.0.0",
                    "plugin.toloka": "1.0.0",
                },
                "inferDataSpec": False,
            },
        },
        "assignments_issuing_type": "AUTOMATED",
    }


def pool_body(project_id: str) -> dict[str, Any]:
    """Overlap 3 (growing to 5 for uncertain tasks), ten tasks a suite (eight real, two control), rules
    that ban workers who fail control tasks, and recompletion: tasks a banned worker answered get one
    more answer."""
    ban = {
        "type": "RESTRICTION_V2",
        "parameters": {
            "scope": "PROJECT",
            "duration_unit": "PERMANENT",
            "private_comment": "Failed control tasks",
        },
    }

    def golden(history: int, answers: int, below: int) -> dict[str, Any]:
        return {
            "collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": history}},
            "rules": [
                {
                    "conditions": [
                        {"key": "golden_set_answers_count", "operator": "GTE", "value": answers},
                        {"key": "golden_set_correct_answers_rate", "operator": "LT", "value": below},
                    ],
                    "action": ban,
                }
            ],
        }

    recompletion = {
        "collector_config": {"type": "USERS_ASSESSMENT"},
        "rules": [
            {
                "conditions": [
                    {"key": "pool_access_revoked_reason", "operator": "EQ", "value": "RESTRICTION"}
                ],
                "action": {"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": True}},
            }
        ],
    }
    return {
        "project_id": project_id,
        "private_name": "Cats and dogs, demo",
        "may_contain_adult_content": False,
        "reward_per_assignment": 0.05,
        "assignment_max_duration_seconds": 600,
        "defaults": {"default_overlap_for_new_tasks": OVERLAP, "default_overlap_for_new_task_suites": 0},
        "mixer_config": {"real_tasks_count": 8, "golden_tasks_count": 2, "training_tasks_count": 0},
        "filter": {
            "and": [{"or": [{"category": "profile", "key": "languages", "operator": "IN", "value": "EN"}]}]
        },
        "quality_control": {"configs": [golden(6, 4, 50), golden(10, 10, 60), recompletion]},
        # incremental relabeling: three answers at first, up to five while the answer is uncertain
        "dynamic_overlap_config": {
            "type": "BASIC",
            "max_overlap": 5,
            "min_confidence": 0.9,
            "fields": [{"name": "result"}],
        },
    }


def _sample_rows(base_url: str) -> list[tuple[str, str]]:
    rows = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines()[1:]:
        name, label = line.split("\t")
        rows.append((f"{base_url}/static/samples/{name}", label))
    return rows


def run_demo(
    out: Path, *, workers: int = 30, seed: int = 7, console: Console | None = None
) -> dict[str, Any]:
    """Run the demo end to end; returns the summary it prints."""
    console = console or Console(stderr=True)
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="crowdlab-demo-") as tmp,
        EmbeddedServer(f"sqlite:///{tmp}/demo.db") as server,
    ):
        console.print(f"Server running at [bold]{server.url}[/bold] (database in {tmp})")
        token = server.create_requester("demo requester", balance="100")
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"OAuth {token}"}, timeout=60)
        project = api.post("/api/v1/projects", json=project_body()).raise_for_status().json()
        pool = api.post("/api/v1/pools", json=pool_body(project["id"])).raise_for_status().json()
        samples = _sample_rows(server.url)
        truth_file = out / "truth.tsv"
        truth_file.write_text(
            "INPUT:image\tGOLDEN:result\n" + "".join(f"{u}\t{label}\n" for u, label in samples),
            encoding="utf-8",
        )
        control, real = samples[:CONTROL_TASKS], samples[CONTROL_TASKS:]
        tasks = [
            {
                "pool_id": pool["id"],
                "input_values": {"image": u},
                "known_solutions": [{"output_values": {"result": label}}],
            }
            for u, label in control
        ] + [{"pool_id": pool["id"], "input_values": {"image": u}} for u, _ in real]
        created = api.post(
            "/api/v1/tasks", params={"allow_defaults": "true", "async_mode": "false"}, json=tasks
        )
        created.raise_for_status()
        console.print(
            f"Project {project['id']}, pool {pool['id']}: "
            f"{len(real)} tasks + {len(control)} control tasks uploaded"
        )
        api.post(f"/api/v1/pools/{pool['id']}/open").raise_for_status()
        config = CrowdConfig(
            url=server.url,
            truth=Truth.from_file(truth_file),
            workers=workers,
            accuracy=(0.7, 0.95),
            spammers=0.1,
            seed=seed,
            timeout=300,
        )
        report = run_with_progress(config, console, total=None)
        pool_state = _wait_closed(api, pool["id"])
        tsv = api.get(f"/api/new/requester/pools/{pool['id']}/assignments.tsv", params={"status": "APPROVED"})
        tsv.raise_for_status()
        (out / "assignments.tsv").write_text(tsv.text, encoding="utf-8")
        results = _aggregate(api, pool["id"])
        (out / "results.tsv").write_text(results, encoding="utf-8")
        truth = dict(real)
        predicted = _labels(results)
        scored = [u for u in predicted if u in truth]
        correct = sum(1 for u in scored if predicted[u] == truth[u])
        requester = api.get("/api/v1/requester").json()
        analytics = api.post(
            "/api/staging/analytics-2",
            json=[
                {"subject": "POOL", "subject_id": pool["id"], "name": n}
                for n in ("approved_assignments_count", "spent_budget")
            ],
        ).json()["details"]["value"]
        restrictions_banned = report.blocked_workers
        summary = {
            "tasks": len(real),
            "control_tasks": len(control),
            "assignments": analytics[0]["result"],
            "workers": report.workers,
            "spammers": sum(1 for k in report.kinds.values() if k == "spammer"),
            "banned_workers": restrictions_banned,
            "spend": analytics[1]["result"],
            "balance_left": requester["balance"],
            "pool_status": f"{pool_state['status']} ({pool_state.get('last_close_reason')})",
            "accuracy": correct / len(scored) if scored else 0.0,
            "seconds": round(time.monotonic() - started, 1),
        }
        api.close()
    table = Table(title="crowdlab demo")
    table.add_column("")
    table.add_column("", justify="right")
    for key, value in summary.items():
        table.add_row(key.replace("_", " "), f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(f"Results written to [bold]{out}/[/bold] (results.tsv, assignments.tsv, truth.tsv)")
    return summary


def _wait_closed(api: httpx.Client, pool_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        pool: dict[str, Any] = api.get(f"/api/v1/pools/{pool_id}").json()
        if pool["status"] == "CLOSED" or time.monotonic() > deadline:
            return pool
        time.sleep(0.5)


def _aggregate(api: httpx.Client, pool_id: str) -> str:
    """Run Dawid-Skene on the pool through the API and download the results file (with CONFIDENCE)."""
    body = {"type": "DAWID_SKENE", "pool_id": pool_id, "fields": [{"name": "result"}], "exclude_banned": True}
    operation = (
        api.post("/api/v1/aggregated-solutions/aggregate-by-pool", json=body).raise_for_status().json()
    )
    deadline = time.monotonic() + 120
    while operation["status"] not in ("SUCCESS", "FAIL") and time.monotonic() < deadline:
        time.sleep(0.2)
        operation = api.get(f"/api/v1/operations/{operation['id']}").json()
    if operation["status"] != "SUCCESS":
        raise RuntimeError(f"aggregation did not finish: {operation}")
    return api.get(f"/api/v1/aggregated-solutions/{operation['id']}/file").raise_for_status().text


def _labels(results_tsv: str) -> dict[str, str]:
    reader = csv.DictReader(io.StringIO(results_tsv), delimiter="\t")
    return {row["INPUT:image"]: row["OUTPUT:result"] for row in reader}
