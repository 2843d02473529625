"""The requester console's pages: log in, projects, project editor with presets, pool wizard, pool
progress, review queue, account (balance, ledger, API tokens).

Each page is rendered from the same service call as its JSON twin under ``/api/console`` (named in
the page's ``<link rel="alternate">``) and hands that data to its script in a JSON block; the page
scripts (``static/console/*.js``) then act through the v1 REST API with the session cookie and the
CSRF token. Pages need a console session and send the browser to the login page without one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from crowdlab.api.common import Me
from crowdlab.api.console import current_session
from crowdlab.domain.errors import NotFound
from crowdlab.services import console, pools, projects, requester_auth
from crowdlab.services.accounts import Requester
from crowdlab.web import console_presets
from crowdlab.web.sanitize import sanitize_html
from crowdlab.web.templating import page, redirect, safe_next

router = APIRouter(prefix="/console", include_in_schema=False)
api_router = APIRouter(prefix="/api/console", tags=["requester console"])


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/console/login?next={quote(target, safe='/')}")


def _render(
    request: Request,
    session: tuple[Requester, str],
    template: str,
    *,
    module: str,
    title: str,
    data: dict[str, Any],
    twin: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    me, token = session
    values = {
        "me": requester_auth.account(request.app.state.db, me),
        "csrf_token": requester_auth.csrf_token(token),
        "module": module,
        "title": title,
        "data": data,
        "twin": twin,
        "section": context.pop("section", ""),
        **context,
    }
    return page(request, f"console/{template}", values, status_code=status_code)


def _not_found(request: Request, session: tuple[Requester, str], what: str) -> Response:
    return _render(
        request,
        session,
        "not_found.html",
        module="layout",
        title="Not found",
        data={},
        what=what,
        status_code=404,
    )


@router.get("/login")
def login_page(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), default="/console")
    if not next_url.startswith("/console"):
        next_url = "/console"
    if current_session(request):
        return redirect(next_url)
    return page(request, "console/login.html", {"next": next_url, "module": "login", "title": "Log in"})


@router.get("")
def home_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    data = console.overview(request.app.state.db, session[0])
    return _render(
        request, session, "projects.html", module="projects", title="Projects", data=data,
        twin="/api/console/overview", section="projects",
    )  # fmt: skip


@router.get("/account")
def account_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    db, me = request.app.state.db, session[0]
    data = {
        "account": requester_auth.account(db, me),
        "tokens": requester_auth.list_tokens(db, me.id),
        "ledger": requester_auth.ledger_history(db, me.id, {}),
    }
    return _render(
        request, session, "account.html", module="account", title="Account", data=data,
        twin="/api/console/account", section="account",
    )  # fmt: skip


@router.get("/projects/new")
def new_project_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    key = request.query_params.get("preset")
    preset = console_presets.get(key) if key else None
    if preset is None:
        choices: dict[str, Any] = {"presets": console_presets.catalogue()}
        return _render(
            request, session, "presets.html", module="presets", title="New project", data=choices,
            twin="/api/console/presets", section="projects",
        )  # fmt: skip
    data = {"project": None, "preset": preset.as_dict()}
    return _render(
        request, session, "editor.html", module="editor", title=f"New project: {preset.title}", data=data,
        twin="/api/console/presets", section="projects",
    )  # fmt: skip


@router.get("/projects/{project_id}")
def project_page(project_id: str, request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    try:
        data = console.project_page(request.app.state.db, session[0].id, project_id)
    except NotFound:
        return _not_found(request, session, "This project does not exist, or it is not yours.")
    instructions = sanitize_html(data["project"].get("public_instructions"))
    return _render(
        request, session, "project.html", module="project", title=data["project"]["public_name"], data=data,
        twin=f"/api/console/projects/{project_id}", section="projects", instructions=instructions,
    )  # fmt: skip


@router.get("/projects/{project_id}/edit")
def edit_project_page(project_id: str, request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    try:
        project = projects.get(request.app.state.db, session[0].id, project_id)
    except NotFound:
        return _not_found(request, session, "This project does not exist, or it is not yours.")
    data = {"project": project, "preset": None}
    return _render(
        request, session, "editor.html", module="editor", title=f"Edit: {project['public_name']}", data=data,
        twin=f"/api/v1/projects/{project_id}", section="projects",
    )  # fmt: skip


@router.get("/projects/{project_id}/pools/new")
def new_pool_page(project_id: str, request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    try:
        project = projects.get(request.app.state.db, session[0].id, project_id)
    except NotFound:
        return _not_found(request, session, "This project does not exist, or it is not yours.")
    data = {"project": project, "pool": None}
    return _render(
        request, session, "wizard.html", module="wizard", title="New pool", data=data, section="projects",
    )  # fmt: skip


def _pool_and_project(
    request: Request, requester_id: int, pool_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    db = request.app.state.db
    pool = pools.get(db, requester_id, pool_id)
    return pool, projects.get(db, requester_id, pool["project_id"])


@router.get("/pools/{pool_id}/setup")
def pool_setup_page(pool_id: str, request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    try:
        pool, project = _pool_and_project(request, session[0].id, pool_id)
    except NotFound:
        return _not_found(request, session, "This pool does not exist, or it is not yours.")
    data = {"project": project, "pool": pool, "step": request.query_params.get("step")}
    return _render(
        request, session, "wizard.html", module="wizard", title=f"Set up: {pool.get('private_name', '')}",
        data=data, twin=f"/api/v1/pools/{pool_id}", section="projects",
    )  # fmt: skip


@router.get("/pools/{pool_id}")
def pool_page(pool_id: str, request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    db = request.app.state.db
    try:
        progress = console.pool_progress(db, session[0].id, pool_id, request.app.state.settings.fee_rate)
        project = projects.get(db, session[0].id, progress["pool"]["project_id"])
    except NotFound:
        return _not_found(request, session, "This pool does not exist, or it is not yours.")
    data = {
        "progress": progress,
        "project": project,
        "aggregations": console.aggregations(db, session[0].id, pool_id),
    }
    return _render(
        request, session, "pool.html", module="pool", title=progress["pool"].get("private_name", "Pool"),
        data=data, twin=f"/api/console/pools/{pool_id}/progress", section="projects",
    )  # fmt: skip


@router.get("/pools/{pool_id}/review")
def review_page(pool_id: str, request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return _to_login(request)
    try:
        pool, project = _pool_and_project(request, session[0].id, pool_id)
    except NotFound:
        return _not_found(request, session, "This pool does not exist, or it is not yours.")
    data = {"pool": pool, "project": project}
    return _render(
        request, session, "review.html", module="review", title=f"Review: {pool.get('private_name', '')}",
        data=data, twin=f"/api/v1/assignments?pool_id={pool_id}&status=SUBMITTED", section="projects",
    )  # fmt: skip


# JSON twins that need the web layer (presets and the instructions sanitizer live here) -----------


@api_router.get("/presets")
def list_presets(_me: Requester = Me) -> dict[str, Any]:
    """The project presets: Template Builder config, input/output spec and instructions of each."""
    return {"items": console_presets.catalogue()}


@api_router.post("/instructions-preview")
def instructions_preview(body: Any = Body(None), _me: Requester = Me) -> dict[str, Any]:
    """Requester-written instructions cut down to the HTML workers will see (the same sanitizer)."""
    source = body.get("html") if isinstance(body, dict) else None
    return {"html": sanitize_html(source if isinstance(source, str) else "")}
