"""JSON endpoints of the requester console (``/api/console``): log in and out, the session, API
tokens, the ledger history, and the JSON twins of the console pages that the v1 API has no call for.

Everything else the pages do goes through the v1 API itself (same-origin, with the session cookie
and the CSRF header), so the console can never do what the API would refuse.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from crowdlab.api import auth
from crowdlab.api.common import Me, params
from crowdlab.domain.errors import AccessDenied, AuthenticationFailed, CrowdlabError
from crowdlab.services import console, requester_auth
from crowdlab.services.accounts import Requester

router = APIRouter(prefix="/api/console", tags=["requester console"])


def session_token(request: Request) -> str | None:
    """The console session token of the request's cookie, if any."""
    return request.cookies.get(auth.REQUESTER_COOKIE) or None


def _csrf_of(request: Request) -> str | None:
    token = session_token(request)
    return requester_auth.csrf_token(token) if token and not request.headers.get("authorization") else None


@router.post("/login")
def log_in(request: Request, body: Any = Body(None)) -> JSONResponse:
    """Name and password in a JSON body; sets the HttpOnly session cookie, returns the CSRF token."""
    # A cross-site HTML form cannot send JSON: this keeps other sites from logging a browser in.
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise CrowdlabError("Send the name and password as JSON", code="UNSUPPORTED_MEDIA_TYPE", status=415)
    data = body if isinstance(body, dict) else {}
    db = request.app.state.db
    me, token = requester_auth.log_in(db, data.get("name"), data.get("password"))
    response = JSONResponse(
        {"requester": requester_auth.account(db, me), "csrf_token": requester_auth.csrf_token(token)}
    )
    response.set_cookie(
        auth.REQUESTER_COOKIE,
        token,
        max_age=requester_auth.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", status_code=204)
def log_out(request: Request) -> Response:
    """End the console session (with its CSRF token: no other site can log a requester out)."""
    token = session_token(request)
    if token:
        if not requester_auth.csrf_ok(token, request.headers.get(auth.CSRF_HEADER)):
            raise AccessDenied("The X-CSRF-Token header is missing or wrong; reload the page and try again")
        requester_auth.log_out(request.app.state.db, token)
    response = Response(status_code=204)
    response.delete_cookie(auth.REQUESTER_COOKIE, path="/")
    return response


@router.get("/session")
def get_session(request: Request, me: Requester = Me) -> dict[str, Any]:
    """Who is logged in, the balance, and the CSRF token for this session (null for token clients)."""
    return {"requester": requester_auth.account(request.app.state.db, me), "csrf_token": _csrf_of(request)}


@router.get("/account")
def get_account(request: Request, me: Requester = Me) -> dict[str, Any]:
    """The account page: balance, API tokens and the latest ledger rows."""
    db = request.app.state.db
    return {
        "account": requester_auth.account(db, me),
        "tokens": requester_auth.list_tokens(db, me.id),
        "ledger": requester_auth.ledger_history(db, me.id, {}),
    }


@router.get("/ledger")
def get_ledger(request: Request, me: Requester = Me) -> dict[str, Any]:
    return requester_auth.ledger_history(request.app.state.db, me.id, params(request))


@router.get("/tokens")
def list_tokens(request: Request, me: Requester = Me) -> dict[str, Any]:
    return {"items": requester_auth.list_tokens(request.app.state.db, me.id)}


@router.post("/tokens", status_code=201)
def create_token(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    """A new named API token; the secret is in this answer only."""
    return requester_auth.create_token(request.app.state.db, me.id, body)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return requester_auth.revoke_token(request.app.state.db, me.id, token_id)


@router.get("/overview")
def overview(request: Request, me: Requester = Me) -> dict[str, Any]:
    """Twin of ``/console``: the account and the projects with their pools counted by status."""
    return console.overview(request.app.state.db, me)


@router.get("/projects/{project_id}")
def project_page(project_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    """Twin of ``/console/projects/{id}``: the project and its pools with their completion."""
    return console.project_page(request.app.state.db, me.id, project_id)


@router.get("/pools/{pool_id}/progress")
def pool_progress(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    """Twin of ``/console/pools/{id}``: completion, assignments by status, workers, money, speed."""
    settings = request.app.state.settings
    return console.pool_progress(request.app.state.db, me.id, pool_id, settings.fee_rate)


@router.get("/pools/{pool_id}/control-tasks")
def control_tasks(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    """The pool's tasks by kind, one page of them, and the distribution of the correct answers."""
    return console.control_tasks(request.app.state.db, me.id, pool_id, params(request))


@router.put("/tasks/{task_id}/control")
def mark_control(
    task_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    """Make a task a control task (``known_solutions``) or a general one again (``null``)."""
    return console.mark_control(request.app.state.db, me.id, task_id, body)


@router.get("/pools/{pool_id}/aggregations")
def pool_aggregations(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    """The pool's aggregation runs, newest first, to download results from."""
    return console.aggregations(request.app.state.db, me.id, pool_id)


def current_session(request: Request) -> tuple[Requester, str] | None:
    """The requester and session token of the console cookie, or None (pages use this)."""
    token = session_token(request)
    if not token:
        return None
    try:
        return requester_auth.requester_by_session(request.app.state.db, token), token
    except AuthenticationFailed:
        return None
