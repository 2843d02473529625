"""The worker web app in real Chromium against a real crowdlab server (uvicorn, SQLite).

A requester's projects and pools are created over the v1 API (``worker_site.seed``); every test signs
up its own worker. Features whose server endpoints the lead is still building (training feedback,
captcha, appeals, messages, skills) are tested twice: against the agreed contract with the browser's
network stubbed for just those calls (the UI works today), and against the real server marked xfail
until the endpoint exists. Phone-width screenshots go to ``test-artifacts/worker/``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from crowdlab.services.integrity import violations
from crowdlab.sim.server import EmbeddedServer
from crowdlab.storage.db import Database
from tests.conftest import CAT_DOG_PROJECT

from .conftest import ROOT
from .worker_site import HINT_MARKER, PASSWORD, SOLUTION_MARKER, Site, images, renamed, seed

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ARTIFACTS = ROOT / "test-artifacts" / "worker"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}
SHORT = 2500  # ms: how long to wait for things the server does not do yet (xfail tests)
Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def site(tb_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('worker-app')}/crowdlab.db"
    with EmbeddedServer(db_url) as server:
        token = server.create_requester("Acme Labs", "100")
        with httpx.Client(base_url=server.url, headers={"Authorization": f"OAuth {token}"}) as api:
            s = Site(server.url, tb_server, api)
            seed(s)
            yield s
    database = Database(db_url)
    try:
        assert violations(database) == []
    finally:
        database.dispose()


class Browser:
    """One browser context (its own cookies) with a page, and the errors it saw."""

    def __init__(self, context: Any, site: Site) -> None:
        self.context = context
        self.site = site
        self.page: Page = context.new_page()
        self.page.set_default_timeout(8000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e =>"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _dialog(self, dialog: Any) -> None:
        self.errors.append(f"dialog: {dialog.message}")  # the app never uses alert/confirm
        dialog.dismiss()

    def _console(self, msg: Any) -> None:
        # Failed resource loads show up as console errors too; the tests check those responses.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {msg.text}")

    def go(self, path: str) -> Page:
        self.page.goto(self.site.url + path)
        return self.page

    def sign_up(self, name: str, profile: Json | None = None) -> str:
        """A worker signed up through the API with this context's cookie jar; returns the worker id."""
        response = self.context.request.post(
            f"{self.site.url}/api/worker/signup",
            data={
                "name": name,
                "password": PASSWORD,
                "profile": profile or {"languages": ["EN"], "country": "US"},
            },
        )
        assert response.status == 201, response.text()
        return str(response.json()["worker_id"])

    def start(self, title: str, *, training: bool = False) -> str:
        """Open the marketplace, start the pool with this title; returns the assignment id."""
        page = self.go("/worker")
        card = page.locator(".pool-card", has=page.get_by_role("heading", name=title))
        badge = page.locator(".badge-training")
        card = card.filter(has=badge) if training else card.filter(has_not=badge)
        card.get_by_role("button").click()
        page.wait_for_url(re.compile(r"/worker/task/\w+$"))
        page.locator(".tb-task").first.wait_for()
        return page.url.rsplit("/", 1)[1]

    def task(self, i: int) -> Any:
        return self.page.locator(f'.tb-task[data-task-index="{i}"]')

    def submit_and_wait(self) -> None:
        self.page.locator("#submit").click()
        expect(self.page.locator("#done")).to_be_visible()

    def shot(self, name: str, *, full_page: bool = True) -> None:
        """A screenshot into the test artifacts (full pages; sticky bars and dialogs want the viewport)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def make_browser(browser: Any, site: Site) -> Iterator[Callable[..., Browser]]:
    made: list[Browser] = []

    def make(viewport: dict[str, int] | None = None) -> Browser:
        b = Browser(browser.new_context(viewport=viewport or DESKTOP), site)
        made.append(b)
        return b

    yield make
    for b in made:
        b.context.close()
    for b in made:
        assert b.errors == [], b.errors


@pytest.fixture
def user(make_browser: Callable[..., Browser]) -> Browser:
    return make_browser()


def tab_to(page: Page, accessible_name: str, limit: int = 40) -> None:
    """Press Tab until the focused element's text or aria-label is ``accessible_name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.getAttribute('aria-label') || e.textContent || '').trim(); }"
        )
        if name == accessible_name:
            return
    raise AssertionError(f"Tab never reached {accessible_name!r}")


