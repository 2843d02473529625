"""Rendering the web pages: one Jinja2 environment, the strict Content-Security-Policy, static files.

Every HTML response carries the CSP below: scripts and styles only from our own origin (no inline
code at all), media from anywhere over http(s) because task inputs point there. Data a page script
needs travels in ``<script type="application/json">`` blocks, which the browser never executes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from crowdlab.domain.clock import parse_dt

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

CSP = (
    "default-src 'self'; script-src 'self'; img-src 'self' https: http: data: blob:; "
    "media-src 'self' https: http: blob:; style-src 'self'; frame-src https:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def money(value: Any) -> str:
    """Dollars for people: ``$0.05``, ``$12.00``, ``$0.0025`` (never rounds a fraction of a cent away)."""
    amount = Decimal(str(value or 0))
    text = f"{amount:.2f}"
    if Decimal(text) != amount:
        text = f"{amount.normalize():f}"
    return f"-${text[1:]}" if text.startswith("-") else f"${text}"


def duration(seconds: Any) -> str:
    """A time limit for people: ``45 s``, ``5 min``, ``1 h 30 min``, ``2 days``."""
    if seconds is None:
        return ""
    total = int(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, rest = divmod(total, 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    if total < 86400:
        hours, rest = divmod(total, 3600)
        return f"{hours} h" + (f" {rest // 60} min" if rest // 60 else "")
    days = total // 86400
    return f"{days} day" + ("s" if days != 1 else "")


def when(value: str | None) -> str:
    """A wire timestamp (naive UTC) as ``2025-01-31 14:05 UTC``; the page script localises it."""
    if not value:
        return ""
    moment: datetime = parse_dt(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(money=money, duration=duration, when=when)


def page(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a template into an HTML response with the security headers."""
    values = {"request": request, "path": request.url.path, "worker": None, **(context or {})}
    body = _env.get_template(template).render(values)
    return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    """A 303 See Other (a GET follows, whatever the method was)."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def safe_next(value: str | None, default: str = "/worker") -> str:
    """Where to go after logging in: a path on this site only (never ``//host`` or a scheme)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 0x20 for ch in value):
        return default
    return value


class StaticAssets(StaticFiles):
    """Static files that the browser revalidates on every use (cheap 304s), so an upgraded server
    never runs with yesterday's modules from the cache."""

    def file_response(self, *args: Any, **kwargs: Any) -> Any:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_files() -> StaticAssets:
    """The ASGI app serving ``web/static`` (mounted at ``/static``)."""
    return StaticAssets(directory=STATIC_DIR)
