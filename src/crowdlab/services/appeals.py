"""Appeals: a worker disputes a rejected assignment; the requester accepts the work or declines.

An appeal is a message thread from the worker to the requester (in the requester's INBOX and UNREAD,
with ``meta`` naming the assignment, pool and project) plus an appeal record. An assignment can be
appealed once. The appeal is resolved when the requester accepts the assignment (the review code calls
``resolve_for_assignment`` in its transaction) or explicitly through ``resolve``; either way the
worker gets an automatic note in the thread.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import Conflict, NotFound, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.services import messages, search
from crowdlab.services.accounts import Worker
from crowdlab.storage.db import Database, retry_transient
from crowdlab.storage.tables import assignments, pools
from crowdlab.storage.tables_messages import appeals

STATUSES = ("OPEN", "RESOLVED")
OUTCOMES = ("ACCEPTED", "DECLINED")
MAX_MESSAGE = 5000
_NOTES = {
    "ACCEPTED": "Your appeal was upheld: the assignment is now accepted.",
    "DECLINED": "Your appeal was reviewed and closed: the rejection stands.",
}


def _text(body: Any, name: str, *, required: bool) -> str | None:
    if not isinstance(body, dict):
        if body is None and not required:
            return None
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise field_error(
            name, "VALUE_REQUIRED" if value is None else "STRING_EXPECTED", f"{name} must be text"
        )
    if not value.strip():
        if not required:
            return None
        raise field_error(name, "BLANK_STRING_NOT_ALLOWED", f"{name} must not be blank")
    if len(value) > MAX_MESSAGE:
        raise field_error(
            name, "STRING_LENGTH_GREATER_THAN_MAX", f"{name} is longer than {MAX_MESSAGE} characters"
        )
    return value.strip()


def view(row: Any) -> dict[str, Any]:
    """An appeal on the wire (our extension of the Toloka API)."""
    out: dict[str, Any] = {
        "id": format_id(row.id),
        "assignment_id": format_id(row.assignment_id),
        "pool_id": format_id(row.pool_id),
        "user_id": format_id(row.worker_id),
        "thread_id": format_id(row.thread_id),
        "status": row.status,
        "message": row.message,
        "created": format_dt(row.created),
    }
    if row.resolved is not None:
        out.update(resolved=format_dt(row.resolved), outcome=row.outcome)
    if row.comment:
        out["comment"] = row.comment
    return out


@retry_transient
def open_appeal(db: Database, worker: Worker, assignment_id: str, body: Any) -> dict[str, Any]:
    """The worker appeals their own REJECTED assignment; returns ``{id, status: OPEN, thread_id, ...}``."""
    message = _text(body, "message", required=True)
    assert message is not None
    language = next(iter(worker.profile.get("languages") or []), "EN")
    try:
        with db.write() as conn:
            row = conn.execute(
                sa.select(assignments).where(
                    assignments.c.id == parse_id(assignment_id), assignments.c.worker_id == worker.id
                )
            ).first()
            if row is None:
                raise NotFound(f"Assignment {assignment_id} does not exist")
            if conn.execute(sa.select(appeals.c.id).where(appeals.c.assignment_id == row.id)).first():
                raise Conflict("This assignment has already been appealed")
            if row.status != "REJECTED":
                raise Conflict(
                    f"Only a rejected assignment can be appealed; this one is {row.status.lower()}",
                    code="INAPPROPRIATE_STATUS",
                )
            project_id = conn.execute(
                sa.select(pools.c.project_id).where(pools.c.id == row.pool_id)
            ).scalar_one()
            now = utcnow()
            wire_id = format_id(row.id)
            thread_id = messages.open_thread(
                conn,
                requester_id=row.requester_id,
                topic={"EN": f"Appeal: assignment {wire_id}"},
                answerable=True,
                started_by="USER",
                meta={
                    "pool_id": format_id(row.pool_id),
                    "project_id": format_id(project_id),
                    "assignment_id": wire_id,
                },
                now=now,
            )
            messages.add_members(conn, thread_id, "REQUESTER", [row.requester_id], ["INBOX", "UNREAD"], now)
            messages.add_members(conn, thread_id, "USER", [worker.id], ["OUTBOX"], now)
            messages.post(conn, thread_id, "USER", worker.id, {language: message}, now)
            messages.mark_read(conn, thread_id, "USER", worker.id)
            conn.execute(
                appeals.insert().values(
                    assignment_id=row.id,
                    requester_id=row.requester_id,
                    worker_id=worker.id,
                    pool_id=row.pool_id,
                    thread_id=thread_id,
                    status="OPEN",
                    message=message,
                    created=now,
                )
            )
            return view(conn.execute(sa.select(appeals).where(appeals.c.assignment_id == row.id)).one())
    except IntegrityError:  # the same appeal sent twice at once: the unique assignment_id decides
        raise Conflict("This assignment has already been appealed") from None


def get_own(db: Database, worker: Worker, assignment_id: str) -> dict[str, Any]:
    """The appeal of one of the worker's assignments."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(appeals).where(
                appeals.c.assignment_id == parse_id(assignment_id), appeals.c.worker_id == worker.id
            )
        ).first()
    if row is None:
        raise NotFound(f"Assignment {assignment_id} has no appeal")
    return view(row)


