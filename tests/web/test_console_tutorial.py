"""The seeds' audio-classification tutorial, done entirely in the requester console in real Chromium:
a fresh requester (topped up by an administrator with ``crowdlab requester topup``) logs in, creates a
project from the audio preset, walks the pool wizard (audience, speed/quality, quality control, price,
overlap, upload with control tasks, tasks per suite, marking a control task, budget) and starts
labeling; ``crowdlab simulate`` is the crowd; the requester watches the progress reach 100 %, runs
Dawid-Skene and downloads the aggregated results with their confidence. Every step is screenshotted
into ``test-artifacts/console/``.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crowdlab.services import ledger
from crowdlab.services.accounts import create_requester
from crowdlab.sim.server import EmbeddedServer

from .console_support import PASSWORD, VIEWPORT, shot

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

NAME = "ACME audio"
LABELS = ["speech", "music", "noise"]
N_TASKS = 36
N_CONTROL_IN_FILE = 6


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(f"sqlite:///{tmp_path}/tutorial.db", sweep_interval=0.3) as running:
        yield running


def _files(server: EmbeddedServer, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """The task file (some rows with GOLDEN:) and the simulator's truth file (every row)."""
    rng = random.Random(20)
    truth = {
        f"{server.url}/static/console/sample.wav?clip={i:03d}": rng.choice(LABELS) for i in range(N_TASKS)
    }
    tasks = tmp_path / "audio_tasks.tsv"
    rows = ["INPUT:audio\tGOLDEN:result"]
    for i, (url, label) in enumerate(truth.items()):
        rows.append(f"{url}\t{label if i < N_CONTROL_IN_FILE else ''}")
    tasks.write_text("\n".join(rows) + "\n", encoding="utf-8")
    truth_file = tmp_path / "truth.tsv"
    truth_file.write_text(
        "INPUT:audio\tGOLDEN:result\n" + "".join(f"{u}\t{v}\n" for u, v in truth.items()), encoding="utf-8"
    )
    return tasks, truth_file, truth