def page_worker_id(user: Browser) -> str:
    return str(user.context.request.get(f"{user.site.url}/api/worker/me").json()["worker_id"])


def solutions_of(site: Site, pool: str, worker_id: str) -> list[Json]:
    mine = [a for a in site.assignments(pool) if a["user_id"] == worker_id]
    assert len(mine) == 1, mine
    return [s["output_values"] for s in mine[0]["solutions"]]


# ---------------------------------------------------------------------------------------------
# The main path


def test_sign_up_take_cat_dog_suite_by_keyboard_and_see_earnings(user: Browser, site: Site) -> None:
    page = user.go("/worker")
    expect(page).to_have_url(re.compile(r"/worker/login\?next=/worker$"))
    page = user.go("/worker/signup")
    kb = page.keyboard
    kb.type("keyboard-kate")  # the name field has autofocus
    kb.press("Tab")
    kb.type("short")
    kb.press("Enter")
    password_slot = page.locator('[data-field="password"]')
    expect(password_slot.locator(".field-error")).to_have_text("Password must be at least 8 characters long")
    expect(page.locator("#password")).to_be_focused()
    kb.press("Control+A")
    kb.type(PASSWORD)
    expect(page.locator('#password-rules [data-rule="length"]')).to_have_class(re.compile("is-met"))
    for text in ("en", "us", "1990"):  # languages, country, birth year
        kb.press("Tab")
        kb.type(text)
    tab_to(page, "Create account")
    kb.press("Enter")
    page.wait_for_url(f"{site.url}/worker")
    expect(page.get_by_role("heading", name="Tasks for you")).to_be_visible()

    tab_to(page, "Start: Cat or Dog?")
    kb.press("Enter")
    page.wait_for_url(re.compile(r"/worker/task/\w+$"))
    expect(user.task(2)).to_be_visible()
    countdown = page.locator("#countdown-value")
    expect(countdown).to_have_text(re.compile(r"^(10:00|9:[0-5]\d)$"))
    expect(page.locator(".instructions")).to_contain_text("Look at the picture.")

    kb.press("1")  # cat, task 1
    kb.press("Enter")  # next task
    kb.press("Control+Enter")  # too early: tasks 2 and 3 have no answer
    expect(page.locator('[data-notice="submit"]')).to_contain_text("2 tasks need your attention")
    expect(user.task(1).locator(".tb-error").first).to_be_visible()
    kb.press("2")  # focus is on task 2's first option: dog
    kb.press("Tab")  # into task 3
    kb.press("1")
    kb.press("Control+Enter")
    done = page.locator("#done")
    expect(done).to_contain_text("$0.05 added to your balance")
    expect(page.locator("#next-suite")).to_be_focused()
    me = page.request.get(f"{site.url}/api/worker/me").json()
    assert solutions_of(site, "cats", me["worker_id"]) == [
        {"result": "cat"},
        {"result": "dog"},
        {"result": "cat"},
    ]

    user.go("/worker/earnings")
    expect(page.locator("#balance")).to_have_text("$0.05")
    row = page.locator(".history-row").first
    expect(row).to_contain_text("Cat or Dog?")
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("+$0.05")
    assert not page.evaluate("() => Object.keys(localStorage).some(k => k.startsWith('crowdlab.draft.'))")


def test_reload_mid_suite_keeps_answers(user: Browser, site: Site) -> None:
    user.sign_up("reloading-rita")
    assignment = user.start("Cat or Dog?")
    page = user.page
    user.task(0).get_by_label("Dog").check()
    user.task(2).get_by_label("Cat").check()
    expect(page.locator("#save-state")).to_contain_text("Saved on this device")
    # Leaving and coming back through the marketplace continues the same suite.
    user.go("/worker")
    card = page.locator(".pool-card", has=page.get_by_role("heading", name="Cat or Dog?"))
    expect(card.get_by_role("button")).to_have_text("Continue")
    card.get_by_role("button").click()
    page.wait_for_url(f"{site.url}/worker/task/{assignment}")
    page.reload()
    expect(user.task(0).get_by_label("Dog")).to_be_checked()
    expect(user.task(2).get_by_label("Cat")).to_be_checked()
    expect(user.task(1).get_by_label("Cat")).not_to_be_checked()
    expect(user.task(1).get_by_label("Dog")).not_to_be_checked()
    expect(page.locator("#save-state")).to_have_text("Your saved answers were restored")
    user.task(1).get_by_label("Cat").check()
    user.submit_and_wait()
    assert page.evaluate(f"() => localStorage.getItem('crowdlab.draft.{assignment}')") is None
    page.get_by_role("button", name="Next suite").click()
    page.wait_for_url(lambda url: "/worker/task/" in url and not url.endswith(f"/{assignment}"))
    user.task(0).wait_for()
    # The finished suite stays readable: answers shown, nothing editable, no timer.
    user.go(f"/worker/task/{assignment}")
    expect(page.locator('[data-notice="status"]')).to_contain_text("Accepted")
    expect(user.task(0).get_by_label("Dog")).to_be_checked()
    expect(user.task(0).get_by_label("Dog")).to_be_disabled()
    expect(page.locator("#countdown")).to_be_hidden()
    expect(page.locator("#submit")).to_be_hidden()


