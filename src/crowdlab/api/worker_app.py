"""JSON twins of the worker web app's pages that the worker API does not already serve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from crowdlab.api import auth
from crowdlab.services import worker_app
from crowdlab.services.accounts import Worker

router = APIRouter(prefix="/api/worker", tags=["worker API"])
Me = Depends(auth.worker)


@router.get("/earnings")
def earnings(request: Request, me: Worker = Me) -> dict[str, Any]:
    """Balance, money waiting for review, bonuses and assignments with project titles."""
    return worker_app.earnings(request.app.state.db, me)
