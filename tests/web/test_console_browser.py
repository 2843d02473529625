"""The requester console in real Chromium: the wizard's refusals (a file with bad lines, no balance,
a pool without tasks, an invalid template), the keyboard-driven review queue with disputes, every
preset in the live preview, and API tokens. One server for the module; each test has its own
requester. Screenshots go to ``test-artifacts/console/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crowdlab.sim.server import EmbeddedServer
from crowdlab.web import console_presets
from tests.conftest import CAT_DOG_PROJECT, pool_body

from .console_support import ConsoleUser, shot

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    path = tmp_path_factory.mktemp("console")
    with EmbeddedServer(f"sqlite:///{path}/console.db", sweep_interval=0.3) as running:
        yield running


@pytest.fixture
def user(server: EmbeddedServer, request: pytest.FixtureRequest) -> Iterator[ConsoleUser]:
    account = ConsoleUser(server, f"req-{request.node.name[:60]}")
    yield account
    account.close()


def _pool(user: ConsoleUser, n_tasks: int = 0, **overrides: Any) -> str:
    project = user.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT)
    pool = user.call("POST", "/api/v1/pools", json=pool_body(project["id"], **overrides))
    if n_tasks:
        image = f"{user.server.url}/static/console/sample.svg"
        items = [{"pool_id": pool["id"], "input_values": {"image": f"{image}?n={i}"}} for i in range(n_tasks)]
        user.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=items)
    return str(pool["id"])


def _task_count(user: ConsoleUser, pool_id: str) -> int:
    return len(user.call("GET", "/api/v1/tasks", params={"pool_id": pool_id, "limit": 1000})["items"])


def test_upload_refuses_a_file_with_bad_lines_and_shows_the_processing_log(
    user: ConsoleUser, browser: Any, tmp_path: Path
) -> None:
    pool_id = _pool(user)
    bad = tmp_path / "bad.tsv"
    bad.write_text(
        "INPUT:image\tGOLDEN:result\n"
        "https://example.com/a.jpg\t\n"
        "not-a-url\t\n"
        "https://example.com/b.jpg\tcow\n"
        "https://example.com/c.jpg\tcat\n",
        encoding="utf-8",
    )
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console/pools/{pool_id}/setup?step=upload")
        page.set_input_files("#task-file", str(bad))
        page.click("#upload-button")
        page.wait_for_selector("[data-upload=refused]")
        assert "No task was created: 2 of 4 rows are invalid" in page.inner_text("[data-upload=refused]")
        log = {
            row.get_attribute("data-line"): row.inner_text()
            for row in page.locator("#processing-log tbody tr").all()
        }
        assert set(log) == {"3", "4"}
        assert "INVALID_URL_SYNTAX" in log["3"] and "not-a-url" in log["3"]
        assert "cow" in log["4"]
        assert _task_count(user, pool_id) == 0  # all or nothing
        shot(page, "refusal-upload-bad-lines")
        page.check("#skip-invalid")
        page.click("#upload-button")
        page.wait_for_selector("[data-upload=created]")
        assert "Created 2 task(s) from 4 line(s)" in page.inner_text("[data-upload=created]")
        assert page.locator("#processing-log tbody tr").count() == 2
        assert _task_count(user, pool_id) == 2
        assert "1 general task(s) and 1 control task(s)" in page.inner_text("#task-counts")
        shot(page, "refusal-upload-skipped-lines")
        wrong_header = tmp_path / "wrong.tsv"
        wrong_header.write_text("INPUT:picture\nhttps://example.com/x.jpg\n", encoding="utf-8")
        page.set_input_files("#task-file", str(wrong_header))
        page.click("#upload-button")
        page.wait_for_selector("[data-upload=refused]")
        assert "picture" in page.inner_text("#upload-result")
        assert _task_count(user, pool_id) == 2
        assert errors == []
    finally:
        context.close()


def test_start_is_refused_when_the_balance_is_short(server: EmbeddedServer, browser: Any) -> None:
    broke = ConsoleUser(server, "broke requester", balance="0.1")
    pool_id = _pool(broke, n_tasks=8)  # 8 tasks x overlap 3 / 2 per suite = 12 suites x $0.06
    context, page, errors = broke.open_page(browser)
    try:
        page.goto(f"{server.url}/console/pools/{pool_id}/setup?step=start")
        page.wait_for_selector("#budget .fact")
        assert page.inner_text("[data-fact='Estimated total']") == "$0.72"
        assert "more than your free balance" in page.inner_text("#budget-note")
        page.click("#start-labeling")
        page.wait_for_selector("#wizard-error:not([hidden])")
        message = page.inner_text("#wizard-error")
        assert message.startswith("Cannot start labeling: Not enough money") and "stays closed" in message
        assert page.get_attribute("#wizard-error", "data-code") == "NOT_ENOUGH_BALANCE"
        assert broke.call("GET", f"/api/v1/pools/{pool_id}")["status"] == "CLOSED"
        shot(page, "refusal-no-balance")
        assert errors == []
    finally:
        context.close()
        broke.close()


def test_start_is_refused_for_a_pool_without_tasks(user: ConsoleUser, browser: Any) -> None:
    pool_id = _pool(user)
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console/pools/{pool_id}/setup?step=start")
        page.wait_for_selector("#budget .fact")
        assert "no general tasks" in page.inner_text("#budget-note")
        page.click("#start-labeling")
        page.wait_for_selector("#wizard-error:not([hidden])")
        assert "Pool contains no tasks" in page.inner_text("#wizard-error")
        assert page.get_attribute("#wizard-error", "data-code") == "EMPTY_POOL"
        assert user.call("GET", f"/api/v1/pools/{pool_id}")["status"] == "CLOSED"
        shot(page, "refusal-pool-without-tasks")
        assert errors == []
    finally:
        context.close()


def test_an_invalid_template_is_refused_with_clear_messages(user: ConsoleUser, browser: Any) -> None:
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console/projects/new?preset=image_classification")
        page.wait_for_selector("#tb-messages .message-ok")
        page.fill("#tb-config", '{\n  "view": {\n    "type": "view.list",\n    "items": [\n  }\n}')
        page.wait_for_selector("#tb-messages .message-error")
        message = page.inner_text("#tb-messages .message-error")
        assert "not valid JSON" in message and "Line 5" in message
        page.click("#save-project")
        assert "error" in page.inner_text("#save-error")
        assert page.get_attribute("#tb-config", "aria-invalid") == "true"
        shot(page, "refusal-invalid-template-json")
        # Valid JSON that writes an output field the spec does not declare.
        config = {"view": {"type": "field.text", "data": {"type": "data.output", "path": "colour"}}}
        page.fill("#tb-config", json.dumps(config, indent=2))
        page.wait_for_function(
            "() => document.querySelector('#tb-messages').textContent.includes('\"colour\"')"
        )
        page.click("#save-project")
        assert "error" in page.inner_text("#save-error")
        shot(page, "refusal-invalid-template-output")
        assert user.call("GET", "/api/v1/projects")["items"] == []  # nothing was created
        # Fixed: the project is created.
        config = {"view": {"type": "field.text", "data": {"type": "data.output", "path": "result"}}}
        page.fill("#tb-config", json.dumps(config))
        page.wait_for_selector("#tb-messages .message-ok")
        page.click("#save-project")
        page.wait_for_selector("#add-pool")
        [project] = user.call("GET", "/api/v1/projects")["items"]
        # Edit it: new instructions, previewed and shown sanitized (the script never runs nor shows).
        page.click("#edit-project")
        page.wait_for_selector("#tb-messages .message-ok")  # the editor's script has filled the form
        page.fill("#instructions", "<p>Look <b>closely</b>.</p><script>document.title='owned'</script>")
        page.wait_for_function(
            "() => document.querySelector('#instructions-preview').textContent === 'Look closely.'"
        )
        assert page.locator("#instructions-preview script").count() == 0
        page.click("#save-project")
        page.wait_for_selector("#project-instructions b")
        assert page.inner_text("#project-instructions") == "Look closely."
        assert page.title() != "owned"
        saved = user.call("GET", f"/api/v1/projects/{project['id']}")
        assert saved["public_instructions"].startswith("<p>Look <b>closely</b>.</p>")
        assert errors == []
    finally:
        context.close()


def test_review_queue_is_keyboard_driven_and_handles_disputes(user: ConsoleUser, browser: Any) -> None:
    mixer = {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}
    defaults = {"default_overlap_for_new_task_suites": 1, "default_overlap_for_new_tasks": 1}
    pool_id = _pool(user, n_tasks=3, mixer_config=mixer, defaults=defaults, auto_accept_solutions=False)
    user.call("POST", f"/api/v1/pools/{pool_id}/open")
    worker = httpx.Client(base_url=user.server.url, timeout=30)
    signed = worker.post(
        "/api/worker/signup",
        json={"name": f"w-{pool_id}", "password": "pw-12345-x", "profile": {"languages": ["EN"]}},
    )
    worker.headers["Authorization"] = f"Bearer {signed.json()['token']}"
    ids = []
    for answer in ("cat", "dog", "cat"):
        assignment = worker.post(f"/api/worker/pools/{pool_id}/assignments").json()
        solutions = [{"output_values": {"result": answer}} for _ in assignment["tasks"]]
        assert (
            worker.post(
                f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
            ).status_code
            == 200
        )
        ids.append(assignment["id"])
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console/pools/{pool_id}/review")
        page.wait_for_selector("#review-queue li")
        assert page.locator("#review-queue li").count() == 3
        page.wait_for_selector("#review-suite input[type=radio]:checked")  # the worker's answer is shown
        assert page.inner_text("#review-suite label.tb-option:has(input:checked)") == "Cat"
        shot(page, "review-queue")
        page.keyboard.press("a")
        page.wait_for_function("() => document.querySelectorAll('#review-queue li').length === 2")
        page.keyboard.press("r")
        page.wait_for_selector("#reject-comment:focus")
        page.keyboard.type("That is a cat, not a dog")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelectorAll('#review-queue li').length === 1")
        page.keyboard.press("r")
        page.keyboard.press("Escape")
        assert page.locator("#reject-form").is_hidden()
        statuses = [user.call("GET", f"/api/v1/assignments/{i}")["status"] for i in ids]
        assert statuses == ["ACCEPTED", "REJECTED", "SUBMITTED"]
        assert (
            user.call("GET", f"/api/v1/assignments/{ids[1]}")["public_comment"] == "That is a cat, not a dog"
        )

        appealed = worker.post(
            f"/api/worker/assignments/{ids[1]}/appeal", json={"message": "It is a dog, look at the ears"}
        )
        if appealed.status_code == 404 and appealed.json().get("message") == "No such resource":
            pytest.xfail("appeals (disputes) are not served yet")
        assert appealed.status_code == 201, appealed.text
        page.click("#tab-disputes")
        page.wait_for_selector("#disputes tr[data-status=OPEN]")
        assert "look at the ears" in page.inner_text("#disputes tbody")
        shot(page, "review-disputes")
        page.click("[data-appeal-accept]")
        page.wait_for_selector("#disputes tr[data-status=RESOLVED]")
        assert "accepted" in page.inner_text("#disputes tr[data-status=RESOLVED]")
        assert user.call("GET", f"/api/v1/assignments/{ids[1]}")["status"] == "ACCEPTED"
        assert (
            user.call("GET", "/api/v1/appeals", params={"pool_id": pool_id})["items"][0]["outcome"]
            == "ACCEPTED"
        )
        assert errors == []
    finally:
        context.close()
        worker.close()


def test_every_preset_renders_in_the_live_preview(user: ConsoleUser, browser: Any) -> None:
    context, page, errors = user.open_page(browser)
    try:
        for preset in (*console_presets.PRESETS, console_presets.SCRATCH):
            page.goto(f"{user.server.url}/console/projects/new?preset={preset.key}")
            page.wait_for_selector("#tb-messages .message-ok")
            page.wait_for_selector("#preview .tb-suite, #preview [class^=tb-]")
            assert page.locator("[data-preview=unsupported]").is_hidden(), preset.key
            assert page.locator("#preview .tb-unsupported, #preview .tb-error:visible").count() == 0, (
                preset.key
            )
            assert page.locator("[data-preview=status]").is_hidden(), preset.key  # no component failed
            assert page.locator("#tb-messages [data-level]").count() == 0, preset.key  # no warnings either
            shot(page, f"preset-{preset.key}")
        assert errors == []
    finally:
        context.close()


def test_api_tokens_are_created_shown_once_and_revoked(user: ConsoleUser, browser: Any) -> None:
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console/account")
        page.fill("#token-name", "nightly export")
        page.click("#token-form button[type=submit]")
        page.wait_for_selector("#new-token:not([hidden])")
        secret = page.inner_text("#new-token-value").strip()
        headers = {"Authorization": f"OAuth {secret}"}
        assert httpx.get(f"{user.server.url}/api/v1/requester", headers=headers).status_code == 200
        shot(page, "account-token-created")
        page.locator("#tokens tr", has_text="nightly export").locator("button").click()
        page.wait_for_selector("#tokens tr:has-text('nightly export') .status-archived")
        assert httpx.get(f"{user.server.url}/api/v1/requester", headers=headers).status_code == 401
        page.reload()
        assert secret not in page.content()  # shown once, never again
        assert errors == []
    finally:
        context.close()


def test_pool_page_stops_resumes_clones_and_archives(user: ConsoleUser, browser: Any) -> None:
    pool_id = _pool(user, n_tasks=2)
    user.call("POST", f"/api/v1/pools/{pool_id}/open")
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console/pools/{pool_id}")
        page.wait_for_selector("#pool-status:has-text('Open')")
        page.click("#stop-pool")
        page.wait_for_selector("#pool-status:has-text('Stopped')")
        assert "Stopped by you" in page.inner_text("#pool-close-reason")
        page.click("#resume-pool")
        page.wait_for_selector("#pool-status:has-text('Open')")
        assert user.call("GET", f"/api/v1/pools/{pool_id}")["status"] == "OPEN"
        page.click("#stop-pool")
        page.wait_for_selector("#archive-pool:visible")
        with page.expect_download() as download:
            page.click("#export-links a[data-format=xlsx]")
        assert download.value.suggested_filename == f"pool-{pool_id}-assignments.xlsx"
        page.click("#clone-pool")
        page.wait_for_selector("[data-panel=upload]:not([hidden])")
        clone_id = page.url.split("/console/pools/")[1].split("/")[0]
        assert clone_id != pool_id
        clone = user.call("GET", f"/api/v1/pools/{clone_id}")
        assert clone["status"] == "CLOSED" and clone["private_name"] == "Pool 1"
        assert "0 general task(s)" in page.inner_text("#task-counts")  # settings are cloned, tasks are not
        page.goto(f"{user.server.url}/console/pools/{pool_id}")
        page.click("#archive-pool")
        page.wait_for_selector("#pool-status:has-text('Archived')")
        assert user.call("GET", f"/api/v1/pools/{pool_id}")["status"] == "ARCHIVED"
        shot(page, "pool-archived")
        assert errors == []
    finally:
        context.close()


def test_wizard_model_round_trips_and_the_server_accepts_it(user: ConsoleUser, browser: Any) -> None:
    """The page modules that turn the wizard's form into filter / quality-control trees (and the
    JSON error locator of the editor), run in the browser; the pool they build is accepted."""
    context, page, errors = user.open_page(browser)
    try:
        page.goto(f"{user.server.url}/console")
        result = page.evaluate(
            """async () => {
              const m = await import('/static/console/poolmodel.js');
              const t = await import('/static/console/tbcheck.js');
              const now = 1.7e9;
              const audience = { languages: ['EN', 'FR'], countries: ['US'], ageFrom: 18, ageTo: 65,
                devices: ['SMARTPHONE'], skills: [{ id: '000000000001', min: 70 }],
                extra: [{ category: 'computed', key: 'client_type', operator: 'EQ', value: 'BROWSER' }] };
              const filter = m.buildFilter(audience, now);
              const rules = {};
              for (const [name, values] of Object.entries(m.QC_DEFAULTS)) rules[name] = { ...values };
              const qc = m.buildQualityControl({ rules, extra: [] });
              return {
                filter,
                back: m.parseFilter(filter, now),
                qc,
                qcBack: m.parseQualityControl(qc),
                empty: m.buildFilter({ languages: [], countries: [], devices: [], skills: [], extra: [] }),
                jsonErrors: ['{"a": 1,}', '[1, 2', '{"a" 1}', '{"a": "x\\ny"}', '{"a": 1} x', '{"a": tru}']
                  .map((text) => { const e = t.jsonError(text); return e && [t.lineColumn(text, e.offset), e.message]; }),
                valid: t.jsonError('{"a": [1, 2.5e3, true, null, {"b": "\\\\u00e9"}]}'),
              };
            }"""
        )
        assert result["back"] == {
            "languages": ["EN", "FR"], "countries": ["US"], "ageFrom": 18, "ageTo": 65, "devices": ["SMARTPHONE"],
            "skills": [{"id": "000000000001", "min": 70}],
            "extra": [{"category": "computed", "key": "client_type", "operator": "EQ", "value": "BROWSER"}],
        }  # fmt: skip
        assert result["empty"] is None
        assert set(result["qcBack"]["rules"]) == {"fast", "majority", "control", "skipped", "captcha"}
        assert result["qcBack"]["extra"] == []
        assert result["qc"]["captcha_frequency"] == "MEDIUM"
        assert [e[1].split(";")[0] for e in result["jsonErrors"]] == [
            'Unexpected character "}"',
            "Unexpected end of text",
            'Unexpected character "1"',
            "Unescaped control character (a line break?) inside a string",
            'Unexpected character "x" after the end of the JSON',
            'Unexpected character "t"',
        ]
        assert result["jsonErrors"][0][0] == {"line": 1, "column": 9}
        assert result["valid"] is None
        project = user.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT)
        body = pool_body(project["id"], filter=result["filter"], quality_control=result["qc"])
        created = user.api.post("/api/v1/pools", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["filter"] == result["filter"]
        assert errors == []
    finally:
        context.close()