def test_time_up_stops_the_suite(user: Browser, site: Site) -> None:
    if "timer" not in site.pools:
        site.project("timer", renamed(CAT_DOG_PROJECT, "Against the clock"))
        site.pool("timer", "timer", images(site.media, 6), assignment_max_duration_seconds=3)
    user.sign_up("hurried-hal")
    user.start("Against the clock")
    page = user.page
    expect(page.locator("#countdown-value")).to_have_text(re.compile(r"^0:0[0-3]$"))
    user.task(0).get_by_label("Cat").check()
    expect(page.locator('[data-notice="over"]')).to_contain_text("Time is up", timeout=6000)
    expect(page.locator("#countdown")).to_have_class(re.compile("is-over"))
    expect(page.locator("#submit")).to_be_disabled()
    expect(page.locator("#countdown-value")).to_have_text("0:00")


def test_audio_classification_suite(user: Browser, site: Site) -> None:
    worker_id = user.sign_up("listening-lena")
    user.start("Is someone speaking?")
    page = user.page
    expect(page.locator("audio")).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('audio')].every(a => a.readyState >= 1 && a.duration > 0.5)"
    )
    user.task(0).get_by_label("Speech", exact=True).check()
    user.task(1).get_by_label("No speech").check()
    user.submit_and_wait()
    assert solutions_of(site, "audio", worker_id) == [{"result": "speech"}, {"result": "none"}]


def test_draw_a_rectangle_on_an_image(user: Browser, site: Site) -> None:
    worker_id = user.sign_up("boxing-bo")
    user.start("Draw a box around the cat")
    page = user.page
    page.keyboard.press("Control+Enter")
    expect(user.task(0)).to_contain_text("Draw at least one box")
    page.wait_for_function("() => document.querySelector('.tb-ia-img').naturalWidth > 0")
    stage = page.locator(".tb-ia-stage")
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    assert box is not None and box["width"] > 100

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    page.mouse.move(*at(0.2, 0.25))
    page.mouse.down()
    page.mouse.move(*at(0.5, 0.5), steps=4)
    page.mouse.move(*at(0.7, 0.75), steps=4)
    page.mouse.up()
    user.submit_and_wait()
    [values] = solutions_of(site, "boxes", worker_id)
    [shape] = values["shapes"]
    assert shape["shape"] == "rectangle"
    assert [shape[k] for k in ("left", "top", "width", "height")] == pytest.approx(
        [0.2, 0.25, 0.5, 0.5], abs=0.02
    )


