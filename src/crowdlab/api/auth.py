"""Who is calling: requesters by API token (``OAuth``/``ApiKey``/``Bearer``) or console session cookie,
workers by session token.

A requester authenticated by the console cookie must send the session's CSRF token in the
``X-CSRF-Token`` header with every unsafe request (anything but GET / HEAD / OPTIONS): a browser
attaches cookies to requests other sites make, but only our own pages can read the token. Clients
that send an Authorization header are not browsers riding on a cookie and need no CSRF token.
"""

from __future__ import annotations

from fastapi import Request

from crowdlab.domain.errors import AccessDenied, AuthenticationFailed
from crowdlab.services import accounts, requester_auth
from crowdlab.services.accounts import Requester, Worker

WORKER_COOKIE = "crowdlab_worker"
REQUESTER_COOKIE = "crowdlab_requester"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("oauth", "apikey", "bearer") and token.strip():
        return token.strip()
    return None


def requester(request: Request) -> Requester:
    """FastAPI dependency: the requester behind the Authorization header, else the console session
    cookie (with the CSRF check for unsafe methods)."""
    token = _bearer(request)
    if token is not None:
        return accounts.requester_by_token(request.app.state.db, token)
    session = request.cookies.get(REQUESTER_COOKIE)
    if not session:
        raise AuthenticationFailed("Send your API token as 'Authorization: OAuth <token>'")
    me = requester_auth.requester_by_session(request.app.state.db, session)
    if request.method not in SAFE_METHODS and not requester_auth.csrf_ok(
        session, request.headers.get(CSRF_HEADER)
    ):
        raise AccessDenied("The X-CSRF-Token header is missing or wrong; reload the page and try again")
    return me


def worker_token(request: Request) -> str | None:
    """The worker's session token from the Authorization header or the session cookie."""
    return _bearer(request) or request.cookies.get(WORKER_COOKIE)


def worker(request: Request) -> Worker:
    """FastAPI dependency: the worker behind the session token."""
    token = worker_token(request)
    if token is None:
        raise AuthenticationFailed("Log in first")
    return accounts.worker_by_token(request.app.state.db, token)
