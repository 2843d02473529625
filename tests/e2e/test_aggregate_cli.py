"""`crowdlab aggregate FILE --method ds` on an assignments TSV, as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crowdlab", "aggregate", *args], capture_output=True, text=True, timeout=60
    )


def test_aggregate_an_assignments_tsv(tmp_path: Path) -> None:
    header = "INPUT:image\tOUTPUT:result\tGOLDEN:result\tASSIGNMENT:worker_id\n"
    rows = []
    for task in ("a", "b"):
        rows += [f"{task}.png\tcat\t\tw1\n", f"{task}.png\tcat\t\tw2\n", f"{task}.png\tdog\t\tw3\n"]
    rows.append("g.png\tdog\tdog\tw3\n")  # a control task only w3 answered
    source = tmp_path / "answers.tsv"
    source.write_text(header + "".join(rows))
    mv = run(str(source), "--method", "mv")
    assert mv.returncode == 0, mv.stderr
    lines = mv.stdout.splitlines()
    assert lines[0] == "INPUT:image\tOUTPUT:result\tCONFIDENCE:result"
    assert sorted(lines[1:]) == ["a.png\tcat\t0.6667", "b.png\tcat\t0.6667"]
    out = tmp_path / "results.tsv"
    ds = run(str(source), "--method", "ds", "-o", str(out))
    assert ds.returncode == 0, ds.stderr
    assert len(out.read_text().splitlines()) == 3
    bad = run(str(source), "--field", "colour")
    assert bad.returncode == 2 and "OUTPUT:colour" in bad.stderr