def test_skip_then_the_pool_says_why_it_is_closed_to_me(user: Browser, site: Site) -> None:
    user.sign_up("skipping-sam")
    user.start("Quick cat check")
    page = user.page
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("#skip-confirm")).to_be_visible()
    page.get_by_role("button", name="Keep working").click()
    expect(page.locator("#skip-confirm")).to_be_hidden()
    page.get_by_role("button", name="Skip").click()
    page.get_by_role("button", name="Yes, skip").click()
    page.wait_for_url(f"{site.url}/worker")
    expect(page.locator("#flash")).to_contain_text("Suite skipped")
    # The pool's quality rule banned this worker for a day after one skip.
    card = page.locator(".pool-card", has=page.get_by_role("heading", name="Quick cat check"))
    expect(card.locator(".pool-reason")).to_contain_text(
        re.compile(r"blocked from these tasks until \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    )
    expect(card.get_by_role("button")).to_have_count(0)
    french = page.locator(".pool-card", has=page.get_by_role("heading", name="Chat ou chien ?"))
    expect(french.locator(".pool-reason")).to_contain_text("does not match the audience")
    page.get_by_label("Show unavailable").uncheck()
    expect(card).to_be_hidden()
    page.get_by_label("Search tasks").fill("speaking")
    expect(page.locator(".pool-card:visible")).to_have_count(1)


def test_unknown_component_shows_a_placeholder_not_a_blank_page(user: Browser, site: Site) -> None:
    if "odd" not in site.pools:
        project = renamed(CAT_DOG_PROJECT, "Odd template")
        spec = json.loads(project["task_spec"]["view_spec"]["config"])
        spec["view"]["items"].insert(0, {"type": "view.hologram", "content": "?"})
        project["task_spec"]["view_spec"]["config"] = json.dumps(spec)
        site.project("odd", project)
        site.pool("odd", "odd", images(site.media, 4))
    user.sign_up("curious-cleo")
    user.start("Odd template")
    page = user.page
    expect(page.locator('[data-notice="unsupported"]')).to_contain_text("view.hologram")
    expect(user.task(0).locator('[data-tb-unsupported="view.hologram"]')).to_contain_text(
        "Unsupported component: view.hologram"
    )
    expect(user.task(0).get_by_label("Cat")).to_be_visible()  # the rest still works


# ---------------------------------------------------------------------------------------------
# Training hints and captcha: the UI against the contract (stubbed), and the real server (xfail)


def test_training_hint_asks_for_a_correction(make_browser: Callable[..., Browser], site: Site) -> None:
    user = make_browser(PHONE)
    user.sign_up("trainee-tom")
    user.start("Cat or Dog?")
    page = user.page
    answered: list[Json] = []

    def first_submit_is_wrong(route: Any) -> None:
        answered.append(json.loads(route.request.post_data or "{}"))
        if len(answered) == 1:
            body = {
                "status": "ACTIVE",
                "feedback": [{"task_index": 1, "hint": "Look at the ears: this is a cat."}],
            }
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))
        else:
            route.continue_()

    page.route("**/api/worker/assignments/*/submit", first_submit_is_wrong)
    for i in range(3):
        user.task(i).get_by_label("Dog").check()
    page.locator("#submit").click()
    expect(user.task(1).locator(".tb-task-hint")).to_have_text("Hint: Look at the ears: this is a cat.")
    expect(user.task(0).locator(".tb-task-hint")).to_be_hidden()
    expect(page.locator('[data-notice="submit"]')).to_contain_text("One answer is not right yet")
    user.task(1).scroll_into_view_if_needed()
    user.shot("training-hint-phone", full_page=False)
    user.task(1).get_by_label("Cat").check()
    user.submit_and_wait()
    assert [s["output_values"]["result"] for s in answered[1]["solutions"]] == ["dog", "cat", "dog"]


@pytest.fixture(scope="module")
def training(site: Site) -> str:
    tasks = [
        {
            "input_values": {"image": f"{site.media}/harness/cat.svg"},
            "known_solutions": [{"output_values": {"result": "cat"}, "correctness_weight": 1}],
            "message_on_unknown_solution": f"Pointy ears mean a cat ({HINT_MARKER})",
        }
        for _ in range(2)
    ]
    return site.training("training", "qc", tasks)


def test_failing_a_real_training_shows_the_hint(user: Browser, site: Site, training: str) -> None:
    worker_id = user.sign_up("trainee-tara")
    user.start("Spot the animal", training=True)
    page = user.page
    user.task(0).get_by_label("Dog").check()  # wrong
    user.task(1).get_by_label("Cat").check()  # right
    page.locator("#submit").click()
    expect(user.task(0).locator(".tb-task-hint")).to_contain_text(HINT_MARKER)
    expect(user.task(1).locator(".tb-task-hint")).to_be_hidden()
    expect(page.locator('[data-notice="submit"]')).to_contain_text("One answer is not right yet")
    user.task(0).get_by_label("Cat").check()
    user.submit_and_wait()
    assert solutions_of(site, "training", worker_id) == [{"result": "cat"}, {"result": "cat"}]


CAPTCHA_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40" '
    'fill="#eee"/><text x="10" y="28" font-size="22">x7Kp</text></svg>'
)


