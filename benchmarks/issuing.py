"""Issue + submit throughput of a real server with many concurrent simulated workers.

    python benchmarks/issuing.py --db sqlite:///tmp/bench.db --workers 50 --tasks 2000
    python benchmarks/issuing.py --db postgresql://user@127.0.0.1:5432/bench --workers 50

Prints assignments issued+submitted per second and the invariant check afterwards. A figure, never
an assertion: machines differ.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import httpx

from crowdlab.services.integrity import violations
from crowdlab.sim.crowd import CrowdConfig, Truth, run_crowd
from crowdlab.sim.server import EmbeddedServer
from crowdlab.storage.db import Database

PROJECT = {
    "public_name": "bench",
    "public_description": "bench",
    "task_spec": {
        "input_spec": {"image": {"type": "url"}},
        "output_spec": {"result": {"type": "string", "allowed_values": ["cat", "dog"]}},
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--per-suite", type=int, default=5)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    truth_rows = {f"https://example.com/{i}.png": "cat" if i % 2 else "dog" for i in range(args.tasks)}
    truth = Truth.from_tsv(
        "INPUT:image\tGOLDEN:result\n" + "".join(f"{u}\t{v}\n" for u, v in truth_rows.items())
    )
    with EmbeddedServer(url) as server:
        headers = {"Authorization": f"OAuth {server.create_requester(f'bench-{time.time()}', '100000')}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as api:
            project = api.post("/api/v1/projects", json=PROJECT).raise_for_status().json()
            pool = (
                api.post(
                    "/api/v1/pools",
                    json={
                        "project_id": project["id"],
                        "private_name": "bench",
                        "reward_per_assignment": 0.01,
                        "assignment_max_duration_seconds": 600,
                        "defaults": {"default_overlap_for_new_tasks": args.overlap},
                        "mixer_config": {"real_tasks_count": args.per_suite},
                    },
                )
                .raise_for_status()
                .json()
            )
            tasks = [{"pool_id": pool["id"], "input_values": {"image": u}} for u in truth_rows]
            api.post("/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks).raise_for_status()
            api.post(f"/api/v1/pools/{pool['id']}/open").raise_for_status()
            started = time.perf_counter()
            report = run_crowd(
                CrowdConfig(url=server.url, truth=truth, workers=args.workers, seed=1, timeout=3600)
            )
            elapsed = time.perf_counter() - started
    database = Database(url)
    problems = violations(database)
    database.dispose()
    backend = url.split(":", 1)[0]
    print(f"backend              {backend}")
    print(f"workers              {args.workers}")
    print(f"suites submitted     {report.suites}  ({report.answers} answers, {report.errors} errors)")
    print(f"elapsed              {elapsed:.1f} s")
    print(f"take+submit cycles/s {report.suites / elapsed:.1f}")
    print(f"answers/s            {report.answers / elapsed:.1f}")
    print(f"invariants           {'OK' if not problems else problems[:5]}")


if __name__ == "__main__":
    main()
