"""Load test: N simulated workers looping take -> submit against a running server for a fixed time.

    crowdlab serve --db sqlite:////tmp/load.db --port 8765 &
    python benchmarks/load.py --url http://127.0.0.1:8765 --db sqlite:////tmp/load.db
    python benchmarks/load.py --url http://127.0.0.1:8765 --pool ID --token TOKEN
    python benchmarks/load.py --ceiling          # bare-ASGI no-op app, same uvicorn settings, same client

The clients run in several OS processes (asyncio + httpx in each) so the client side is not the
bottleneck. Prints issued / submitted per second, p50 / p95 / p99 latency of take and of submit, error
counts by status, and the invariant check when --db is given. Figures, never assertions. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from typing import Any

import httpx

PROJECT = {
    "public_name": "load",
    "public_description": "load",
    "task_spec": {
        "input_spec": {"image": {"type": "url"}},
        "output_spec": {"result": {"type": "string", "allowed_values": ["cat", "dog"]}},
    },
}

NOOP_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def noop(request):
    await request.body()
    return JSONResponse({})

app = Starlette(routes=[Route("/{path:path}", noop, methods=["GET", "POST"])])
"""


def _loopback(url: str) -> None:
    host = httpx.URL(url).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"refusing to load a non-loopback host: {host}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    sys.exit(f"server at {url} did not come up")


def setup_pool(url: str, db: str, tasks: int, overlap: int, per_suite: int) -> tuple[str, str]:
    """A requester (through ``crowdlab requester create``), project, pool and tasks; returns pool, token."""
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "crowdlab",
            "requester",
            "create",
            f"load-{uuid.uuid4().hex[:8]}",
            "--balance",
            "1000000",
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    token = created.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"OAuth {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as api:
        project = api.post("/api/v1/projects", json=PROJECT).raise_for_status().json()
        body = {
            "project_id": project["id"],
            "private_name": "load",
            "reward_per_assignment": 0.01,
            "assignment_max_duration_seconds": 600,
            "defaults": {"default_overlap_for_new_tasks": overlap},
            "mixer_config": {"real_tasks_count": per_suite},
        }
        pool = api.post("/api/v1/pools", json=body).raise_for_status().json()
        for start in range(0, tasks, 1000):
            batch = [
                {"pool_id": pool["id"], "input_values": {"image": f"https://example.com/{i}.png"}}
                for i in range(start, min(tasks, start + 1000))
            ]
            api.post("/api/v1/tasks", params={"allow_defaults": "true"}, json=batch).raise_for_status()
        api.post(f"/api/v1/pools/{pool['id']}/open").raise_for_status()
    return str(pool["id"]), token


