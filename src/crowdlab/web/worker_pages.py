"""The worker web app's pages: sign up, log in, marketplace, task, earnings, profile, messages.

Pages are rendered on the server from the same services the worker API uses; the page scripts
(``static/app/*.js``) then act through the worker API with the session cookie. A page that needs a
logged-in worker redirects to the login page (and back afterwards).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crowdlab.api import auth
from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import AuthenticationFailed, NotFound
from crowdlab.domain.profile import EDUCATION, GENDERS
from crowdlab.services import accounts, issuing, worker_app
from crowdlab.services.accounts import Worker
from crowdlab.web.sanitize import sanitize_html
from crowdlab.web.templating import page, redirect, safe_next

router = APIRouter(prefix="/worker", include_in_schema=False)

EDUCATION_LABELS = {"BASIC": "Basic", "MIDDLE": "Secondary", "HIGH": "Higher"}
GENDER_LABELS = {"MALE": "Male", "FEMALE": "Female"}


def current_worker(request: Request) -> Worker | None:
    """The worker whose session cookie came with the request, if it is still valid."""
    token = auth.worker_token(request)
    if not token:
        return None
    try:
        return accounts.worker_by_token(request.app.state.db, token)
    except AuthenticationFailed:
        return None


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/worker/login?next={quote(target, safe='/')}")


def _profile_context() -> dict[str, Any]:
    return {
        "education_options": [(k, EDUCATION_LABELS.get(k, k)) for k in EDUCATION],
        "gender_options": [(k, GENDER_LABELS.get(k, k)) for k in GENDERS],
    }


@router.get("/signup")
def signup_page(request: Request) -> Response:
    if current_worker(request):
        return redirect("/worker")
    next_url = safe_next(request.query_params.get("next"))
    return page(
        request, "signup.html", {"next": next_url, "profile": {}, "module": "signup", **_profile_context()}
    )


@router.get("/login")
def login_page(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if current_worker(request):
        return redirect(next_url)
    return page(request, "login.html", {"next": next_url, "module": "login"})


@router.get("")
def marketplace_page(request: Request) -> Response:
    me = current_worker(request)
    if me is None:
        return _to_login(request)
    db = request.app.state.db
    cards = issuing.marketplace(db, me)
    return page(
        request,
        "marketplace.html",
        {"worker": me, "cards": cards, "active": worker_app.active_suites(db, me), "module": "marketplace"},
    )


@router.get("/task/{assignment_id}")
def task_page(assignment_id: str, request: Request) -> Response:
    me = current_worker(request)
    if me is None:
        return _to_login(request)
    try:
        assignment = issuing.get_own(request.app.state.db, me, assignment_id)
    except NotFound:
        return page(
            request,
            "not_found.html",
            {"worker": me, "module": "layout", "what": "This task suite does not exist, or it is not yours."},
            status_code=404,
        )
    project = dict(assignment["project"])
    instructions = sanitize_html(project.pop("public_instructions", None))
    data = {**assignment, "project": project, "server_now": format_dt(utcnow())}
    return page(
        request,
        "task.html",
        {
            "worker": me,
            "assignment": assignment,
            "instructions": instructions,
            "data": data,
            "module": "task",
        },
    )


@router.get("/earnings")
def earnings_page(request: Request) -> Response:
    me = current_worker(request)
    if me is None:
        return _to_login(request)
    summary = worker_app.earnings(request.app.state.db, me)
    return page(request, "earnings.html", {"worker": me, "summary": summary, "module": "earnings"})


@router.get("/profile")
def profile_page(request: Request) -> Response:
    me = current_worker(request)
    if me is None:
        return _to_login(request)
    return page(
        request,
        "profile.html",
        {"worker": me, "profile": me.profile, "module": "profile", **_profile_context()},
    )


@router.get("/messages")
def messages_page(request: Request) -> Response:
    me = current_worker(request)
    if me is None:
        return _to_login(request)
    return page(request, "messages.html", {"worker": me, "module": "messages"})
