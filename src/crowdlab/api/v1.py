"""The requester REST API, compatible with toloka-kit 1.2.3 (see shared/toloka-api.md).

Handlers parse, call one service, and return; all rules live in services/.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from crowdlab.api import auth
from crowdlab.domain.errors import field_error
from crowdlab.services import (
    analytics,
    assignments,
    operations,
    pools,
    projects,
    tasks,
)
from crowdlab.services.accounts import Requester, requester_view

router = APIRouter(prefix="/api/v1", tags=["requester API (Toloka v1)"])
Me = Depends(auth.requester)


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


def _flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise field_error(name, "BOOLEAN_EXPECTED", f"{name} must be true or false")
    return value.lower() == "true"


def _operation_or_204(operation: dict[str, Any] | None) -> Response:
    if operation is None:
        return Response(status_code=204)
    return JSONResponse(operation, status_code=202)


@router.get("/requester")
def get_requester(request: Request, me: Requester = Me) -> dict[str, Any]:
    return requester_view(request.app.state.db, me)


# Projects -------------------------------------------------------------------------------------


@router.post("/projects", status_code=201)
def create_project(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return projects.create(request.app.state.db, me.id, body)


@router.get("/projects")
def find_projects(request: Request, me: Requester = Me) -> dict[str, Any]:
    return projects.find(request.app.state.db, me.id, _params(request))


@router.get("/projects/{project_id}")
def get_project(project_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return projects.get(request.app.state.db, me.id, project_id)


@router.put("/projects/{project_id}")
def update_project(
    project_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return projects.update(request.app.state.db, me.id, project_id, body)


@router.post("/projects/{project_id}/archive", status_code=202)
def archive_project(project_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return projects.archive(request.app.state.db, me.id, project_id)


# Pools ----------------------------------------------------------------------------------------


@router.post("/pools", status_code=201)
def create_pool(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return pools.create(request.app.state.db, me.id, body)


@router.get("/pools")
def find_pools(request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.find(request.app.state.db, me.id, _params(request))


@router.get("/pools/{pool_id}")
def get_pool(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.get(request.app.state.db, me.id, pool_id)


@router.put("/pools/{pool_id}")
def update_pool(pool_id: str, request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return pools.update(request.app.state.db, me.id, pool_id, body)


@router.patch("/pools/{pool_id}")
def patch_pool(pool_id: str, request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return pools.patch(request.app.state.db, me.id, pool_id, body)


@router.post("/pools/{pool_id}/open")
def open_pool(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return _operation_or_204(
        pools.open_pool(request.app.state.db, me.id, pool_id, request.app.state.settings.fee_rate)
    )


@router.post("/pools/{pool_id}/close")
def close_pool(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return _operation_or_204(pools.close_pool(request.app.state.db, me.id, pool_id))


@router.post("/pools/{pool_id}/close-for-update")
def close_pool_for_update(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return _operation_or_204(pools.close_pool(request.app.state.db, me.id, pool_id, for_update=True))


@router.post("/pools/{pool_id}/archive")
def archive_pool(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return _operation_or_204(pools.archive(request.app.state.db, me.id, pool_id))


@router.post("/pools/{pool_id}/clone", status_code=202)
def clone_pool(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.clone(request.app.state.db, me.id, pool_id)


# Tasks ----------------------------------------------------------------------------------------


@router.post("/tasks")
def create_tasks(request: Request, body: Any = Body(None), me: Requester = Me) -> JSONResponse:
    options = tasks.CreateOptions(
        operation_id=request.query_params.get("operation_id"),
        async_mode=_flag(request, "async_mode"),
        allow_defaults=_flag(request, "allow_defaults"),
        open_pool=_flag(request, "open_pool"),
        skip_invalid_items=_flag(request, "skip_invalid_items"),
    )
    status, payload = tasks.create(
        request.app.state.db, me.id, body, options, fee_rate=request.app.state.settings.fee_rate
    )
    return JSONResponse(payload, status_code=status)


@router.get("/tasks")
def find_tasks(request: Request, me: Requester = Me) -> dict[str, Any]:
    return tasks.find(request.app.state.db, me.id, _params(request))


@router.get("/tasks/{task_id}")
def get_task(task_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return tasks.get(request.app.state.db, me.id, task_id)


@router.patch("/tasks/{task_id}")
def patch_task(task_id: str, request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return tasks.patch(request.app.state.db, me.id, task_id, body)


@router.patch("/tasks/{task_id}/set-overlap-or-min")
def patch_task_overlap_or_min(
    task_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return tasks.patch(request.app.state.db, me.id, task_id, body, or_min=True)


# Operations -----------------------------------------------------------------------------------


@router.get("/operations")
def find_operations(request: Request, me: Requester = Me) -> dict[str, Any]:
    return operations.find(request.app.state.db, me.id, _params(request))


@router.get("/operations/{operation_id}")
def get_operation(operation_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return operations.get(request.app.state.db, me.id, operation_id)


@router.get("/operations/{operation_id}/log")
def get_operation_log(operation_id: str, request: Request, me: Requester = Me) -> list[dict[str, Any]]:
    return operations.get_log(request.app.state.db, me.id, operation_id)


# Assignments ----------------------------------------------------------------------------------


@router.get("/assignments")
def find_assignments(request: Request, me: Requester = Me) -> dict[str, Any]:
    return assignments.find(request.app.state.db, me.id, _params(request))


@router.get("/assignments/{assignment_id}")
def get_assignment(assignment_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return assignments.get(request.app.state.db, me.id, assignment_id)


@router.patch("/assignments/{assignment_id}")
def patch_assignment(
    assignment_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return assignments.review(request.app.state.db, me.id, assignment_id, body)


# Non-v1 paths toloka-kit uses -----------------------------------------------------------------

staging = APIRouter(prefix="/api/staging", tags=["requester API (Toloka v1)"])


@staging.post("/analytics-2", status_code=202)
def get_analytics(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return analytics.run(request.app.state.db, me.id, body)