def resolve_for_assignment(
    conn: Connection, assignment_id: int | str, outcome: str, comment: str | None = None
) -> bool:
    """Resolve the OPEN appeal of an assignment, if there is one, inside the caller's transaction.

    ``outcome`` is ACCEPTED (the requester accepted the assignment) or DECLINED. The worker gets an
    automatic note in the appeal thread. Returns whether an appeal was resolved.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    number = assignment_id if isinstance(assignment_id, int) else parse_id(assignment_id)
    row = conn.execute(
        sa.select(appeals).where(appeals.c.assignment_id == number, appeals.c.status == "OPEN")
    ).first()
    if row is None:
        return False
    now = utcnow()
    changed = conn.execute(
        appeals.update()
        .where(appeals.c.id == row.id, appeals.c.status == "OPEN")
        .values(status="RESOLVED", outcome=outcome, comment=comment, resolved=now)
    )
    if changed.rowcount != 1:
        return False
    messages.post(conn, row.thread_id, "SYSTEM", None, {"EN": _NOTES[outcome]}, now)
    messages.tag(conn, row.thread_id, "USER", ["INBOX", "UNREAD", "AUTOMATIC_NOTIFICATION"], row.worker_id)
    return True


def _load(conn: Connection, requester_id: int, appeal_id: str) -> Any:
    row = conn.execute(
        sa.select(appeals).where(appeals.c.id == parse_id(appeal_id), appeals.c.requester_id == requester_id)
    ).first()
    if row is None:
        raise NotFound(f"Appeal {appeal_id} does not exist")
    return row


def get(db: Database, requester_id: int, appeal_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(_load(conn, requester_id, appeal_id))


@retry_transient
def resolve(db: Database, requester_id: int, appeal_id: str, body: Any) -> dict[str, Any]:
    """The requester closes an OPEN appeal; the comment, if any, goes to the worker in the thread.

    The outcome is ACCEPTED when the assignment has been accepted meanwhile, else DECLINED.
    """
    comment = _text(body, "comment", required=False)
    with db.write() as conn:
        row = _load(conn, requester_id, appeal_id)
        if row.status != "OPEN":
            raise Conflict(f"Appeal {appeal_id} is already resolved")
        status = conn.execute(
            sa.select(assignments.c.status).where(assignments.c.id == row.assignment_id)
        ).scalar_one()
        if comment:
            messages.post(conn, row.thread_id, "REQUESTER", requester_id, {"EN": comment}, utcnow())
            messages.tag(conn, row.thread_id, "REQUESTER", ["OUTBOX"], requester_id)
            messages.mark_read(conn, row.thread_id, "REQUESTER", requester_id)
        resolve_for_assignment(
            conn, row.assignment_id, "ACCEPTED" if status == "ACCEPTED" else "DECLINED", comment
        )
        return view(_load(conn, requester_id, appeal_id))


SPEC = search.SearchSpec(
    exact={
        "status": (appeals.c.status, search.enum_list("status", STATUSES)),
        "pool_id": (appeals.c.pool_id, search.id_param("pool_id")),
        "assignment_id": (appeals.c.assignment_id, search.id_param("assignment_id")),
        "user_id": (appeals.c.worker_id, search.id_param("user_id")),
    },
    id_ranges={"id": appeals.c.id},
    time_ranges={"created": appeals.c.created, "resolved": appeals.c.resolved},
    sort={"id": appeals.c.id, "created": appeals.c.created, "resolved": appeals.c.resolved},
    default_limit=50,
    max_limit=300,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    """The requester's appeals: ``pool_id``, ``status`` (OPEN/RESOLVED), ids, dates; ``{items, has_more}``."""
    with db.read() as conn:
        query = sa.select(appeals).where(appeals.c.requester_id == requester_id)
        return search.run(conn, query, SPEC, params, view)
