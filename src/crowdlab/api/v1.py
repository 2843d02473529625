"""The requester REST API, compatible with toloka-kit 1.2.3 (see shared/toloka-api.md).

Handlers parse, call one service, and return; all rules live in services/.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from crowdlab.api.common import Me, operation_or_204, params
from crowdlab.services import analytics, pools, projects
from crowdlab.services.accounts import Requester, requester_view

router = APIRouter(prefix="/api/v1", tags=["requester API (Toloka v1)"])


@router.get("/requester")
def get_requester(request: Request, me: Requester = Me) -> dict[str, Any]:
    return requester_view(request.app.state.db, me)


# Projects -------------------------------------------------------------------------------------


@router.post("/projects", status_code=201)
def create_project(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return projects.create(request.app.state.db, me.id, body)


@router.get("/projects")
def find_projects(request: Request, me: Requester = Me) -> dict[str, Any]:
    return projects.find(request.app.state.db, me.id, params(request))


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
    return pools.find(request.app.state.db, me.id, params(request))


@router.get("/pools/{pool_id}")
def get_pool(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.get(request.app.state.db, me.id, pool_id)


@router.get("/pools/{pool_id}/budget")
def pool_budget(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    """crowdlab extension: what finishing the pool will cost, and whether the balance covers it."""
    return pools.get_budget(request.app.state.db, me.id, pool_id, request.app.state.settings.fee_rate)


@router.put("/pools/{pool_id}")
def update_pool(pool_id: str, request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return pools.update(request.app.state.db, me.id, pool_id, body)


@router.patch("/pools/{pool_id}")
def patch_pool(pool_id: str, request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return pools.patch(request.app.state.db, me.id, pool_id, body)


@router.post("/pools/{pool_id}/open")
def open_pool(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return operation_or_204(
        pools.open_pool(request.app.state.db, me.id, pool_id, request.app.state.settings.fee_rate)
    )


@router.post("/pools/{pool_id}/close")
def close_pool(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return operation_or_204(pools.close_pool(request.app.state.db, me.id, pool_id))


@router.post("/pools/{pool_id}/close-for-update")
def close_pool_for_update(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return operation_or_204(pools.close_pool(request.app.state.db, me.id, pool_id, for_update=True))


@router.post("/pools/{pool_id}/archive")
def archive_pool(pool_id: str, request: Request, me: Requester = Me) -> Response:
    return operation_or_204(pools.archive(request.app.state.db, me.id, pool_id))


@router.post("/pools/{pool_id}/clone", status_code=202)
def clone_pool(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.clone(request.app.state.db, me.id, pool_id)


# Trainings -------------------------------------------------------------------------------------

TRAINING = "TRAINING"


@router.post("/trainings", status_code=201)
def create_training(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return pools.create(request.app.state.db, me.id, body, pool_type=TRAINING)


@router.get("/trainings")
def find_trainings(request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.find(request.app.state.db, me.id, params(request), pool_type=TRAINING)


@router.get("/trainings/{training_id}")
def get_training(training_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.get(request.app.state.db, me.id, training_id, pool_type=TRAINING)


@router.put("/trainings/{training_id}")
def update_training(
    training_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return pools.update(request.app.state.db, me.id, training_id, body, pool_type=TRAINING)


@router.post("/trainings/{training_id}/open")
def open_training(training_id: str, request: Request, me: Requester = Me) -> Response:
    fee_rate = request.app.state.settings.fee_rate
    return operation_or_204(
        pools.open_pool(request.app.state.db, me.id, training_id, fee_rate, pool_type=TRAINING)
    )


@router.post("/trainings/{training_id}/close")
def close_training(training_id: str, request: Request, me: Requester = Me) -> Response:
    return operation_or_204(pools.close_pool(request.app.state.db, me.id, training_id, pool_type=TRAINING))


@router.post("/trainings/{training_id}/archive")
def archive_training(training_id: str, request: Request, me: Requester = Me) -> Response:
    return operation_or_204(pools.archive(request.app.state.db, me.id, training_id, pool_type=TRAINING))


@router.post("/trainings/{training_id}/clone", status_code=202)
def clone_training(training_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return pools.clone(request.app.state.db, me.id, training_id, pool_type=TRAINING)


# Non-v1 paths toloka-kit uses -----------------------------------------------------------------

staging = APIRouter(prefix="/api/staging", tags=["requester API (Toloka v1)"])


@staging.post("/projects/{project_id}/check")
def check_project_change(
    project_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, str]:
    return projects.check_change(request.app.state.db, me.id, project_id, body)


@staging.post("/analytics-2", status_code=202)
def get_analytics(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return analytics.run(request.app.state.db, me.id, body)