def test_captcha_between_suites(make_browser: Callable[..., Browser], site: Site) -> None:
    user = make_browser(PHONE)
    user.sign_up("captcha-carl")
    page = user.page
    calls: list[str] = []

    def take(route: Any) -> None:
        calls.append("take")
        if calls.count("take") == 1:
            body = {"code": "CAPTCHA_REQUIRED", "message": "Please solve a captcha", "request_id": "r"}
            route.fulfill(status=409, content_type="application/json", body=json.dumps(body))
        else:
            route.continue_()

    def captcha(route: Any) -> None:
        calls.append("captcha")
        image = "data:image/svg+xml;base64," + base64.b64encode(CAPTCHA_SVG.encode()).decode()
        route.fulfill(content_type="application/json", body=json.dumps({"id": "c1", "image": image}))

    def answer(route: Any) -> None:
        ok = json.loads(route.request.post_data or "{}").get("answer") == "x7Kp"
        calls.append(f"answer:{ok}")
        route.fulfill(content_type="application/json", body=json.dumps({"ok": ok}))

    page.route(f"**/api/worker/pools/{site.pools['cats']}/assignments", take)
    page.route("**/api/worker/captcha?*", captcha)
    page.route("**/api/worker/captcha/c1", answer)
    user.go("/worker")
    page.locator(".pool-card", has=page.get_by_role("heading", name="Cat or Dog?")).get_by_role(
        "button"
    ).click()
    dialog = page.locator("dialog[data-captcha]")
    expect(dialog).to_be_visible()
    page.wait_for_function("() => document.querySelector('.captcha-image').naturalWidth > 0")
    user.shot("captcha-phone", full_page=False)
    dialog.get_by_label("Characters in the picture").fill("nope")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog.locator(".field-error")).to_have_text("That was not right. Here is a new one.")
    dialog.get_by_label("Characters in the picture").fill("x7Kp")
    dialog.get_by_label("Characters in the picture").press("Enter")
    page.wait_for_url(re.compile(r"/worker/task/\w+$"))
    assert calls == ["take", "captcha", "answer:False", "captcha", "answer:True", "take"]


def test_captcha_from_the_real_server(user: Browser, site: Site) -> None:
    """HIGH captcha frequency: after 5 suites the next one needs a captcha (quality.captcha_due)."""
    if "captcha" not in site.pools:
        site.project("captcha", renamed(CAT_DOG_PROJECT, "Captcha check"))
        site.pool(
            "captcha",
            "captcha",
            images(site.media, 10),
            quality_control={"captcha_frequency": "HIGH", "configs": []},
            defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 10},
            mixer_config={"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0},
        )
    user.sign_up("captcha-cora")
    request = user.context.request
    for _ in range(5):
        taken = request.post(f"{site.url}/api/worker/pools/{site.pools['captcha']}/assignments")
        assert taken.status == 201, taken.text()
        solutions = [{"output_values": {"result": "cat"}}]
        assert request.post(
            f"{site.url}/api/worker/assignments/{taken.json()['id']}/submit", data={"solutions": solutions}
        ).ok
    page = user.go("/worker")
    page.locator(".pool-card", has=page.get_by_role("heading", name="Captcha check")).get_by_role(
        "button"
    ).click()
    dialog = page.locator("dialog[data-captcha]")
    expect(dialog).to_be_visible()
    page.wait_for_function("() => document.querySelector('.captcha-image').naturalWidth > 0")
    dialog.get_by_label("Characters in the picture").fill("definitely wrong")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog.locator(".field-error")).to_have_text("That was not right. Here is a new one.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)


# ---------------------------------------------------------------------------------------------
# Nothing secret reaches the browser


def test_no_known_solution_or_hint_reaches_the_browser_before_the_answer(
    user: Browser, site: Site, training: str
) -> None:
    """Every response body the browser receives during a full run is recorded in order."""
    page = user.page
    received: list[tuple[str, str, str]] = []

    def record(response: Any) -> None:
        try:
            body = response.body().decode("utf-8", "replace")
        except Exception:  # redirects have no body
            body = ""
        received.append((response.request.method, response.url, body))

    page.on("response", record)
    user.go("/worker/signup")
    page.locator("#name").fill("careful-cara")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{site.url}/worker")
    user.start("Spot the animal")  # one real task and one control task with a known solution
    for i in range(2):
        user.task(i).get_by_label("Cat").check()
    user.submit_and_wait()
    user.go("/worker/earnings")
    expect(page.locator(".history-row")).to_have_count(1)
    user.start("Spot the animal", training=True)  # training tasks with hints
    for i in range(2):
        user.task(i).get_by_label("Dog").check()  # wrong on purpose
    with page.expect_response(re.compile(r"/submit$")):
        page.locator("#submit").click()
    page.wait_for_timeout(300)
    page.remove_listener("response", record)

    answer_at = next(i for i, (m, url, _) in enumerate(received) if m == "POST" and url.endswith("/submit"))
    training_answer_at = max(
        i for i, (m, url, _) in enumerate(received) if m == "POST" and url.endswith("/submit")
    )
    assert answer_at < training_answer_at
    assert HINT_MARKER in received[training_answer_at][2]  # the hint comes with the wrong answer's reply
    urls = [url for _, url, _ in received]
    assert any(re.search(r"/worker/task/\w+$", u) for u in urls) and any("/static/tb/" in u for u in urls)
    assert sum(len(body) for _, _, body in received) > 50_000  # pages, scripts and JSON were all seen
    for i, (_, url, body) in enumerate(received):
        assert SOLUTION_MARKER not in body, f"a known solution reached the browser in {url}"
        if i < training_answer_at:
            assert HINT_MARKER not in body, f"a training hint reached the browser before the answer in {url}"


# ---------------------------------------------------------------------------------------------
# Earnings, appeals, messages, skills, profile


@pytest.fixture
def rejected(user: Browser, site: Site, request: pytest.FixtureRequest) -> str:
    """An assignment of this test's worker that the requester rejected with a comment."""
    if "review" not in site.pools:
        site.project("review", renamed(CAT_DOG_PROJECT, "Reviewed by hand"))
        site.pool(
            "review",
            "review",
            images(site.media, 10),
            auto_accept_solutions=False,
            defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 10},
        )
    user.sign_up(f"rejected-{request.node.name[-12:]}")
    calls = user.context.request
    taken = calls.post(f"{site.url}/api/worker/pools/{site.pools['review']}/assignments").json()
    solutions = [{"output_values": {"result": "dog"}} for _ in taken["tasks"]]
    submitted = calls.post(
        f"{site.url}/api/worker/assignments/{taken['id']}/submit", data={"solutions": solutions}
    )
    assert submitted.ok, submitted.text()
    site.call(
        "PATCH",
        f"/api/v1/assignments/{taken['id']}",
        json={"status": "REJECTED", "public_comment": "Both pictures show cats."},
    )
    return str(taken["id"])