def test_audio_classification_tutorial_in_the_console(
    server: EmbeddedServer, browser: Any, tmp_path: Path
) -> None:
    db = server.app.state.db
    create_requester(db, NAME, password=PASSWORD)  # a fresh requester with no money yet
    db_url = f"sqlite:///{tmp_path}/tutorial.db"
    topup = subprocess.run(
        [sys.executable, "-m", "crowdlab", "requester", "topup", NAME, "20", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert topup.returncode == 0, topup.stderr
    task_file, truth_file, truth = _files(server, tmp_path)

    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15_000)
    try:
        # Log in -----------------------------------------------------------------------------------
        page.goto(f"{server.url}/console")
        page.wait_for_selector("#login-form")
        page.fill("#name", NAME)
        page.fill("#password", PASSWORD)
        shot(page, "01-login")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#no-projects")
        assert page.inner_text("#nav-balance") == "$20.00"
        shot(page, "02-projects-empty")

        # Project from the audio preset --------------------------------------------------------------
        page.click("#create-project")
        page.wait_for_selector("[data-preset=audio_classification]")
        shot(page, "03-presets")
        page.click("[data-preset=audio_classification] a")
        page.wait_for_selector("#preview audio")
        page.wait_for_selector("#tb-messages .message-ok")
        page.wait_for_selector("#instructions-preview li")  # the sanitized instructions, as workers see them
        page.fill("#public-name", "Speech, music or noise?")
        page.click("#preview [data-action=view-responses]")
        page.get_by_role("radio", name="Music").check()
        page.wait_for_function(
            "() => document.querySelector('[data-preview=responses-json]').textContent.includes('music')"
        )
        shot(page, "04-project-editor")
        page.click("#save-project")
        page.wait_for_selector("#add-pool")
        assert page.inner_text("#project-status") == "Active"
        shot(page, "05-project")

        # Pool wizard ------------------------------------------------------------------------------
        page.click("#add-pool")
        page.wait_for_selector("[data-panel=general]:not([hidden])")
        page.fill("#pool-name", "Tutorial pool")
        shot(page, "06-wizard-name")
        page.click("#wizard-next")
        page.check("input[name=language][value=EN]")
        page.check("input[name=device][value=PERSONAL_COMPUTER]")
        page.uncheck("input[name=device][value=PERSONAL_COMPUTER]")  # workers of the crowd declare no device
        shot(page, "07-wizard-audience")
        page.click("#wizard-next")
        page.check("input[name=speed][value='80']")
        shot(page, "08-wizard-speed-quality")
        page.click("#wizard-next")
        page.check("[data-qc=control] [data-qc-enable]")
        page.fill("[data-qc=control] [data-qc-param=answers]", "3")
        page.fill("[data-qc=control] [data-qc-param=percent]", "30")
        page.check("[data-qc=skipped] [data-qc-enable]")
        page.check("input[name=review][value=auto]")
        shot(page, "09-wizard-quality-control")
        page.click("#wizard-next")
        page.fill("#price", "0.02")
        page.fill("#overlap", "3")
        page.fill("#duration", "300")
        shot(page, "10-wizard-price")
        page.click("#wizard-next")  # creates the pool
        page.wait_for_selector("[data-panel=upload]:not([hidden])")
        pool_id = page.url.split("/console/pools/")[1].split("/")[0]
        page.set_input_files("#task-file", str(task_file))
        page.click("#upload-button")
        page.wait_for_selector("[data-upload=created]")
        assert f"Created {N_TASKS} task(s)" in page.inner_text("[data-upload=created]")
        shot(page, "11-wizard-upload")
        page.click("#wizard-next")
        page.fill("#real-count", "5")
        page.fill("#golden-count", "1")
        shot(page, "12-wizard-tasks-per-suite")
        page.click("#wizard-next")
        page.wait_for_selector("#control-tasks tr[data-kind=general]")
        row = page.locator("#control-tasks tr[data-kind=general]").first
        url = row.locator("a").first.get_attribute("href")
        assert url in truth
        row.locator("select").select_option(truth[url])
        row.locator("button[data-mark]").click()
        page.wait_for_selector(f"#control-tasks tr[data-kind=golden] a[href='{url}']")
        page.wait_for_function(
            "n => [...document.querySelectorAll('#control-chart .chart-bar')]"
            ".reduce((s, g) => s + Number(g.dataset.value), 0) === n",
            arg=N_CONTROL_IN_FILE + 1,
        )
        shot(page, "13-wizard-control-tasks")
        page.click("#wizard-next")
        page.wait_for_selector("#budget .fact")
        general = N_TASKS - N_CONTROL_IN_FILE - 1
        assert page.inner_text("[data-fact='Answers still needed']") == str(general * 3)
        assert "covers" in page.inner_text("#budget-note")
        shot(page, "14-wizard-budget")
        page.click("#start-labeling")
        page.wait_for_selector("#pool-status:has-text('Open')")  # rendered by the page script
        assert page.url.endswith(f"/console/pools/{pool_id}")
        shot(page, "15-pool-open")

        # The crowd ----------------------------------------------------------------------------------
        crowd = subprocess.Popen(
            [
                sys.executable, "-m", "crowdlab", "simulate", "--url", server.url, "--truth", str(truth_file),
                "--workers", "10", "--accuracy", "0.75:0.95", "--seed", "4", "--pool", pool_id, "--timeout", "90",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            page.wait_for_function(
                "() => document.querySelector('#completion').textContent.trim() === '100 %'", timeout=90_000
            )
            page.wait_for_function("() => document.querySelector('#pool-status').textContent === 'Stopped'")
        finally:
            out, err = crowd.communicate(timeout=120)
        assert crowd.returncode == 0, err
        assert "every task got all its answers" in page.inner_text("#pool-close-reason")
        page.wait_for_function("() => document.querySelector('#nav-balance').textContent !== '$20.00'")
        spent = float(page.inner_text("#stat-spent").lstrip("$"))
        assert spent > 0 and abs(float(page.inner_text("#nav-balance").lstrip("$")) - (20 - spent)) < 1e-9
        assert int(page.inner_text("#stat-workers")) >= 3
        assert page.locator("#speed-chart rect.chart-column").count() >= 1
        shot(page, "16-pool-completed")

        # Aggregate and download -----------------------------------------------------------------------
        page.click("#run-aggregation")
        page.wait_for_selector("#aggregations tr[data-status=SUCCESS] a[data-format=tsv]", timeout=60_000)
        shot(page, "17-aggregated")
        with page.expect_download() as download:
            page.click("#aggregations tr[data-status=SUCCESS] a[data-format=tsv]")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        (tmp_path / "results.tsv").write_text(text, encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
        assert {"INPUT:audio", "OUTPUT:result", "CONFIDENCE:result"} <= set(rows[0])
        assert len(rows) == general  # one result per general task, none for control tasks
        correct = sum(truth[r["INPUT:audio"]] == r["OUTPUT:result"] for r in rows)
        assert correct / len(rows) >= 0.75, (correct, len(rows), out)
        confidences = [float(r["CONFIDENCE:result"].rstrip("%")) for r in rows]
        assert all(0 <= c <= 100 for c in confidences) and max(confidences) > 50

        # The money ---------------------------------------------------------------------------------
        page.click("nav a[href='/console/account']")
        page.wait_for_selector("#ledger tr[data-kind=CHARGE]")
        assert page.locator("#ledger tr[data-kind=TOPUP]").count() == 1
        shot(page, "18-account-ledger")
        assert errors == []
    finally:
        context.close()
    with db.read() as conn:
        audit = ledger.audit(conn)
    assert audit.ok, audit.problems
