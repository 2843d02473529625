"""The ``crowdlab`` command line: serve, requester accounts, simulated crowd, demo, jobs."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from crowdlab.settings import DEFAULT_DB, Settings

app = typer.Typer(
    help="crowdlab: a self-hosted crowdsourcing platform that speaks the Toloka v1 API.", no_args_is_help=True
)
requester_app = typer.Typer(help="Requester accounts.", no_args_is_help=True)
app.add_typer(requester_app, name="requester")
console = Console(stderr=True)


def _db_url(db: str | None) -> str:
    return db or os.environ.get("CROWDLAB_DB") or DEFAULT_DB


@app.command()
def serve(
    db: str = typer.Option(
        None,
        help="Database URL (sqlite:///file.db or postgresql://...); default CROWDLAB_DB or sqlite:///crowdlab.db",
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    workers: int = typer.Option(
        1, min=1, help="Server processes (PostgreSQL only when > 1; run `crowdlab jobs` beside them)"
    ),
) -> None:
    """Run the API and web pages (creates or migrates the database first)."""
    import uvicorn

    from crowdlab.app import create_app

    url = _db_url(db)
    if workers > 1:
        if url.startswith("sqlite"):
            console.print(
                "[red]error:[/red] --workers > 1 needs PostgreSQL: SQLite is single-process by design "
                "(one writer); serve it with one process"
            )
            raise typer.Exit(2)
        from crowdlab.storage.db import Database
        from crowdlab.storage.migrate import upgrade

        database = Database(url)
        upgrade(database)  # once, before the processes start
        database.dispose()
        os.environ["CROWDLAB_DB"] = url
        console.print(
            f"{workers} server processes; the periodic jobs do not run in them: run `crowdlab jobs`."
        )
        uvicorn.run(
            "crowdlab.app:app_from_env", factory=True, workers=workers, host=host, port=port, log_level="info"
        )
        return
    settings = Settings(db_url=url)
    uvicorn.run(create_app(settings, run_jobs=True), host=host, port=port, log_level="info")


@app.command()
def jobs(db: str = typer.Option(None, help="Database URL"), interval: float = typer.Option(1.0)) -> None:
    """Run the periodic jobs (expiry, auto-accept, pool auto-close) in this process until stopped."""
    import time

    from crowdlab.jobs.sweeper import sweep_once
    from crowdlab.storage.db import Database
    from crowdlab.storage.migrate import upgrade

    database = Database(_db_url(db))
    upgrade(database)
    while True:
        sweep_once(database)
        time.sleep(interval)


@requester_app.command("create")
def requester_create(
    name: str,
    balance: str = typer.Option("0", help="Initial balance in USD"),
    password: str = typer.Option(None, help="Password for the web console (optional)"),
    db: str = typer.Option(None, help="Database URL"),
) -> None:
    """Create a requester; prints its API token alone on the last line."""
    from crowdlab.domain.errors import CrowdlabError
    from crowdlab.domain.money import to_micro
    from crowdlab.services.accounts import create_requester
    from crowdlab.storage.db import Database
    from crowdlab.storage.migrate import upgrade

    database = Database(_db_url(db))
    upgrade(database)
    try:
        requester, token = create_requester(
            database, name, balance_micro=to_micro(balance), password=password
        )
    except (CrowdlabError, ValueError) as exc:
        console.print(f"[red]error:[/red] {getattr(exc, 'message', exc)}")
        raise typer.Exit(2) from None
    console.print(f"Requester [bold]{requester.name}[/bold] created with balance ${Decimal(balance):.2f}.")
    print(token)


@requester_app.command("topup")
def requester_topup(name: str, amount: str, db: str = typer.Option(None, help="Database URL")) -> None:
    """Add money to a requester's balance (an administrator's action)."""
    from crowdlab.domain.errors import CrowdlabError
    from crowdlab.domain.money import from_micro, to_micro
    from crowdlab.services.accounts import top_up
    from crowdlab.storage.db import Database
    from crowdlab.storage.migrate import upgrade

    database = Database(_db_url(db))
    upgrade(database)
    try:
        micro = to_micro(amount)
        if micro <= 0:
            raise ValueError("the amount must be positive")
        balance = top_up(database, name, micro)
    except (CrowdlabError, ValueError) as exc:
        console.print(f"[red]error:[/red] {getattr(exc, 'message', exc)}")
        raise typer.Exit(2) from None
    print(f"{from_micro(balance)}")


@app.command()
def simulate(
    url: str = typer.Option(..., help="Base URL of a running crowdlab"),
    truth: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="TSV task file with INPUT: and GOLDEN: columns"
    ),
    workers: int = typer.Option(30, min=1, max=2000),
    accuracy: str = typer.Option("0.7:0.95", help="Range LO:HI of honest workers' accuracy"),
    spammers: float = typer.Option(0.0, min=0.0, max=1.0, help="Fraction of workers answering at random"),
    fast_clickers: float = typer.Option(
        0.0, min=0.0, max=1.0, help="Fraction answering at random, instantly"
    ),
    languages: str = typer.Option("EN", help="Comma-separated languages in the workers' profiles"),
    pool: str = typer.Option(None, help="Work only on this pool id"),
    seed: int = typer.Option(0),
    timeout: float = typer.Option(600.0, help="Stop after this many seconds"),
    think: float = typer.Option(0.0, help="Seconds an honest worker spends per suite (on average)"),
) -> None:
    """Run a simulated crowd against a server until no task is left."""
    from crowdlab.sim.crowd import CrowdConfig, Truth
    from crowdlab.sim.runner import run_with_progress

    try:
        low, high = (float(x) for x in accuracy.split(":"))
        if not 0 <= low <= high <= 1:
            raise ValueError
    except ValueError:
        console.print(f"[red]error:[/red] --accuracy must be LO:HI with 0 <= LO <= HI <= 1, not {accuracy!r}")
        raise typer.Exit(2) from None
    try:
        truth_data = Truth.from_file(truth)
    except (ValueError, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] {truth}: {exc}")
        raise typer.Exit(2) from None
    config = CrowdConfig(
        url=url,
        truth=truth_data,
        workers=workers,
        accuracy=(low, high),
        spammers=spammers,
        fast_clickers=fast_clickers,
        languages=[x.strip().upper() for x in languages.split(",") if x.strip()],
        pool_id=pool,
        seed=seed,
        timeout=timeout,
        think_seconds=think,
    )
    report = run_with_progress(config, console)
    console.print(
        f"{report.workers} workers submitted {report.suites} suites ({report.answers} answers); "
        f"{report.blocked_workers} were blocked by quality control; {report.errors} errors."
    )


def _api(url: str, token: str) -> Any:
    import httpx

    return httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"OAuth {token}"}, timeout=600)


def _fail(response: Any) -> None:
    if response.status_code >= 400:
        try:
            body = response.json()
            console.print(f"[red]error {body.get('code')}:[/red] {body.get('message')}")
            failures = ((body.get("payload") or {}).get("file") or {}).get("failures") or []
            for failure in failures[:20]:
                console.print(f"  line {failure.get('line')}: {failure.get('message')}")
        except ValueError:
            console.print(f"[red]error:[/red] HTTP {response.status_code}")
        raise typer.Exit(2)


@app.command()
def upload(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="TSV, XLSX or JSON task file"),
    pool: str = typer.Option(..., help="Pool id"),
    url: str = typer.Option("http://127.0.0.1:8000", envvar="CROWDLAB_URL"),
    token: str = typer.Option(..., envvar="CROWDLAB_TOKEN", help="Requester API token"),
    skip_invalid: bool = typer.Option(
        True, help="Create the valid rows (else refuse the file on any bad row)"
    ),
) -> None:
    """Upload a task file into a pool; prints the processing summary."""
    with _api(url, token) as api, file.open("rb") as data:
        response = api.post(
            f"/api/v1/pools/{pool}/task-files",
            params={"skip_invalid_items": str(skip_invalid).lower()},
            files={"file": (file.name, data)},
        )
    _fail(response)
    report = response.json()
    console.print(f"{report['created']} tasks created, {report['failed']} rows failed")
    for failure in report["failures"][:20]:
        console.print(f"  line {failure['line']}: {failure.get('message')}")


@app.command()
def export(
    pool: str = typer.Option(..., help="Pool id"),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the file"),
    file_format: str = typer.Option("tsv", "--format", help="tsv, xlsx or json"),
    status: str = typer.Option(
        "APPROVED", help="Comma-separated statuses (APPROVED, SUBMITTED, REJECTED, ...)"
    ),
    url: str = typer.Option("http://127.0.0.1:8000", envvar="CROWDLAB_URL"),
    token: str = typer.Option(..., envvar="CROWDLAB_TOKEN", help="Requester API token"),
) -> None:
    """Download a pool's answers (one row per task per assignment)."""
    with (
        _api(url, token) as api,
        api.stream(
            "GET", f"/api/new/requester/pools/{pool}/assignments.{file_format}", params={"status": status}
        ) as response,
    ):
        if response.status_code >= 400:
            response.read()
            _fail(response)
        with out.open("wb") as target:
            for chunk in response.iter_bytes():
                target.write(chunk)
    console.print(f"written {out}")