def test_rejection_bonus_and_appeal_on_the_earnings_page(user: Browser, rejected: str, site: Site) -> None:
    worker_id = page_worker_id(user)
    bonus = {
        "user_id": worker_id,
        "amount": 0.5,
        "public_title": {"EN": "Thanks for your patience"},
        "public_message": {"EN": "A bonus for the careful work."},
    }
    site.call("POST", "/api/v1/user-bonuses", json=bonus)
    page = user.go("/worker/earnings")
    row = page.locator(f'.history-row[data-assignment-id="{rejected}"]')
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("Both pictures show cats.")
    expect(page.locator("#balance")).to_have_text("$0.50")  # the bonus; the rejected suite paid nothing
    expect(page.locator("#bonus-total")).to_have_text("$0.50")
    expect(page.locator("#bonuses")).to_contain_text("Thanks for your patience")
    expect(page.locator("#bonuses")).to_contain_text("A bonus for the careful work.")
    expect(page.locator("#bonuses")).to_contain_text("+$0.50")
    sent: list[Json] = []

    def appeal(route: Any) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(content_type="application/json", body=json.dumps({"status": "OPEN"}))

    page.route(f"**/api/worker/assignments/{rejected}/appeal", appeal)
    row.get_by_role("button", name="Appeal").click()
    row.get_by_role("button", name="Send appeal").click()
    expect(row.locator(".appeal-status")).to_contain_text("Tell the requester why")
    row.get_by_label("Why should the requester look again?").fill(
        "The second one is a dog, look at the nose."
    )
    row.get_by_role("button", name="Send appeal").click()
    expect(row.locator(".appeal-status")).to_have_text(
        "Appeal sent. The requester will look at your answers again."
    )
    assert sent == [{"message": "The second one is a dog, look at the nose."}]


