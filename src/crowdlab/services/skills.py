"""Skills (a requester's named scores for workers) and user skills (a worker's value of a skill)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import search
from crowdlab.services.restrictions import worker_exists
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import skills, user_skills

DOC_FIELDS = (
    "private_comment",
    "hidden",
    "skill_ttl_hours",
    "training",
    "public_name",
    "public_requester_description",
)


def view(row: Any) -> dict[str, Any]:
    """The Skill object on the wire."""
    return {
        **row.doc,
        "id": format_id(row.id),
        "name": row.name,
        "created": format_dt(row.created),
        "owner": {"id": format_id(row.requester_id), "myself": True},
    }


def _clean(body: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise field_error("name", "VALUE_REQUIRED", "A skill needs a name")
    errors: dict[str, FieldError] = {}
    for key in ("hidden", "training"):
        if key in body and body[key] is not None and not isinstance(body[key], bool):
            errors[key] = FieldError("BOOLEAN_EXPECTED", f"{key} must be true or false")
    ttl = body.get("skill_ttl_hours")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        errors["skill_ttl_hours"] = FieldError(
            "VALUE_OUT_OF_BOUNDS", "skill_ttl_hours must be a positive integer"
        )
    if errors:
        raise ValidationFailed(errors)
    return name.strip(), {k: body[k] for k in DOC_FIELDS if body.get(k) is not None}


def load(conn: Connection, requester_id: int, skill_id: Any) -> Any:
    row = conn.execute(
        sa.select(skills).where(skills.c.id == parse_id(str(skill_id)), skills.c.requester_id == requester_id)
    ).first()
    if row is None:
        raise NotFound(f"Skill {skill_id} does not exist")
    return row


def create(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    name, doc = _clean(body)
    with db.write() as conn:
        new_id = inserted_id(
            conn.execute(
                skills.insert().values(requester_id=requester_id, name=name, doc=doc, created=utcnow())
            )
        )
        return view(load(conn, requester_id, format_id(new_id)))


def get(db: Database, requester_id: int, skill_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(load(conn, requester_id, skill_id))


def update(db: Database, requester_id: int, skill_id: str, body: Any) -> dict[str, Any]:
    name, doc = _clean(body)
    with db.write() as conn:
        row = load(conn, requester_id, skill_id)
        conn.execute(skills.update().where(skills.c.id == row.id).values(name=name, doc=doc))
        return view(load(conn, requester_id, skill_id))


SPEC = search.SearchSpec(
    exact={"name": (skills.c.name, lambda s: s)},
    id_ranges={"id": skills.c.id},
    time_ranges={"created": skills.c.created},
    sort={"id": skills.c.id, "created": skills.c.created},
    max_limit=100,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    with db.read() as conn:
        return search.run(
            conn, sa.select(skills).where(skills.c.requester_id == requester_id), SPEC, params, view
        )


# User skills ------------------------------------------------------------------------------------


def user_skill_view(row: Any) -> dict[str, Any]:
    """The UserSkill object on the wire: value rounded, exact_value as given."""
    return {
        "id": format_id(row.id),
        "skill_id": format_id(row.skill_id),
        "user_id": format_id(row.worker_id),
        "value": round(row.exact_value),
        "exact_value": row.exact_value,
        "created": format_dt(row.created),
        "modified": format_dt(row.modified),
    }


def set_value(conn: Connection, skill_id: int, worker_id: int, value: float) -> int:
    """Give a worker a skill value (update in place when they have it already); returns the row id."""
    now = utcnow()
    existing = conn.execute(
        sa.select(user_skills.c.id).where(
            user_skills.c.skill_id == skill_id,
            user_skills.c.worker_id == worker_id,
            user_skills.c.deleted.is_(None),
        )
    ).scalar()
    if existing is not None:
        conn.execute(
            user_skills.update().where(user_skills.c.id == existing).values(exact_value=value, modified=now)
        )
        return int(existing)
    return inserted_id(
        conn.execute(
            user_skills.insert().values(
                skill_id=skill_id, worker_id=worker_id, exact_value=value, created=now, modified=now
            )
        )
    )


def set_user_skill(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """PUT /user-skills ``{skill_id, user_id, value}`` (0-100)."""
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    value = body.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise field_error("value", "VALUE_OUT_OF_BOUNDS", "value must be a number from 0 to 100")
    with db.write() as conn:
        try:
            skill = load(conn, requester_id, body.get("skill_id"))
        except NotFound:
            raise field_error(
                "skill_id", "ENTITY_DOES_NOT_EXIST", f"Skill {body.get('skill_id')} does not exist"
            ) from None
        worker_id = worker_exists(conn, body.get("user_id"))
        if worker_id is None:
            raise field_error(
                "user_id", "ENTITY_DOES_NOT_EXIST", f"User {body.get('user_id')} does not exist"
            )
        row_id = set_value(conn, skill.id, worker_id, float(value))
        return user_skill_view(conn.execute(sa.select(user_skills).where(user_skills.c.id == row_id)).one())


def _load_user_skill(conn: Connection, requester_id: int, user_skill_id: str) -> Any:
    row = conn.execute(
        sa.select(*user_skills.c)
        .join(skills, skills.c.id == user_skills.c.skill_id)
        .where(
            user_skills.c.id == parse_id(user_skill_id),
            skills.c.requester_id == requester_id,
            user_skills.c.deleted.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound(f"User skill {user_skill_id} does not exist")
    return row


def get_user_skill(db: Database, requester_id: int, user_skill_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return user_skill_view(_load_user_skill(conn, requester_id, user_skill_id))


def delete_user_skill(db: Database, requester_id: int, user_skill_id: str) -> None:
    with db.write() as conn:
        row = _load_user_skill(conn, requester_id, user_skill_id)
        conn.execute(user_skills.update().where(user_skills.c.id == row.id).values(deleted=utcnow()))


USER_SKILL_SPEC = search.SearchSpec(
    exact={
        "user_id": (user_skills.c.worker_id, search.id_param("user_id")),
        "skill_id": (user_skills.c.skill_id, search.id_param("skill_id")),
    },
    id_ranges={"id": user_skills.c.id},
    time_ranges={"created": user_skills.c.created, "modified": user_skills.c.modified},
    sort={"id": user_skills.c.id, "created": user_skills.c.created, "modified": user_skills.c.modified},
    max_limit=1000,
)


def find_user_skills(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    query = (
        sa.select(*user_skills.c)
        .join(skills, skills.c.id == user_skills.c.skill_id)
        .where(skills.c.requester_id == requester_id, user_skills.c.deleted.is_(None))
    )
    with db.read() as conn:
        return search.run(conn, query, USER_SKILL_SPEC, params, user_skill_view)


def for_worker(db: Database, worker_id: int) -> list[dict[str, Any]]:
    """A worker's visible skills (hidden skills are not shown to the worker)."""
    with db.read() as conn:
        rows = conn.execute(
            sa.select(skills.c.name, skills.c.doc, user_skills.c.exact_value)
            .join(skills, skills.c.id == user_skills.c.skill_id)
            .where(user_skills.c.worker_id == worker_id, user_skills.c.deleted.is_(None))
            .order_by(skills.c.name)
        ).all()
    return [
        {"skill": (r.doc.get("public_name") or {}).get("EN") or r.name, "value": round(r.exact_value)}
        for r in rows
        if not r.doc.get("hidden")
    ]
