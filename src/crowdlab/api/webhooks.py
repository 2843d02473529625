"""Webhook subscriptions (toloka-kit's ``*_webhook_subscription*`` methods) and their delivery log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from crowdlab.api import auth
from crowdlab.services import webhooks
from crowdlab.services.accounts import Requester

router = APIRouter(prefix="/api/v1", tags=["requester API (Toloka v1)"])
Me = Depends(auth.requester)


@router.put("/webhook-subscriptions")
def upsert_webhook_subscriptions(
    request: Request, body: Any = Body(None), me: Requester = Me
) -> JSONResponse:
    status, payload = webhooks.upsert(request.app.state.db, me.id, body)
    return JSONResponse(payload, status_code=status)


@router.get("/webhook-subscriptions")
def find_webhook_subscriptions(request: Request, me: Requester = Me) -> dict[str, Any]:
    return webhooks.find(request.app.state.db, me.id, dict(request.query_params))


@router.get("/webhook-subscriptions/{subscription_id}")
def get_webhook_subscription(subscription_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return webhooks.get(request.app.state.db, me.id, subscription_id)


@router.delete("/webhook-subscriptions/{subscription_id}", status_code=204)
def delete_webhook_subscription(subscription_id: str, request: Request, me: Requester = Me) -> Response:
    webhooks.delete(request.app.state.db, me.id, subscription_id)
    return Response(status_code=204)


@router.get("/webhook-subscriptions/{subscription_id}/deliveries")
def find_webhook_deliveries(subscription_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    """The delivery log of one subscription (a crowdlab extension): attempts, status codes, errors."""
    return webhooks.find_deliveries(request.app.state.db, me.id, subscription_id, dict(request.query_params))
