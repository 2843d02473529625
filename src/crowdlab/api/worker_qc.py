"""Worker API for quality control: captchas.

``GET /api/worker/captcha`` -> ``{id, image}`` (an SVG data URL; the answer never leaves the server);
``POST /api/worker/captcha/{id}`` ``{"answer": "..."}`` -> ``{"ok": bool}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from crowdlab.api import auth
from crowdlab.services import captcha
from crowdlab.services.accounts import Worker

router = APIRouter(prefix="/api/worker", tags=["worker API"])
Me = Depends(auth.worker)


@router.get("/captcha")
def get_captcha(request: Request, pool_id: str | None = None, me: Worker = Me) -> dict[str, Any]:
    return captcha.issue(request.app.state.db, me, pool_id)


@router.post("/captcha/{captcha_id}")
def answer_captcha(
    captcha_id: str, request: Request, body: Any = Body(None), me: Worker = Me
) -> dict[str, Any]:
    return captcha.answer(request.app.state.db, me, captcha_id, body)
