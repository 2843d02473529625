"""Files workers upload as task output (field.file, field.media-file, field.audio), and the requester's
view of them (toloka-kit ``find_attachments`` / ``get_attachment`` / ``download_attachment``).

The bytes live in the database (table ``attachment_contents``), next to their metadata: an upload is
durable as soon as it is acknowledged, and every stateless server process behind a load balancer sees
the same files without a shared disk. A file is at most ``MAX_BYTES``; the HTTP layer refuses larger
bodies while streaming, before reading them whole. A worker attaches only to their own ACTIVE
assignment; only the requester who owns that assignment may list or download the file.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import Conflict, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import search
from crowdlab.services.accounts import Worker
from crowdlab.storage.db import Database, inserted_id, retry_transient
from crowdlab.storage.tables import assignments
from crowdlab.storage.tables_messages import attachment_contents, attachments

MAX_BYTES = 20 * 1024 * 1024
MAX_PER_ASSIGNMENT = 100
TYPES = ("ASSIGNMENT_ATTACHMENT",)
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


class FileTooLarge(ValidationFailed):
    """The upload is over the size limit (HTTP 413, the payload names the ``file`` field)."""

    status = 413

    def __init__(self) -> None:
        super().__init__(
            {
                "file": FieldError(
                    "OBJECT_SIZE_BYTES_GREATER_THAN_MAX",
                    f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB",
                )
            }
        )


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the HTTP layer received it."""

    name: str
    media_type: str
    data: bytes


def clean_name(name: str | None) -> str:
    """A file name safe to store and to send back: no directories, no control characters, <= 255."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return base[:255] or "file"


def clean_media_type(media_type: str | None, name: str) -> str:
    """The declared MIME type without parameters, else a guess from the name, else octet-stream."""
    declared = (media_type or "").split(";", 1)[0].strip().lower()
    if _MEDIA_TYPE.match(declared) and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(name, strict=False)[0]
    return guessed or "application/octet-stream"


def _own_active(conn: Connection, worker: Worker, assignment_id: str) -> Any:
    row = conn.execute(
        sa.select(assignments).where(
            assignments.c.id == parse_id(assignment_id), assignments.c.worker_id == worker.id
        )
    ).first()
    if row is None:
        raise NotFound(f"Assignment {assignment_id} does not exist")
    if row.status != "ACTIVE" or row.expires <= utcnow():
        status = row.status.lower() if row.status != "ACTIVE" else "out of time"
        raise Conflict(
            f"Files can only be attached to an active assignment; this one is {status}",
            code="INAPPROPRIATE_STATUS",
        )
    return row


def check_can_attach(db: Database, worker: Worker, assignment_id: str) -> None:
    """Refuse early (before the body is read) when the worker may not attach to this assignment."""
    with db.read() as conn:
        _own_active(conn, worker, assignment_id)


@retry_transient
def save(db: Database, worker: Worker, assignment_id: str, upload: Upload) -> dict[str, Any]:
    """Store a file for the worker's own ACTIVE assignment; returns ``{id, name, media_type, size}``."""
    if len(upload.data) > MAX_BYTES:
        raise FileTooLarge()
    if not upload.data:
        raise field_error("file", "VALUE_REQUIRED", "The file is empty")
    name = clean_name(upload.name)
    media_type = clean_media_type(upload.media_type, name)
    digest = hashlib.sha256(upload.data).hexdigest()
    with db.write() as conn:
        row = _own_active(conn, worker, assignment_id)
        count = conn.execute(
            sa.select(sa.func.count()).select_from(attachments).where(attachments.c.assignment_id == row.id)
        ).scalar_one()
        if count >= MAX_PER_ASSIGNMENT:
            raise Conflict(
                f"An assignment holds at most {MAX_PER_ASSIGNMENT} files", code="UNABLE_TO_UPLOAD_FILE"
            )
        attachment_id = inserted_id(
            conn.execute(
                attachments.insert().values(
                    requester_id=row.requester_id,
                    worker_id=worker.id,
                    assignment_id=row.id,
                    pool_id=row.pool_id,
                    name=name,
                    media_type=media_type,
                    size=len(upload.data),
                    sha256=digest,
                    created=utcnow(),
                )
            )
        )
        conn.execute(attachment_contents.insert().values(attachment_id=attachment_id, content=upload.data))
    return {"id": format_id(attachment_id), "name": name, "media_type": media_type, "size": len(upload.data)}


