"""Every error leaves as JSON ``{code, message, request_id, payload}`` so toloka-kit maps it to its class.

Never a ``Retry-After`` header (toloka-kit 1.2.3 crashes on it) and never a traceback in the body.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crowdlab.domain.errors import CrowdlabError

log = logging.getLogger("crowdlab.api")

_STATUS_CODES = {
    400: "VALIDATION_ERROR",
    401: "AUTHENTICATION_ERROR",
    403: "ACCESS_DENIED",
    404: "DOES_NOT_EXIST",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT_STATE",
    413: "REQUEST_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
}


def error_response(status: int, code: str, message: str, payload: Any = None) -> JSONResponse:
    """The JSON error body toloka-kit expects."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": str(uuid.uuid4())}
    if payload is not None:
        body["payload"] = payload
    return JSONResponse(body, status_code=status)


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into error bodies."""

    @app.exception_handler(CrowdlabError)
    async def _crowdlab(_request: Request, exc: CrowdlabError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.payload)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        payload = {}
        for err in exc.errors():
            path = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            payload[path or "body"] = {"code": "INVALID_VALUE", "message": str(err.get("msg"))}
        return error_response(400, "VALIDATION_ERROR", "The request is not valid", payload)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(
            exc.status_code, "INTERNAL_ERROR" if exc.status_code >= 500 else "BAD_REQUEST"
        )
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "No such resource"
        return error_response(exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", "Internal error; it has been logged")
