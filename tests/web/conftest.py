"""Fixtures for the Template Builder renderer tests.

A tiny Starlette app serves ``src/crowdlab/web/static`` and the harness page under ``fixtures/``
with a strict Content-Security-Policy (no inline script or style), via uvicorn in a background
thread.  Browser tests drive Debian's chromium through playwright.
"""

from __future__ import annotations

import io
import math
import socket
import struct
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "src" / "crowdlab" / "web" / "static"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS_DIR = ROOT / "test-artifacts" / "tb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
)


class CSPHeaders:
    """ASGI middleware adding the strict CSP header to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_csp(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Content-Security-Policy", CSP)
                headers.append("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_csp)


def tone_wav(seconds: float = 0.6, rate: int = 8000) -> bytes:
    """A short sine tone as WAV bytes (media fixture for view.audio / played-fully)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        w.writeframes(frames)
    return buf.getvalue()


async def tone(request: Request) -> Response:
    return Response(tone_wav(), media_type="audio/wav")


async def no_favicon(request: Request) -> Response:
    return Response(status_code=204)


def build_app() -> ASGIApp:
    app = Starlette(
        routes=[
            Route("/media/tone.wav", tone),
            Route("/favicon.ico", no_favicon),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR)),
            Mount("/harness", app=StaticFiles(directory=FIXTURES_DIR)),
        ]
    )
    return CSPHeaders(app)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def tb_server() -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        build_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # A fake microphone that needs no permission prompt (field.audio recording test).
        extra = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + extra)
        yield b
        b.close()


class Harness:
    """A page with the harness loaded; thin helpers around ``window.__tb``."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    def load(self) -> None:
        self.page.goto(f"{self.base_url}/harness/harness.html")
        self.page.wait_for_function("window.__tbReady === true")

    def mount(self, config: Any, inputs: list[dict[str, Any]] | None = None, **options: Any) -> None:
        tasks = [{"id": f"t{i}", "input_values": v} for i, v in enumerate(inputs or [{}])]
        self.page.evaluate("o => window.__tb.mount(o)", {"config": config, "tasks": tasks, **options})

    def call(self, expr: str, *args: Any) -> Any:
        """Evaluate ``expr`` (a function of the suite and the arguments) in the page."""
        return self.page.evaluate(
            f"([args]) => {{ const suite = window.__tb.suite; return ({expr})(suite, ...args); }}",
            [list(args)],
        )

    def solutions(self) -> list[dict[str, Any]]:
        return [s["output_values"] for s in self.call("s => s.getSolutions()")]

    def outputs(self, i: int = 0) -> dict[str, Any]:
        return self.solutions()[i]

    def validate(self, focus: bool = True) -> dict[str, Any]:
        return self.call("(s, focus) => s.validate({focus})", focus)

    def events(self) -> dict[str, Any]:
        return self.page.evaluate("() => window.__tb.events")

    def media(self, name: str) -> str:
        return f"{self.base_url}/harness/{name}"


@pytest.fixture
def harness(browser: Any, tb_server: str) -> Iterator[Harness]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    h = Harness(page, tb_server)
    h.load()
    yield h
    context.close()
    assert h.page_errors == [], h.page_errors
    assert h.dialogs == [], h.dialogs


@pytest.fixture(scope="module")
def shared_harness(browser: Any, tb_server: str) -> Iterator[Harness]:
    """One page re-used by table-driven tests (each case re-mounts the suite)."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    h = Harness(page, tb_server)
    h.load()
    yield h
    context.close()