async def _client_process(args: dict[str, Any]) -> dict[str, Any]:
    url, pool, n, seconds, ceiling = (
        args["url"],
        args["pool"],
        args["workers"],
        args["seconds"],
        args["ceiling"],
    )
    take_lat: list[float] = []
    submit_lat: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        tokens: list[str] = []
        for i in range(n):
            if ceiling:
                tokens.append("none")
                continue
            name = f"w-{args['index']}-{i}-{uuid.uuid4().hex[:6]}"
            signed = await client.post(
                "/api/worker/signup",
                json={"name": name, "password": "secret-123", "profile": {"languages": ["EN"]}},
            )
            signed.raise_for_status()
            tokens.append(signed.json()["token"])
        args["out"].put("signed")
        args["ready"].wait()  # every process signed up; start together
        deadline = time.monotonic() + seconds

        async def worker(token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    taken = await client.post(f"/api/worker/pools/{pool}/assignments", headers=headers)
                except httpx.HTTPError as exc:
                    errors[f"take {type(exc).__name__}"] += 1
                    continue
                take_lat.append(time.perf_counter() - started)
                if taken.status_code not in (200, 201):
                    errors[f"take {taken.status_code}"] += 1
                    await asyncio.sleep(0.05)
                    continue
                body = taken.json()
                assignment = body.get("id", "noop")
                solutions = [{"output_values": {"result": "cat"}} for _ in body.get("tasks", [])]
                started = time.perf_counter()
                try:
                    done = await client.post(
                        f"/api/worker/assignments/{assignment}/submit",
                        headers=headers,
                        json={"solutions": solutions},
                    )
                except httpx.HTTPError as exc:
                    errors[f"submit {type(exc).__name__}"] += 1
                    continue
                submit_lat.append(time.perf_counter() - started)
                if done.status_code != 200:
                    errors[f"submit {done.status_code}"] += 1

        await asyncio.gather(*(worker(t) for t in tokens))
    return {"take": take_lat, "submit": submit_lat, "errors": dict(errors)}


def _run_process(args: dict[str, Any], out: Any) -> None:
    out.put(asyncio.run(_client_process(args)))


def _pct(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f} ms"


def run_load(url: str, pool: str, workers: int, seconds: float, processes: int, ceiling: bool) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Manager().Event()
    out = ctx.Queue()
    shares = [workers // processes + (1 if i < workers % processes else 0) for i in range(processes)]
    procs = [
        ctx.Process(
            target=_run_process,
            args=(
                {
                    "url": url,
                    "pool": pool,
                    "workers": share,
                    "seconds": seconds,
                    "ceiling": ceiling,
                    "index": i,
                    "ready": ready,
                    "out": out,
                },
                out,
            ),
        )
        for i, share in enumerate(shares)
        if share
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        out.get(timeout=600)  # "signed up" from each process; the clock starts after
    ready.set()
    started = time.perf_counter()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join(timeout=30)
    take = [x for r in results for x in r["take"]]
    submit = [x for r in results for x in r["submit"]]
    errors: Counter[str] = Counter()
    for r in results:
        errors.update(r["errors"])
    issued = len(take) - sum(v for k, v in errors.items() if k.startswith("take "))
    submitted = len(submit) - sum(v for k, v in errors.items() if k.startswith("submit "))
    print(f"url                  {url}{'  (no-op ceiling)' if ceiling else ''}")
    print(f"workers              {workers} in {len(procs)} client processes, {seconds:.0f} s")
    print(f"issued               {issued}  ({issued / elapsed:.1f}/s)")
    print(f"submitted            {submitted}  ({submitted / elapsed:.1f}/s)")
    print(f"take   p50/p95/p99   {_pct(take, 0.5)} / {_pct(take, 0.95)} / {_pct(take, 0.99)}")
    print(f"submit p50/p95/p99   {_pct(submit, 0.5)} / {_pct(submit, 0.95)} / {_pct(submit, 0.99)}")
    print(f"errors               {dict(sorted(errors.items())) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--db", help="database URL of the server: set up a pool there, check invariants after"
    )
    parser.add_argument("--pool", help="existing open pool id (with --token)")
    parser.add_argument("--token", help="requester token (with --pool)")
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--per-suite", type=int, default=1)
    parser.add_argument("--ceiling", action="store_true", help="start and measure a no-op Starlette app")
    args = parser.parse_args()
    if args.ceiling:
        port = _free_port()
        app_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"noop-{uuid.uuid4().hex[:8]}")
        os.makedirs(app_dir)
        with open(os.path.join(app_dir, "noop_app.py"), "w") as f:
            f.write(NOOP_APP)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "noop_app:app",
                "--app-dir",
                app_dir,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "info",  # as `crowdlab serve`: an access-log line per request
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url)
            run_load(url, "noop", args.workers, args.seconds, args.processes, ceiling=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return
    _loopback(args.url)
    url = args.url.rstrip("/")
    if args.pool:
        pool = args.pool
    elif args.db:
        pool, _ = setup_pool(url, args.db, args.tasks, args.overlap, args.per_suite)
    else:
        sys.exit("give --db (to set up a pool) or --pool and --token")
    run_load(url, pool, args.workers, args.seconds, args.processes, ceiling=False)
    if args.db:
        from crowdlab.services.integrity import violations
        from crowdlab.storage.db import Database

        database = Database(args.db)
        problems = violations(database)
        database.dispose()
        print(f"invariants           {'OK' if not problems else problems[:5]}")


if __name__ == "__main__":
    main()
