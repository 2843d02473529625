"""Errors a use case reports to its caller, in Toloka's vocabulary.

The REST layer turns them into ``{code, message, request_id, payload}`` bodies; the CLI prints them.
"""

from __future__ import annotations

from typing import Any

from crowdlab.domain.specs import FieldError


class CrowdlabError(Exception):
    """A refusal with a Toloka error code, an HTTP status and a sentence for a person."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self, message: str, *, code: str | None = None, payload: Any = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.payload = payload


class ValidationFailed(CrowdlabError):
    """Bad input; payload maps each field path to ``{code, message}``."""

    status = 400
    code = "VALIDATION_ERROR"

    def __init__(self, errors: dict[str, FieldError] | dict[str, Any], message: str | None = None):
        payload = {k: (v.as_dict() if isinstance(v, FieldError) else v) for k, v in errors.items()}
        if message is None:
            first = next(iter(payload.items()), None)
            detail = ""
            if first and isinstance(first[1], dict) and "message" in first[1]:
                detail = f": {first[0]}: {first[1]['message']}" if first[0] else f": {first[1]['message']}"
            message = f"Validation failed{detail}"
        super().__init__(message, payload=payload)


def field_error(path: str, code: str, message: str) -> ValidationFailed:
    """A validation failure about one field."""
    return ValidationFailed({path: FieldError(code, message)})


class NotFound(CrowdlabError):
    status = 404
    code = "DOES_NOT_EXIST"


class Conflict(CrowdlabError):
    status = 409
    code = "CONFLICT_STATE"


class AuthenticationFailed(CrowdlabError):
    status = 401
    code = "AUTHENTICATION_ERROR"


class AccessDenied(CrowdlabError):
    status = 403
    code = "ACCESS_DENIED"


class TooManyRequests(CrowdlabError):
    status = 429
    code = "TOO_MANY_REQUESTS"


class Unavailable(CrowdlabError):
    status = 503
    code = "REMOTE_SERVICE_UNAVAILABLE"