def test_appeal_reaches_the_requester(user: Browser, rejected: str, site: Site) -> None:
    page = user.go("/worker/earnings")
    row = page.locator(f'.history-row[data-assignment-id="{rejected}"]')
    row.get_by_role("button", name="Appeal").click()
    row.get_by_label("Why should the requester look again?").fill("Please look again.")
    row.get_by_role("button", name="Send appeal").click()
    expect(row.locator(".appeal-status")).to_have_text(re.compile("^Appeal sent"))
    [appeal] = [a for a in site.call("GET", "/api/v1/appeals")["items"] if a["assignment_id"] == rejected]
    assert (appeal["status"], appeal["message"]) == ("OPEN", "Please look again.")
    page.reload()  # the earnings page now says so instead of offering the button again
    expect(row.locator(".appeal-state")).to_contain_text("Appeal sent")
    expect(row.get_by_role("button", name="Appeal")).to_have_count(0)


def test_messages_and_skills_pages(user: Browser) -> None:
    user.sign_up("reading-ria")
    page = user.page
    messages = {
        "items": [
            {
                "id": "1",
                "topic": "Thanks!",
                "text": "Great work on the cats.\n<b>not bold</b>",
                "from": "Acme Labs",
                "created": "2030-01-02T03:04:05.000",
                "read": False,
            }
        ]
    }
    page.route(
        "**/api/worker/messages",
        lambda r: r.fulfill(content_type="application/json", body=json.dumps(messages)),
    )
    skills = {"items": [{"skill": "Cat spotting", "value": 87}]}
    page.route(
        "**/api/worker/skills", lambda r: r.fulfill(content_type="application/json", body=json.dumps(skills))
    )
    user.go("/worker/messages")
    message = page.locator(".message")
    expect(message).to_contain_text("Thanks!")
    expect(message).to_contain_text("Acme Labs")
    expect(message.locator(".message-text")).to_have_text("Great work on the cats.\n<b>not bold</b>")
    expect(message).to_have_class(re.compile("is-unread"))
    user.go("/worker/profile")
    expect(page.locator("#skills")).to_contain_text("Cat spotting")
    expect(page.locator("#skills")).to_contain_text("87")


def test_messages_from_the_real_server_and_a_reply(user: Browser, site: Site) -> None:
    worker_id = user.sign_up("reading-rex")
    request = user.context.request
    taken = request.post(f"{site.url}/api/worker/pools/{site.pools['boxes']}/assignments").json()
    shapes = [{"shape": "rectangle", "left": 0.1, "top": 0.1, "width": 0.5, "height": 0.5}]
    solutions = [{"output_values": {"shapes": shapes}}]
    assert request.post(
        f"{site.url}/api/worker/assignments/{taken['id']}/submit", data={"solutions": solutions}
    ).ok
    site.call(
        "POST",
        "/api/v1/message-threads/compose",
        json={
            "recipients_select_type": "DIRECT",
            "recipients_ids": [worker_id],
            "topic": {"EN": "About your boxes"},
            "text": {"EN": "Please draw them tighter."},
            "answerable": True,
        },
    )
    page = user.go("/worker/messages")
    thread = page.locator(".message", has_text="About your boxes")
    expect(thread).to_contain_text("Please draw them tighter.")
    expect(thread).to_contain_text("Acme Labs")
    expect(thread).to_have_class(re.compile("is-unread"))
    thread.get_by_role("button", name="Reply").click()
    thread.get_by_label("Your reply").fill("Will do!")
    thread.get_by_role("button", name="Send").click()
    expect(thread.locator(".message-item")).to_have_count(2)
    expect(thread).to_contain_text("Will do!")
    page.reload()
    expect(page.locator(".message", has_text="About your boxes")).not_to_have_class(re.compile("is-unread"))


def test_skills_from_the_real_server(user: Browser, site: Site) -> None:
    worker_id = user.sign_up("skilled-sue")
    skill = site.call(
        "POST", "/api/v1/skills", json={"name": "cat-spotting", "public_name": {"EN": "Cat spotting"}}
    )
    site.call("PUT", "/api/v1/user-skills", json={"skill_id": skill["id"], "user_id": worker_id, "value": 70})
    page = user.go("/worker/profile")
    expect(page.locator("#skills")).to_contain_text("Cat spotting", timeout=SHORT)