def unknown_for_assignment(conn: Connection, assignment_id: int, ids: Iterable[str]) -> list[str]:
    """Of the given attachment ids, those that were not uploaded to this assignment (for checking that a
    solution's file values point at the worker's own uploads)."""
    wanted = {i: parse_id(i) for i in ids}
    numbers = [n for n in wanted.values() if n is not None]
    found = (
        set(
            conn.execute(
                sa.select(attachments.c.id).where(
                    attachments.c.assignment_id == assignment_id, attachments.c.id.in_(numbers)
                )
            ).scalars()
        )
        if numbers
        else set()
    )
    return [text for text, number in wanted.items() if number not in found]


def view(row: Any) -> dict[str, Any]:
    """The Attachment object on the wire (``attachment_type`` is required by toloka-kit)."""
    owner = format_id(row.requester_id)
    return {
        "id": format_id(row.id),
        "attachment_type": "ASSIGNMENT_ATTACHMENT",
        "name": row.name,
        "details": {
            "user_id": format_id(row.worker_id),
            "assignment_id": format_id(row.assignment_id),
            "pool_id": format_id(row.pool_id),
        },
        "created": format_dt(row.created),
        "media_type": row.media_type,
        "size": row.size,
        "owner": {"id": owner, "myself": True, "company_id": owner},
    }


def _load(conn: Connection, requester_id: int, attachment_id: str) -> Any:
    row = conn.execute(
        sa.select(attachments).where(
            attachments.c.id == parse_id(attachment_id), attachments.c.requester_id == requester_id
        )
    ).first()
    if row is None:
        raise NotFound(f"Attachment {attachment_id} does not exist")
    return row


def get(db: Database, requester_id: int, attachment_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(_load(conn, requester_id, attachment_id))


def download(db: Database, requester_id: int, attachment_id: str) -> tuple[dict[str, Any], bytes]:
    """The attachment and its bytes, for its owner only."""
    with db.read() as conn:
        row = _load(conn, requester_id, attachment_id)
        content = conn.execute(
            sa.select(attachment_contents.c.content).where(attachment_contents.c.attachment_id == row.id)
        ).scalar_one()
        return view(row), bytes(content)


def _owner_filter(requester_id: int) -> Any:
    def convert(text: str) -> int:
        # Only one's own attachments are ever visible; another owner's id matches nothing.
        return requester_id if parse_id(text) == requester_id else -1

    return convert


def _spec(requester_id: int) -> search.SearchSpec:
    return search.SearchSpec(
        exact={
            "name": (attachments.c.name, str),
            "user_id": (attachments.c.worker_id, search.id_param("user_id")),
            "assignment_id": (attachments.c.assignment_id, search.id_param("assignment_id")),
            "pool_id": (attachments.c.pool_id, search.id_param("pool_id")),
            "owner_id": (attachments.c.requester_id, _owner_filter(requester_id)),
            "owner_company_id": (attachments.c.requester_id, _owner_filter(requester_id)),
        },
        id_ranges={"id": attachments.c.id},
        time_ranges={"created": attachments.c.created},
        sort={"id": attachments.c.id, "created": attachments.c.created},
        default_limit=50,
        max_limit=100,
    )


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    """Search the requester's attachments with Toloka's filters (``type`` accepts ASSIGNMENT_ATTACHMENT)."""
    if params.get("type"):
        search.enum_list("type", TYPES)(params["type"])  # every attachment is of the one known type
    query = sa.select(attachments).where(attachments.c.requester_id == requester_id)
    with db.read() as conn:
        return search.run(conn, query, _spec(requester_id), params, view)
