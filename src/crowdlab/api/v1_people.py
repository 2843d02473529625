"""Requester API about workers: restrictions, skills, user skills, bonuses, user metadata."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from crowdlab.api.common import Me, create_options, created, params
from crowdlab.services import bonuses, restrictions, skills, workers_info
from crowdlab.services.accounts import Requester

router = APIRouter(prefix="/api/v1", tags=["requester API (Toloka v1)"])


@router.put("/user-restrictions", status_code=201)
def set_user_restriction(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return restrictions.set_restriction(request.app.state.db, me.id, body)


@router.get("/user-restrictions")
def find_user_restrictions(request: Request, me: Requester = Me) -> dict[str, Any]:
    return restrictions.find(request.app.state.db, me.id, params(request))


@router.get("/user-restrictions/{restriction_id}")
def get_user_restriction(restriction_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return restrictions.get(request.app.state.db, me.id, restriction_id)


@router.delete("/user-restrictions/{restriction_id}", status_code=204)
def delete_user_restriction(restriction_id: str, request: Request, me: Requester = Me) -> Response:
    restrictions.delete(request.app.state.db, me.id, restriction_id)
    return Response(status_code=204)


@router.post("/skills", status_code=201)
def create_skill(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return skills.create(request.app.state.db, me.id, body)


@router.get("/skills")
def find_skills(request: Request, me: Requester = Me) -> dict[str, Any]:
    return skills.find(request.app.state.db, me.id, params(request))


@router.get("/skills/{skill_id}")
def get_skill(skill_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return skills.get(request.app.state.db, me.id, skill_id)


@router.put("/skills/{skill_id}")
def update_skill(
    skill_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return skills.update(request.app.state.db, me.id, skill_id, body)


@router.put("/user-skills", status_code=201)
def set_user_skill(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return skills.set_user_skill(request.app.state.db, me.id, body)


@router.get("/user-skills")
def find_user_skills(request: Request, me: Requester = Me) -> dict[str, Any]:
    return skills.find_user_skills(request.app.state.db, me.id, params(request))


@router.get("/user-skills/{user_skill_id}")
def get_user_skill(user_skill_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return skills.get_user_skill(request.app.state.db, me.id, user_skill_id)


@router.delete("/user-skills/{user_skill_id}", status_code=204)
def delete_user_skill(user_skill_id: str, request: Request, me: Requester = Me) -> Response:
    skills.delete_user_skill(request.app.state.db, me.id, user_skill_id)
    return Response(status_code=204)


@router.post("/user-bonuses")
def create_user_bonuses(request: Request, body: Any = Body(None), me: Requester = Me) -> JSONResponse:
    fee_rate = request.app.state.settings.fee_rate
    return created(
        bonuses.create(request.app.state.db, me.id, body, create_options(request), fee_rate=fee_rate)
    )


@router.get("/user-bonuses")
def find_user_bonuses(request: Request, me: Requester = Me) -> dict[str, Any]:
    return bonuses.find(request.app.state.db, me.id, params(request))


@router.get("/user-bonuses/{bonus_id}")
def get_user_bonus(bonus_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return bonuses.get(request.app.state.db, me.id, bonus_id)


@router.get("/user-metadata/{user_id}")
def get_user_metadata(user_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return workers_info.metadata(request.app.state.db, me.id, user_id)