def test_profile_edit_with_errors_next_to_fields(user: Browser) -> None:
    user.sign_up("profile-pat")
    page = user.go("/worker/profile")
    expect(page.locator("#languages")).to_have_value("EN")
    page.locator("#birth_year").fill("1800")
    page.get_by_role("button", name="Save").click()
    year = page.locator('[data-field="profile.birth_year"]')
    expect(year.locator(".field-error")).to_contain_text("birth_year must be between")
    expect(page.locator("#birth_year")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#birth_year")).to_be_focused()
    page.locator("#birth_year").fill("1985")
    page.locator("#country").fill("de")
    page.locator("#education").select_option("HIGH")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-saved")).to_have_text("Saved.")
    page.reload()
    expect(page.locator("#country")).to_have_value("DE")
    expect(page.locator("#birth_year")).to_have_value("1985")
    expect(page.locator("#education")).to_have_value("HIGH")


def test_session_survives_a_server_restart_and_log_out_ends_it(
    make_browser: Callable[..., Browser], tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path}/restart.db"
    with EmbeddedServer(db_url) as first:
        user = make_browser()
        user.site = Site(first.url, "", httpx.Client())
        user.sign_up("steady-stella")
        port = first.port
        expect(user.go("/worker/profile").locator("h1")).to_have_text("Profile")
    with EmbeddedServer(db_url, port=port):
        page = user.go("/worker/profile")
        expect(page.locator(".page-head")).to_contain_text("steady-stella")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{user.site.url}/worker/login")
        user.go("/worker/earnings")
        expect(page).to_have_url(re.compile(r"/worker/login\?next=/worker/earnings$"))
        page.locator("#name").fill("steady-stella")
        page.locator("#password").fill("wrong-password-1")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".form-error")).to_have_text("Wrong name or password.")
        page.locator("#password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{user.site.url}/worker/earnings")
    user.site.api.close()


# ---------------------------------------------------------------------------------------------
# The requester's preview


def test_preview_change_input_data_and_view_responses(user: Browser) -> None:
    page = user.go("/preview")
    page.evaluate("() => localStorage.removeItem('crowdlab.preview')")
    page.reload()
    expect(page.locator(".tb-task")).to_have_count(1)
    page.get_by_role("button", name="Change input data").click()
    editor = page.get_by_label("Input data (JSON)")
    assert "sample.svg" in editor.input_value()
    editor.fill('[{"image": "/static/app/sample.svg"}, {"image": "/static/app/sample.svg"}]')
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".tb-task")).to_have_count(2)
    page.locator('.tb-task[data-task-index="1"]').get_by_label("Dog").check()
    page.get_by_role("button", name="View responses").click()
    responses = json.loads(page.locator('[data-preview="responses-json"]').inner_text())
    assert responses == [{"output_values": {}}, {"output_values": {"result": "dog"}}]
    page.get_by_role("button", name="Check answers").click()
    expect(page.locator('[data-preview="status"]')).to_contain_text(re.compile(r"problem\(s\): task 1: "))

    config = {
        "view": {
            "type": "view.list",
            "items": [{"type": "view.hologram"}, {"type": "view.text", "content": "hi"}],
        }
    }
    page.locator("#config-editor").fill(json.dumps(config))
    page.get_by_role("button", name="Show preview").click()
    expect(page.locator('[data-preview="unsupported"]')).to_contain_text("view.hologram")
    expect(page.locator('[data-tb-unsupported="view.hologram"]').first).to_be_visible()
    page.locator("#config-editor").fill("{not json")
    page.get_by_role("button", name="Show preview").click()
    expect(page.locator("#config-error")).to_contain_text("not valid JSON")


# ---------------------------------------------------------------------------------------------
# Phone width


def test_every_page_at_phone_width(make_browser: Callable[..., Browser], site: Site) -> None:
    user = make_browser(PHONE)
    page = user.page

    def check(name: str, full_page: bool = True) -> None:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at phone width"
        user.shot(f"{name}-phone", full_page=full_page)

    user.go("/worker/login")
    check("login")
    user.go("/worker/signup")
    check("signup")
    user.sign_up("phone-phil")
    user.go("/worker")
    check("marketplace")
    user.start("Cat or Dog?")
    page.wait_for_function("() => [...document.querySelectorAll('.tb-task img')].every(i => i.complete)")
    check("task", full_page=False)
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    for i in range(3):
        user.task(i).get_by_label("Cat").check()
    user.submit_and_wait()
    check("task-submitted")
    user.go("/worker/earnings")
    check("earnings")
    user.go("/worker/profile")
    check("profile")
    user.go("/worker/messages")
    check("messages")
    user.go("/worker/task/999999")
    check("not-found")
    user.go("/preview")
    check("preview")