@app.command()
def aggregate(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="An assignments TSV (INPUT:, OUTPUT:, ASSIGNMENT:worker_id)"
    ),
    method: str = typer.Option("ds", help="ds, mv, or any method name (glad, mace, wawa, ...)"),
    field: str = typer.Option(None, help="The output field, when the file has several"),
    out: Path = typer.Option(
        None, "--out", "-o", help="Where to write the results (default: standard output)"
    ),
) -> None:
    """Aggregate answers offline: one label per task with its confidence."""
    from crowdlab.services.aggregate_file import aggregate_tsv, write_rows

    name = {"ds": "dawid_skene", "mv": "majority_vote"}.get(method, method)
    try:
        with file.open(encoding="utf-8", newline="") as source:
            rows = list(aggregate_tsv(source, method=name, field=field))
    except (ValueError, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] {file}: {exc}")
        raise typer.Exit(2) from None
    if out is None:
        write_rows(rows, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="") as target:
            write_rows(rows, target)
        console.print(f"{len(rows) - 1} tasks aggregated into {out}")


@app.command()
def demo(
    out: Path = typer.Option(Path("crowdlab-demo"), help="Where to write the results"),
    workers: int = typer.Option(30, min=3),
    seed: int = typer.Option(7),
) -> None:
    """The whole job in one command: server, project, pool, tasks, a simulated crowd, results."""
    from crowdlab.sim.demo import run_demo

    summary = run_demo(out, workers=workers, seed=seed, console=console)
    if summary["accuracy"] < 0.9:
        console.print("[yellow]accuracy below 0.9[/yellow]")
        sys.exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
