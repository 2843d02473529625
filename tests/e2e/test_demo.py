"""`crowdlab demo`, the README's main command, as a real subprocess."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_demo_runs_the_whole_job_and_is_accurate(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-m", "crowdlab", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "CLOSED (COMPLETED)" in run.stderr

    def read(name: str) -> list[dict[str, str]]:
        with (out / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f, delimiter="\t"))

    results = read("results.tsv")
    truth = {r["INPUT:image"]: r["GOLDEN:result"] for r in read("truth.tsv")}
    assert len(results) == 560
    assert all(r["CONFIDENCE:result"].endswith("%") for r in results)
    accuracy = sum(r["OUTPUT:result"] == truth[r["INPUT:image"]] for r in results) / len(results)
    assert accuracy >= 0.9
    assert (out / "assignments.tsv").read_text(encoding="utf-8").startswith("INPUT:image")
