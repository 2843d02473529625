"""Helpers for the requester console's browser tests: a logged-in page, screenshots, API calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from crowdlab.domain.money import to_micro
from crowdlab.services.accounts import create_requester
from crowdlab.sim.server import EmbeddedServer

from .conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "console"
PASSWORD = "labels-4-life"
VIEWPORT = {"width": 1366, "height": 900}
Json = dict[str, Any]


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot into test-artifacts/console/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class ConsoleUser:
    """A requester with a password (for the browser) and an API token (for setting things up)."""

    def __init__(self, server: EmbeddedServer, name: str, balance: str = "20"):
        self.server = server
        self.name = name
        _, token = create_requester(
            server.app.state.db, name, balance_micro=to_micro(balance), password=PASSWORD
        )
        self.api = httpx.Client(base_url=server.url, headers={"Authorization": f"OAuth {token}"}, timeout=30)

    def call(self, method: str, path: str, **kwargs: Any) -> Json:
        response = self.api.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else {}

    def open_page(self, browser: Any) -> tuple[Any, Any, list[str]]:
        """A new browser context logged in as this requester; returns (context, page, page errors)."""
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        login = context.request.post(
            f"{self.server.url}/api/console/login", data={"name": self.name, "password": PASSWORD}
        )
        assert login.ok, login.text()
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        return context, page, errors

    def close(self) -> None:
        self.api.close()
