"""Small request helpers shared by the routers."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from crowdlab.api import auth
from crowdlab.domain.errors import field_error
from crowdlab.services.batch import CreateOptions

Me = Depends(auth.requester)


def params(request: Request) -> dict[str, str]:
    """The query string as a plain dict (search filters)."""
    return dict(request.query_params)


def flag(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter, which toloka-kit sends as ``true`` / ``false``."""
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise field_error(name, "BOOLEAN_EXPECTED", f"{name} must be true or false")
    return value.lower() == "true"


def create_options(request: Request) -> CreateOptions:
    """The batch-creation query parameters (operation_id, async_mode, allow_defaults, ...)."""
    return CreateOptions(
        operation_id=request.query_params.get("operation_id"),
        async_mode=flag(request, "async_mode"),
        allow_defaults=flag(request, "allow_defaults"),
        open_pool=flag(request, "open_pool"),
        skip_invalid_items=flag(request, "skip_invalid_items"),
    )


def operation_or_204(operation: dict[str, Any] | None) -> Response:
    """204 when the object was already in the target state, else the operation (202)."""
    if operation is None:
        return Response(status_code=204)
    return JSONResponse(operation, status_code=202)


def created(result: tuple[int, Any]) -> JSONResponse:
    """A (status, body) pair from a batch service as a response."""
    status, body = result
    return JSONResponse(body, status_code=status)
