"""Who is calling: requesters by API token (``OAuth``/``ApiKey``/``Bearer``), workers by session token."""

from __future__ import annotations

from fastapi import Request

from crowdlab.domain.errors import AuthenticationFailed
from crowdlab.services import accounts
from crowdlab.services.accounts import Requester, Worker

WORKER_COOKIE = "crowdlab_worker"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("oauth", "apikey", "bearer") and token.strip():
        return token.strip()
    return None


def requester(request: Request) -> Requester:
    """FastAPI dependency: the requester behind the Authorization header."""
    token = _bearer(request)
    if token is None:
        raise AuthenticationFailed("Send your API token as 'Authorization: OAuth <token>'")
    return accounts.requester_by_token(request.app.state.db, token)


def worker_token(request: Request) -> str | None:
    """The worker's session token from the Authorization header or the session cookie."""
    return _bearer(request) or request.cookies.get(WORKER_COOKIE)


def worker(request: Request) -> Worker:
    """FastAPI dependency: the worker behind the session token."""
    token = worker_token(request)
    if token is None:
        raise AuthenticationFailed("Log in first")
    return accounts.worker_by_token(request.app.state.db, token)
