"""Projects: create, read, replace, search, archive."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import Conflict, NotFound, ValidationFailed
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.project_spec import clean_project
from crowdlab.services import operations, search
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import pools, projects

STATUSES = ("ACTIVE", "ARCHIVED")


def view(row: Any) -> dict[str, Any]:
    """The Project object on the wire."""
    return {**row.doc, "id": format_id(row.id), "status": row.status, "created": format_dt(row.created)}


def load(conn: Connection, requester_id: int, project_id: str | int | None, *, lock: bool = False) -> Any:
    """A project row of this requester; NotFound for anyone else's or unknown ids."""
    number = project_id if isinstance(project_id, int) else parse_id(project_id)
    query = sa.select(projects).where(projects.c.id == number, projects.c.requester_id == requester_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"Project {project_id} does not exist")
    return row


def task_spec_of(conn: Connection, project_id: int) -> dict[str, Any]:
    """A project's task_spec (input_spec, output_spec, view_spec); ``{}`` when it has none."""
    doc = conn.execute(sa.select(projects.c.doc).where(projects.c.id == project_id)).scalar_one()
    return doc.get("task_spec") or {}


def create(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """Create an ACTIVE project from a Project body (read-only and unknown keys are ignored)."""
    doc, errors = clean_project(body)
    if errors:
        raise ValidationFailed(errors)
    with db.write() as conn:
        project_id = inserted_id(
            conn.execute(
                projects.insert().values(
                    requester_id=requester_id, status="ACTIVE", doc=doc, created=utcnow()
                )
            )
        )
        return view(load(conn, requester_id, project_id))


def get(db: Database, requester_id: int, project_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(load(conn, requester_id, project_id))


def update(db: Database, requester_id: int, project_id: str, body: Any) -> dict[str, Any]:
    """Replace a project's writable fields (the id comes from the path, never the body)."""
    doc, errors = clean_project(body)
    if errors:
        raise ValidationFailed(errors)
    with db.write() as conn:
        row = load(conn, requester_id, project_id, lock=True)
        if row.status == "ARCHIVED":
            raise Conflict(f"Project {project_id} is archived", code="PROJECT_INAPPROPRIATE_STATUS")
        conn.execute(projects.update().where(projects.c.id == row.id).values(doc=doc))
        return view(load(conn, requester_id, row.id))


def archive(db: Database, requester_id: int, project_id: str) -> dict[str, Any]:
    """Archive a project whose pools are all archived; returns the PROJECT.ARCHIVE operation."""
    with db.write() as conn:
        row = load(conn, requester_id, project_id, lock=True)
        live = conn.execute(
            sa.select(sa.func.count())
            .select_from(pools)
            .where(pools.c.project_id == row.id, pools.c.status != "ARCHIVED")
        ).scalar_one()
        if live:
            raise Conflict(
                f"Project {project_id} has {live} pool(s) that are not archived; archive them first",
                code="UNARCHIVED_POOLS_CONFLICT",
            )
        conn.execute(projects.update().where(projects.c.id == row.id).values(status="ARCHIVED"))
        return operations.record(conn, requester_id, "PROJECT.ARCHIVE", {"project_id": format_id(row.id)})


SPEC = search.SearchSpec(
    exact={"status": (projects.c.status, search.enum_list("status", STATUSES))},
    id_ranges={"id": projects.c.id},
    time_ranges={"created": projects.c.created},
    sort={
        "id": projects.c.id,
        "created": projects.c.created,
        "public_name": projects.c.doc["public_name"].as_string(),
        "private_comment": projects.c.doc["private_comment"].as_string(),
    },
    default_limit=20,
    max_limit=300,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    with db.read() as conn:
        query = sa.select(projects).where(projects.c.requester_id == requester_id)
        return search.run(conn, query, SPEC, params, view)


def check_change(db: Database, requester_id: int, project_id: str, body: Any) -> dict[str, str]:
    """How a proposed project differs from the stored one (``/api/staging/projects/{id}/check``):
    BREAKING_CHANGE when the input or output spec would change (existing tasks and answers may no
    longer fit), NON_BREAKING_CHANGE for any other difference, else EQUAL."""
    doc, errors = clean_project(body)
    if errors:
        raise ValidationFailed(errors)
    with db.read() as conn:
        current = load(conn, requester_id, project_id).doc
    if doc == current:
        return {"differenceLevel": "EQUAL"}
    specs = ("input_spec", "output_spec")
    old_spec, new_spec = current.get("task_spec") or {}, doc.get("task_spec") or {}
    breaking = any(old_spec.get(key) != new_spec.get(key) for key in specs)
    return {"differenceLevel": "BREAKING_CHANGE" if breaking else "NON_BREAKING_CHANGE"}
