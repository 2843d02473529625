"""User restrictions (bans): set, read, search, lift. Issuing refuses restricted workers (issuing.why_not)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, parse_dt, utcnow
from crowdlab.domain.errors import AccessDenied, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import pools, projects, search
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import user_restrictions, workers

SCOPES = ("ALL_PROJECTS", "PROJECT", "POOL", "SYSTEM")


def view(row: Any) -> dict[str, Any]:
    """The UserRestriction object on the wire (``scope`` always present)."""
    out: dict[str, Any] = {
        "id": format_id(row.id),
        "scope": row.scope,
        "user_id": format_id(row.worker_id),
        "created": format_dt(row.created),
    }
    if row.project_id is not None:
        out["project_id"] = format_id(row.project_id)
    if row.pool_id is not None:
        out["pool_id"] = format_id(row.pool_id)
    if row.private_comment:
        out["private_comment"] = row.private_comment
    if row.will_expire is not None:
        out["will_expire"] = format_dt(row.will_expire)
    return out


def worker_exists(conn: Connection, text: Any) -> int | None:
    """The worker id behind a wire user id, or None."""
    number = parse_id(str(text)) if text is not None else None
    if number is None:
        return None
    return conn.execute(sa.select(workers.c.id).where(workers.c.id == number)).scalar()


def set_restriction(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """PUT /user-restrictions: ban a worker from a pool, a project or all the requester's projects."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    scope = body.get("scope")
    if scope == "SYSTEM":
        raise AccessDenied(
            "SYSTEM restrictions are set by administrators only", code="SYSTEM_SCOPE_MODIFICATION"
        )
    if scope not in SCOPES:
        raise field_error("scope", "UNKNOWN_ENUM_VALUE", "scope must be ALL_PROJECTS, PROJECT or POOL")
    with db.write() as conn:
        worker_id = worker_exists(conn, body.get("user_id"))
        if worker_id is None:
            raise field_error(
                "user_id", "ENTITY_DOES_NOT_EXIST", f"User {body.get('user_id')} does not exist"
            )
        values: dict[str, Any] = {
            "requester_id": requester_id,
            "worker_id": worker_id,
            "scope": scope,
            "created": utcnow(),
        }
        errors: dict[str, FieldError] = {}
        if scope == "PROJECT":
            try:
                values["project_id"] = projects.load(conn, requester_id, str(body.get("project_id"))).id
            except NotFound:
                errors["project_id"] = FieldError(
                    "ENTITY_DOES_NOT_EXIST", "project_id must name one of your projects"
                )
        if scope == "POOL":
            try:
                values["pool_id"] = pools.load(conn, requester_id, str(body.get("pool_id"))).id
            except NotFound:
                errors["pool_id"] = FieldError("ENTITY_DOES_NOT_EXIST", "pool_id must name one of your pools")
        if body.get("will_expire") is not None:
            try:
                values["will_expire"] = parse_dt(str(body["will_expire"]))
            except ValueError as exc:
                errors["will_expire"] = FieldError("INVALID_DATE_TIME_SYNTAX", str(exc))
        comment = body.get("private_comment")
        if comment is not None and not isinstance(comment, str):
            errors["private_comment"] = FieldError("STRING_EXPECTED", "private_comment must be text")
        values["private_comment"] = comment
        if errors:
            raise ValidationFailed(errors)
        new_id = inserted_id(conn.execute(user_restrictions.insert().values(**values)))
        from crowdlab.services import quality  # late: quality imports issuing, which imports this module

        quality.after_restriction(
            conn,
            worker_id,
            requester_id,
            scope,
            project_id=values.get("project_id"),
            pool_id=values.get("pool_id"),
        )
        return view(conn.execute(sa.select(user_restrictions).where(user_restrictions.c.id == new_id)).one())


def _load(conn: Connection, requester_id: int, restriction_id: str) -> Any:
    row = conn.execute(
        sa.select(user_restrictions).where(
            user_restrictions.c.id == parse_id(restriction_id),
            user_restrictions.c.requester_id == requester_id,
            user_restrictions.c.deleted.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound(f"User restriction {restriction_id} does not exist")
    return row


def get(db: Database, requester_id: int, restriction_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(_load(conn, requester_id, restriction_id))


def delete(db: Database, requester_id: int, restriction_id: str) -> None:
    """Lift a restriction (kept in the table, marked deleted, for the history)."""
    with db.write() as conn:
        row = _load(conn, requester_id, restriction_id)
        conn.execute(
            user_restrictions.update().where(user_restrictions.c.id == row.id).values(deleted=utcnow())
        )


SPEC = search.SearchSpec(
    exact={
        "scope": (user_restrictions.c.scope, search.enum_list("scope", SCOPES)),
        "user_id": (user_restrictions.c.worker_id, search.id_param("user_id")),
        "project_id": (user_restrictions.c.project_id, search.id_param("project_id")),
        "pool_id": (user_restrictions.c.pool_id, search.id_param("pool_id")),
    },
    id_ranges={"id": user_restrictions.c.id},
    time_ranges={"created": user_restrictions.c.created},
    sort={"id": user_restrictions.c.id, "created": user_restrictions.c.created},
    max_limit=500,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    query = sa.select(user_restrictions).where(
        user_restrictions.c.requester_id == requester_id, user_restrictions.c.deleted.is_(None)
    )
    with db.read() as conn:
        return search.run(conn, query, SPEC, params, view)
