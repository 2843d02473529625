"""Requester API: tasks, task suites, operations, assignments (toloka-kit compatible)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from crowdlab.api.common import Me, create_options, created, flag, params
from crowdlab.services import assignments, operations, task_suites, tasks
from crowdlab.services.accounts import Requester

router = APIRouter(prefix="/api/v1", tags=["requester API (Toloka v1)"])


@router.post("/tasks")
def create_tasks(request: Request, body: Any = Body(None), me: Requester = Me) -> JSONResponse:
    fee_rate = request.app.state.settings.fee_rate
    return created(
        tasks.create(request.app.state.db, me.id, body, create_options(request), fee_rate=fee_rate)
    )


@router.get("/tasks")
def find_tasks(request: Request, me: Requester = Me) -> dict[str, Any]:
    return tasks.find(request.app.state.db, me.id, params(request))


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


@router.post("/task-suites")
def create_task_suites(request: Request, body: Any = Body(None), me: Requester = Me) -> JSONResponse:
    fee_rate = request.app.state.settings.fee_rate
    return created(
        task_suites.create(request.app.state.db, me.id, body, create_options(request), fee_rate=fee_rate)
    )


@router.get("/task-suites")
def find_task_suites(request: Request, me: Requester = Me) -> dict[str, Any]:
    return task_suites.find(request.app.state.db, me.id, params(request))


@router.get("/task-suites/{suite_id}")
def get_task_suite(suite_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return task_suites.get(request.app.state.db, me.id, suite_id)


@router.patch("/task-suites/{suite_id}")
def patch_task_suite(
    suite_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return task_suites.patch(
        request.app.state.db,
        me.id,
        suite_id,
        body,
        open_pool=flag(request, "open_pool"),
        fee_rate=request.app.state.settings.fee_rate,
    )


@router.patch("/task-suites/{suite_id}/set-overlap-or-min")
def patch_task_suite_overlap_or_min(
    suite_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return task_suites.patch(request.app.state.db, me.id, suite_id, body, or_min=True)


@router.get("/operations")
def find_operations(request: Request, me: Requester = Me) -> dict[str, Any]:
    return operations.find(request.app.state.db, me.id, params(request))


@router.get("/operations/{operation_id}")
def get_operation(operation_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return operations.get(request.app.state.db, me.id, operation_id)


@router.get("/operations/{operation_id}/log")
def get_operation_log(operation_id: str, request: Request, me: Requester = Me) -> list[dict[str, Any]]:
    return operations.get_log(request.app.state.db, me.id, operation_id)


@router.get("/assignments")
def find_assignments(request: Request, me: Requester = Me) -> dict[str, Any]:
    return assignments.find(request.app.state.db, me.id, params(request))


@router.get("/assignments/{assignment_id}")
def get_assignment(assignment_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return assignments.get(request.app.state.db, me.id, assignment_id)


@router.patch("/assignments/{assignment_id}")
def patch_assignment(
    assignment_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return assignments.review(request.app.state.db, me.id, assignment_id, body)
