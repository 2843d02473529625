"""The worker API: sign up, log in, marketplace, take a suite, submit, skip, history.

Workers authenticate with the session token from sign-up / log-in, as ``Authorization: Bearer <t>``
or the session cookie the web app sets. Responses never contain known solutions or hints.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response

from crowdlab.api import auth
from crowdlab.domain.errors import field_error
from crowdlab.domain.ids import format_id
from crowdlab.services import accounts, issuing, skills
from crowdlab.services.accounts import Worker

router = APIRouter(prefix="/api/worker", tags=["worker API"])
Me = Depends(auth.worker)


def _engine(request: Request) -> issuing.Engine:
    return issuing.Engine(fee_rate=request.app.state.settings.fee_rate)


def _credentials(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", 'Send {"name": ..., "password": ...}')
    name, password = body.get("name"), body.get("password")
    if not isinstance(name, str) or not name.strip():
        raise field_error("name", "VALUE_REQUIRED", "name is required")
    if not isinstance(password, str) or not password:
        raise field_error("password", "VALUE_REQUIRED", "password is required")
    return name, password


def _session(response: Response, worker: Worker, token: str) -> dict[str, Any]:
    response.set_cookie(auth.WORKER_COOKIE, token, httponly=True, samesite="lax", max_age=30 * 86400)
    return {"worker_id": _wid(worker), "name": worker.name, "profile": worker.profile, "token": token}


def _wid(worker: Worker) -> str:
    return format_id(worker.id)


@router.post("/signup", status_code=201)
def sign_up(request: Request, response: Response, body: Any = Body(None)) -> dict[str, Any]:
    name, password = _credentials(body)
    worker, token = accounts.sign_up_worker(request.app.state.db, name, password, body.get("profile"))
    return _session(response, worker, token)


@router.post("/login")
def log_in(request: Request, response: Response, body: Any = Body(None)) -> dict[str, Any]:
    name, password = _credentials(body)
    worker, token = accounts.log_in_worker(request.app.state.db, name, password)
    return _session(response, worker, token)


@router.post("/logout", status_code=204)
def log_out(request: Request, response: Response) -> Response:
    token = auth.worker_token(request)
    if token:
        accounts.log_out_worker(request.app.state.db, token)
    response = Response(status_code=204)
    response.delete_cookie(auth.WORKER_COOKIE)
    return response


@router.get("/me")
def me(me: Worker = Me) -> dict[str, Any]:
    return {"worker_id": _wid(me), "name": me.name, "profile": me.profile}


@router.put("/me/profile")
def update_profile(request: Request, body: Any = Body(None), me: Worker = Me) -> dict[str, Any]:
    return {"profile": accounts.update_worker_profile(request.app.state.db, me, body)}


@router.get("/skills")
def my_skills(request: Request, me: Worker = Me) -> dict[str, Any]:
    return {"items": skills.for_worker(request.app.state.db, me.id)}


@router.get("/pools")
def marketplace(request: Request, me: Worker = Me) -> dict[str, Any]:
    return {"items": issuing.marketplace(request.app.state.db, me)}


@router.post("/pools/{pool_id}/assignments", status_code=201)
def take_suite(pool_id: str, request: Request, me: Worker = Me) -> dict[str, Any]:
    return issuing.take(request.app.state.db, _engine(request), me, pool_id)


@router.get("/assignments")
def history(request: Request, me: Worker = Me) -> dict[str, Any]:
    return issuing.history(request.app.state.db, me)


@router.get("/assignments/{assignment_id}")
def get_assignment(assignment_id: str, request: Request, me: Worker = Me) -> dict[str, Any]:
    return issuing.get_own(request.app.state.db, me, assignment_id)


@router.post("/assignments/{assignment_id}/submit")
def submit(assignment_id: str, request: Request, body: Any = Body(None), me: Worker = Me) -> dict[str, Any]:
    return issuing.submit(request.app.state.db, _engine(request), me, assignment_id, body)


@router.post("/assignments/{assignment_id}/skip")
def skip(assignment_id: str, request: Request, me: Worker = Me) -> dict[str, Any]:
    return issuing.skip(request.app.state.db, me, assignment_id)
