"""Run a simulated crowd with a rich progress display."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from crowdlab.sim.crowd import CrowdConfig, CrowdReport, run_crowd


def run_with_progress(config: CrowdConfig, console: Console, total: int | None = None) -> CrowdReport:
    """Run the crowd, showing answers submitted (out of ``total`` when known)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("simulated crowd"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("answers"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        bar = progress.add_task("answers", total=total)
        return run_crowd(config, progress=lambda n: progress.advance(bar, n))
