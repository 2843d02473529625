"""Message threads between a requester and workers: compose, reply, folders, and the worker's inbox.

A thread belongs to one requester; its parties are members (the requester and one or more workers),
each with their own folders (INBOX, OUTBOX, AUTOMATIC_NOTIFICATION, IMPORTANT, UNREAD) and read mark.
Recipients are only ever chosen among workers who have had an assignment from this requester, so a
requester can neither message nor enumerate the rest of the platform's workers. When a worker answers
a thread that was sent to several workers, the answer opens a child thread between the requester and
that worker alone (as Toloka does), so workers never see one another's replies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from crowdlab.domain import filters
from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import Conflict, NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.profile import filter_attributes
from crowdlab.domain.specs import FieldError
from crowdlab.services import search
from crowdlab.services.accounts import Worker
from crowdlab.storage.db import Database, inserted_id, retry_transient
from crowdlab.storage.tables import assignments, requesters, skills, user_skills, workers
from crowdlab.storage.tables_messages import message_folders, message_members, message_threads, messages

FOLDERS = ("INBOX", "OUTBOX", "AUTOMATIC_NOTIFICATION", "IMPORTANT", "UNREAD")
SELECT_TYPES = ("DIRECT", "FILTER", "ALL")
MAX_TOPIC = 500
MAX_TEXT = 20_000
MAX_LANGUAGES = 20
MAX_DIRECT = 10_000
# Threads sent to more workers than this list only the requester in ``interlocutors``.
INLINE_INTERLOCUTORS = 100
_LANGUAGE = re.compile(r"^[A-Z]{2,3}(-[A-Z0-9]{2,8})?$")
_CHUNK = 500


# ---------------------------------------------------------------------------------------------
# Input


def clean_texts(value: Any, path: str, max_length: int, errors: dict[str, FieldError]) -> dict[str, str]:
    """A ``{language: text}`` object (topic or text); problems are added to ``errors`` by path."""
    if value is None:
        errors[path] = FieldError("VALUE_REQUIRED", f'{path} is required, e.g. {{"EN": "..."}}')
        return {}
    if not isinstance(value, dict):
        errors[path] = FieldError(
            "OBJECT_EXPECTED", f'{path} must map languages to text, e.g. {{"EN": "..."}}'
        )
        return {}
    if not value:
        errors[path] = FieldError(
            "EMPTY_OBJECT_NOT_ALLOWED", f"{path} needs the text in at least one language"
        )
        return {}
    if len(value) > MAX_LANGUAGES:
        errors[path] = FieldError("OBJECT_SIZE_BYTES_GREATER_THAN_MAX", f"At most {MAX_LANGUAGES} languages")
        return {}
    clean: dict[str, str] = {}
    for language, text in value.items():
        key = language.strip().upper()
        where = f"{path}.{language}"
        if not _LANGUAGE.match(key):
            errors[where] = FieldError("INVALID_VALUE", f"{language!r} is not a language code such as EN")
        elif not isinstance(text, str):
            errors[where] = FieldError("STRING_EXPECTED", "The text must be a string")
        elif not text.strip():
            errors[where] = FieldError("BLANK_STRING_NOT_ALLOWED", "The text must not be blank")
        elif len(text) > max_length:
            errors[where] = FieldError(
                "STRING_LENGTH_GREATER_THAN_MAX", f"The text is longer than {max_length} characters"
            )
        else:
            clean[key] = text
    return clean


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise field_error("", "OBJECT_EXPECTED", "The body must be a JSON object")
    return body


@dataclass(frozen=True)
class Compose:
    """A validated compose request."""

    select_type: str
    topic: dict[str, str]
    text: dict[str, str]
    answerable: bool
    recipients_ids: list[str]
    recipients_filter: Any


def parse_compose(body: Any) -> Compose:
    """Validate a MessageThreadCompose body; ValidationFailed names every bad field."""
    body = _body(body)
    errors: dict[str, FieldError] = {}
    select_type = body.get("recipients_select_type")
    if select_type not in SELECT_TYPES:
        errors["recipients_select_type"] = FieldError(
            "VALUE_REQUIRED" if select_type is None else "UNKNOWN_ENUM_VALUE",
            f"recipients_select_type must be one of {', '.join(SELECT_TYPES)}",
        )
    topic = clean_texts(body.get("topic"), "topic", MAX_TOPIC, errors)
    text = clean_texts(body.get("text"), "text", MAX_TEXT, errors)
    answerable = body.get("answerable")
    if answerable is None:
        answerable = False
    elif not isinstance(answerable, bool):
        errors["answerable"] = FieldError("BOOLEAN_EXPECTED", "answerable must be true or false")
    ids: list[str] = []
    if select_type == "DIRECT":
        raw = body.get("recipients_ids")
        if not isinstance(raw, list) or not raw:
            errors["recipients_ids"] = FieldError(
                "VALUE_REQUIRED", "DIRECT messages need recipients_ids: a non-empty list of worker ids"
            )
        elif len(raw) > MAX_DIRECT:
            errors["recipients_ids"] = FieldError(
                "ARRAY_SIZE_GREATER_THAN_MAX", f"At most {MAX_DIRECT} recipients per message"
            )
        else:
            for i, item in enumerate(raw):
                if isinstance(item, bool) or not isinstance(item, str | int):
                    errors[f"recipients_ids.{i}"] = FieldError("STRING_EXPECTED", "A worker id is a string")
                else:
                    ids.append(str(item))
    tree = body.get("recipients_filter")
    if select_type == "FILTER":
        if not tree:
            errors["recipients_filter"] = FieldError(
                "VALUE_REQUIRED", "FILTER messages need recipients_filter"
            )
        else:
            errors.update(filters.validate_filter(tree, "recipients_filter"))
    if errors:
        raise ValidationFailed(errors)
    return Compose(str(select_type), topic, text, bool(answerable), ids, tree)


def parse_folders(body: Any) -> list[str]:
    """The ``folders`` list of an add-to-folders / remove-from-folders body."""
    folders = _body(body).get("folders")
    if not isinstance(folders, list) or not folders:
        raise field_error(
            "folders", "VALUE_REQUIRED", f"folders must be a non-empty list of {', '.join(FOLDERS)}"
        )
    for i, folder in enumerate(folders):
        if folder not in FOLDERS:
            raise field_error(
                f"folders.{i}", "UNKNOWN_ENUM_VALUE", f"{folder!r} is not one of {', '.join(FOLDERS)}"
            )
    return list(dict.fromkeys(folders))


def worker_text(value: Any, language: str) -> dict[str, str]:
    """A worker's message: plain text (stored under their language) or a ``{language: text}`` object."""
    errors: dict[str, FieldError] = {}
    if isinstance(value, str):
        value = {language: value}
    clean = clean_texts(value, "text", MAX_TEXT, errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


# ---------------------------------------------------------------------------------------------
# Storage steps shared with appeals (they run inside the caller's transaction)


def open_thread(
    conn: Connection,
    *,
    requester_id: int,
    topic: dict[str, str],
    answerable: bool,
    started_by: str,
    now: datetime,
    compose_details: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
    parent_id: int | None = None,
) -> int:
    """Insert a thread row; returns its key. Members and messages are added separately."""
    return inserted_id(
        conn.execute(
            message_threads.insert().values(
                requester_id=requester_id,
                parent_id=parent_id,
                topic=topic,
                answerable=answerable,
                started_by=started_by,
                compose_details=compose_details,
                meta=meta,
                created=now,
            )
        )
    )


def add_members(
    conn: Connection,
    thread_id: int,
    role: str,
    party_ids: Iterable[int],
    folders: Iterable[str],
    now: datetime,
) -> None:
    """Make parties members of a thread, each with the given folders."""
    ids = list(party_ids)
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            message_members.insert(),
            [
                {"thread_id": thread_id, "role": role, "party_id": p, "read_upto": 0, "created": now}
                for p in ids[start : start + _CHUNK]
            ],
        )
    tag(conn, thread_id, role, folders)


def _members(thread_id: int, role: str, party_id: int | None) -> sa.Select:
    query = sa.select(message_members.c.id).where(
        message_members.c.thread_id == thread_id, message_members.c.role == role
    )
    return query if party_id is None else query.where(message_members.c.party_id == party_id)


def tag(
    conn: Connection, thread_id: int, role: str, folders: Iterable[str], party_id: int | None = None
) -> None:
    """Put the thread into folders for its members of a role (or one party of it); idempotent."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for folder in folders:
        members = _members(thread_id, role, party_id).add_columns(sa.literal(folder, sa.String(30)))
        conn.execute(
            insert(message_folders).from_select(["member_id", "folder"], members).on_conflict_do_nothing()
        )


def untag(
    conn: Connection, thread_id: int, role: str, folders: Iterable[str], party_id: int | None = None
) -> None:
    """Take the thread out of folders for its members of a role (or one party of it)."""
    conn.execute(
        message_folders.delete().where(
            message_folders.c.member_id.in_(_members(thread_id, role, party_id)),
            message_folders.c.folder.in_(list(folders)),
        )
    )


def post(
    conn: Connection,
    thread_id: int,
    sender_role: str,
    sender_id: int | None,
    text: dict[str, str],
    now: datetime,
) -> int:
    """Append a message to a thread; returns its key (folders are the caller's business)."""
    return inserted_id(
        conn.execute(
            messages.insert().values(
                thread_id=thread_id, sender_role=sender_role, sender_id=sender_id, text=text, created=now
            )
        )
    )


def mark_read(conn: Connection, thread_id: int, role: str, party_id: int) -> None:
    """Everything in the thread so far counts as read by this party; the thread leaves UNREAD."""
    last = conn.execute(
        sa.select(sa.func.max(messages.c.id)).where(messages.c.thread_id == thread_id)
    ).scalar()
    conn.execute(
        message_members.update()
        .where(
            message_members.c.thread_id == thread_id,
            message_members.c.role == role,
            message_members.c.party_id == party_id,
        )
        .values(read_upto=last or 0)
    )
    untag(conn, thread_id, role, ["UNREAD"], party_id)


# ---------------------------------------------------------------------------------------------
# Recipients


def crowd(requester_id: int) -> sa.Select:
    """Workers who have ever had an assignment from this requester: the only ones it may message."""
    return sa.select(assignments.c.worker_id).where(assignments.c.requester_id == requester_id).distinct()


def _skills_by_worker(conn: Connection, requester_id: int) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for row in conn.execute(
        sa.select(user_skills.c.worker_id, user_skills.c.skill_id, user_skills.c.exact_value)
        .join(skills, skills.c.id == user_skills.c.skill_id)
        .where(skills.c.requester_id == requester_id, user_skills.c.deleted.is_(None))
        .order_by(user_skills.c.modified)
    ):
        out.setdefault(row.worker_id, {})[format_id(row.skill_id)] = row.exact_value
    return out


def _direct_recipients(conn: Connection, requester_id: int, ids: list[str]) -> list[int]:
    numbers = {n for n in (parse_id(i) for i in ids) if n is not None}
    known: set[int] = set()
    wanted = sorted(numbers)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        known.update(
            conn.execute(
                sa.select(assignments.c.worker_id)
                .where(assignments.c.requester_id == requester_id, assignments.c.worker_id.in_(chunk))
                .distinct()
            ).scalars()
        )
    # Unknown ids and workers who never worked for this requester get the same answer.
    errors = {
        f"recipients_ids.{i}": FieldError(
            "ENTITY_DOES_NOT_EXIST", f"No worker {raw!r} has worked on your tasks"
        )
        for i, raw in enumerate(ids)
        if parse_id(raw) not in known
    }
    if errors:
        raise ValidationFailed(errors)
    return sorted(known)


def resolve_recipients(conn: Connection, requester_id: int, compose: Compose) -> list[int]:
    """Worker keys a compose request reaches; DIRECT ids outside the requester's crowd are refused."""
    if compose.select_type == "DIRECT":
        return _direct_recipients(conn, requester_id, compose.recipients_ids)
    rows = conn.execute(
        sa.select(workers.c.id, workers.c.profile)
        .where(workers.c.id.in_(crowd(requester_id)))
        .order_by(workers.c.id)
    ).all()
    if compose.select_type == "FILTER":
        skill_values = _skills_by_worker(conn, requester_id)
        rows = [
            r
            for r in rows
            if filters.matches(
                compose.recipients_filter, filter_attributes(r.profile or {}), skill_values.get(r.id, {})
            )
        ]
    if not rows:
        raise Conflict(
            "No worker who has worked on your tasks matches these recipients", code="INCORRECT_RECIPIENTS"
        )
    return [r.id for r in rows]


# ---------------------------------------------------------------------------------------------
# Requester side


def _load(conn: Connection, requester_id: int, thread_id: str | int) -> Any:
    number = thread_id if isinstance(thread_id, int) else parse_id(thread_id)
    row = conn.execute(
        sa.select(message_threads).where(
            message_threads.c.id == number, message_threads.c.requester_id == requester_id
        )
    ).first()
    if row is None:
        raise NotFound(f"Message thread {thread_id} does not exist")
    return row


def _interlocutor(role: str, party_id: int | None, requester_id: int) -> dict[str, Any]:
    return {
        "id": format_id(party_id or 0),
        "role": role,
        "myself": role == "REQUESTER" and party_id == requester_id,
    }


def thread_views(conn: Connection, requester_id: int, rows: list[Any]) -> list[dict[str, Any]]:
    """MessageThread objects as the requester sees them (a few queries for the whole page)."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    texts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for m in conn.execute(
        sa.select(messages).where(messages.c.thread_id.in_(ids)).order_by(messages.c.id.desc())
    ):
        texts[m.thread_id].append(
            {
                "text": m.text,
                "from": _interlocutor(m.sender_role, m.sender_id, requester_id),
                "created": format_dt(m.created),
            }
        )
    counts: dict[int, int] = {
        thread_id: count
        for thread_id, count in conn.execute(
            sa.select(message_members.c.thread_id, sa.func.count())
            .where(message_members.c.thread_id.in_(ids), message_members.c.role == "USER")
            .group_by(message_members.c.thread_id)
        )
    }
    small = [i for i in ids if counts.get(i, 0) <= INLINE_INTERLOCUTORS]
    people: dict[int, list[int]] = {i: [] for i in ids}
    if small:
        for thread_id, party_id in conn.execute(
            sa.select(message_members.c.thread_id, message_members.c.party_id).where(
                message_members.c.thread_id.in_(small), message_members.c.role == "USER"
            )
        ):
            people[thread_id].append(party_id)
    own_folders: dict[int, set[str]] = {i: set() for i in ids}
    for thread_id, folder in conn.execute(
        sa.select(message_members.c.thread_id, message_folders.c.folder)
        .join(message_folders, message_folders.c.member_id == message_members.c.id)
        .where(
            message_members.c.thread_id.in_(ids),
            message_members.c.role == "REQUESTER",
            message_members.c.party_id == requester_id,
        )
    ):
        own_folders[thread_id].add(folder)
    out = []
    for row in rows:
        interlocutors = [_interlocutor("REQUESTER", requester_id, requester_id)] + [
            _interlocutor("USER", p, requester_id) for p in people[row.id]
        ]
        item: dict[str, Any] = {
            "id": format_id(row.id),
            "topic": row.topic,
            "interlocutors_inlined": counts.get(row.id, 0) <= INLINE_INTERLOCUTORS,
            "interlocutors": sorted(interlocutors, key=lambda x: x["id"]),
            "messages_inlined": True,
            "messages": texts[row.id],
            "answerable": row.answerable,
            "folders": [f for f in FOLDERS if f in own_folders[row.id]],
            "created": format_dt(row.created),
        }
        if row.meta:
            item["meta"] = row.meta
        if row.compose_details:
            item["compose_details"] = row.compose_details
        out.append(item)
    return out


def _view(conn: Connection, requester_id: int, thread_id: int) -> dict[str, Any]:
    return thread_views(conn, requester_id, [_load(conn, requester_id, thread_id)])[0]


@retry_transient
def compose(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """Send a new message to DIRECT ids, to a FILTER of, or to ALL of the requester's workers."""
    request = parse_compose(body)
    details: dict[str, Any] = {"recipients_select_type": request.select_type}
    if request.select_type == "DIRECT":
        details["recipients_ids"] = list(dict.fromkeys(request.recipients_ids))
    elif request.select_type == "FILTER":
        details["recipients_filter"] = request.recipients_filter
    with db.write() as conn:
        recipients = resolve_recipients(conn, requester_id, request)
        now = utcnow()
        thread_id = open_thread(
            conn,
            requester_id=requester_id,
            topic=request.topic,
            answerable=request.answerable,
            started_by="REQUESTER",
            compose_details=details,
            now=now,
        )
        add_members(conn, thread_id, "REQUESTER", [requester_id], ["OUTBOX"], now)
        add_members(conn, thread_id, "USER", recipients, ["INBOX", "UNREAD"], now)
        post(conn, thread_id, "REQUESTER", requester_id, request.text, now)
        mark_read(conn, thread_id, "REQUESTER", requester_id)
        return _view(conn, requester_id, thread_id)


def get(db: Database, requester_id: int, thread_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return thread_views(conn, requester_id, [_load(conn, requester_id, thread_id)])[0]


SPEC = search.SearchSpec(
    id_ranges={"id": message_threads.c.id},
    time_ranges={"created": message_threads.c.created},
    sort={"id": message_threads.c.id, "created": message_threads.c.created},
    default_limit=50,
    max_limit=300,
)


def _folder_list(name: str, text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    for v in values:
        if v not in FOLDERS:
            raise field_error(name, "UNKNOWN_ENUM_VALUE", f"{v!r} is not one of {', '.join(FOLDERS)}")
    return values


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    """Search the requester's threads: ``folder`` (in any of), ``folder_ne`` (in none of), ids, dates."""
    own = (
        sa.select(message_folders.c.folder)
        .join(message_members, message_members.c.id == message_folders.c.member_id)
        .where(
            message_members.c.thread_id == message_threads.c.id,
            message_members.c.role == "REQUESTER",
            message_members.c.party_id == requester_id,
        )
    )
    query = sa.select(message_threads).where(message_threads.c.requester_id == requester_id)
    if params.get("folder"):
        query = query.where(
            sa.exists(own.where(message_folders.c.folder.in_(_folder_list("folder", params["folder"]))))
        )
    if params.get("folder_ne"):
        excluded = _folder_list("folder_ne", params["folder_ne"])
        query = query.where(~sa.exists(own.where(message_folders.c.folder.in_(excluded))))
    with db.read() as conn:
        query, limit = search.apply(query, SPEC, params)
        rows = conn.execute(query).all()
        return {"items": thread_views(conn, requester_id, list(rows[:limit])), "has_more": len(rows) > limit}


@retry_transient
def reply(db: Database, requester_id: int, thread_id: str, body: Any) -> dict[str, Any]:
    """The requester writes in one of its threads; every worker of the thread gets it as unread."""
    errors: dict[str, FieldError] = {}
    text = clean_texts(_body(body).get("text"), "text", MAX_TEXT, errors)
    if errors:
        raise ValidationFailed(errors)
    with db.write() as conn:
        row = _load(conn, requester_id, thread_id)
        post(conn, row.id, "REQUESTER", requester_id, text, utcnow())
        tag(conn, row.id, "REQUESTER", ["OUTBOX"], requester_id)
        mark_read(conn, row.id, "REQUESTER", requester_id)
        tag(conn, row.id, "USER", ["INBOX", "UNREAD"])
        return _view(conn, requester_id, row.id)


@retry_transient
def change_folders(
    db: Database, requester_id: int, thread_id: str, body: Any, *, add: bool
) -> dict[str, Any]:
    """Add the thread to, or remove it from, the requester's own folders (workers' are untouched)."""
    folders = parse_folders(body)
    with db.write() as conn:
        row = _load(conn, requester_id, thread_id)
        (tag if add else untag)(conn, row.id, "REQUESTER", folders, requester_id)
        return _view(conn, requester_id, row.id)


# ---------------------------------------------------------------------------------------------
# Worker side


def _pick(texts: dict[str, str], languages: list[str]) -> str:
    for language in [*languages, "EN"]:
        if language in texts:
            return texts[language]
    return next(iter(texts.values()), "")


def _own_member(conn: Connection, worker: Worker, thread_id: str) -> Any:
    """The worker's membership of a thread (or of the child thread their answer opened)."""
    number = parse_id(thread_id)
    base = sa.select(message_members).where(
        message_members.c.role == "USER", message_members.c.party_id == worker.id
    )
    row = conn.execute(base.where(message_members.c.thread_id == number).with_for_update()).first()
    if row is None:
        children = sa.select(message_threads.c.id).where(message_threads.c.parent_id == number)
        row = conn.execute(base.where(message_members.c.thread_id.in_(children))).first()
    if row is None:
        raise NotFound(f"Message thread {thread_id} does not exist")
    return row


def _inbox_query(worker: Worker) -> sa.Select:
    member = sa.and_(
        message_members.c.thread_id == messages.c.thread_id,
        message_members.c.role == "USER",
        message_members.c.party_id == worker.id,
    )
    return (
        sa.select(
            messages,
            message_threads.c.topic,
            message_threads.c.answerable,
            message_members.c.read_upto,
            requesters.c.name.label("requester_name"),
        )
        .select_from(
            messages.join(message_members, member)
            .join(message_threads, message_threads.c.id == messages.c.thread_id)
            .join(requesters, requesters.c.id == message_threads.c.requester_id)
        )
        .where(sa.or_(messages.c.sender_role != "USER", messages.c.sender_id == worker.id))
    )


def _worker_item(row: Any, worker: Worker) -> dict[str, Any]:
    languages = list(worker.profile.get("languages") or [])
    mine = row.sender_role == "USER" and row.sender_id == worker.id
    sender = {"REQUESTER": row.requester_name, "USER": worker.name}.get(row.sender_role, "crowdlab")
    return {
        "id": format_id(row.id),
        "thread_id": format_id(row.thread_id),
        "topic": _pick(row.topic, languages),
        "text": _pick(row.text, languages),
        "from": sender,
        "from_role": row.sender_role,
        "mine": mine,
        "created": format_dt(row.created),
        "read": mine or row.id <= row.read_upto,
        "answerable": row.answerable,
    }


def inbox(db: Database, worker: Worker, params: dict[str, str]) -> dict[str, Any]:
    """The worker's messages, newest first: ``limit`` (1-500, default 100), ``before`` (a message id)."""
    limit = 100
    if params.get("limit"):
        if not params["limit"].isdigit() or not 1 <= int(params["limit"]) <= 500:
            raise field_error("limit", "VALUE_OUT_OF_BOUNDS", "limit must be a number from 1 to 500")
        limit = int(params["limit"])
    query = _inbox_query(worker)
    if params.get("before"):
        query = query.where(messages.c.id < (parse_id(params["before"]) or 0))
    with db.read() as conn:
        rows = conn.execute(query.order_by(messages.c.id.desc()).limit(limit + 1)).all()
        unread = conn.execute(
            sa.select(sa.func.count()).select_from(
                _inbox_query(worker)
                .where(messages.c.id > message_members.c.read_upto, messages.c.sender_role != "USER")
                .subquery()
            )
        ).scalar_one()
    return {
        "items": [_worker_item(r, worker) for r in rows[:limit]],
        "has_more": len(rows) > limit,
        "unread": unread,
    }


def _split_off(conn: Connection, thread: Any, member: Any, worker: Worker, now: datetime) -> int:
    """Move a worker out of a thread sent to several workers into a thread of their own."""
    child_id = open_thread(
        conn,
        requester_id=thread.requester_id,
        topic=thread.topic,
        answerable=thread.answerable,
        started_by=thread.started_by,
        compose_details={"recipients_select_type": "DIRECT", "recipients_ids": [format_id(worker.id)]},
        meta=thread.meta,
        parent_id=thread.id,
        now=now,
    )
    earlier = conn.execute(
        sa.select(messages).where(messages.c.thread_id == thread.id, messages.c.sender_role != "USER")
    ).all()
    if earlier:
        conn.execute(
            messages.insert(),
            [
                {
                    "thread_id": child_id,
                    "sender_role": m.sender_role,
                    "sender_id": m.sender_id,
                    "text": m.text,
                    "created": m.created,
                }
                for m in sorted(earlier, key=lambda m: m.id)
            ],
        )
    conn.execute(message_members.update().where(message_members.c.id == member.id).values(thread_id=child_id))
    add_members(conn, child_id, "REQUESTER", [thread.requester_id], ["OUTBOX"], now)
    mark_read(conn, child_id, "REQUESTER", thread.requester_id)
    return child_id


@retry_transient
def worker_reply(db: Database, worker: Worker, thread_id: str, body: Any) -> dict[str, Any]:
    """A worker answers an answerable thread; the requester finds it in INBOX and UNREAD."""
    language = next(iter(worker.profile.get("languages") or []), "EN")
    text = worker_text(_body(body).get("text"), language)
    with db.write() as conn:
        member = _own_member(conn, worker, thread_id)
        thread = conn.execute(
            sa.select(message_threads).where(message_threads.c.id == member.thread_id)
        ).one()
        if not thread.answerable:
            raise Conflict("This message cannot be answered")
        now = utcnow()
        others = conn.execute(
            sa.select(sa.func.count()).where(
                message_members.c.thread_id == thread.id,
                message_members.c.role == "USER",
                message_members.c.id != member.id,
            )
        ).scalar_one()
        target = _split_off(conn, thread, member, worker, now) if others else thread.id
        message_id = post(conn, target, "USER", worker.id, text, now)
        mark_read(conn, target, "USER", worker.id)
        tag(conn, target, "USER", ["OUTBOX"], worker.id)
        tag(conn, target, "REQUESTER", ["INBOX", "UNREAD"])
        row = conn.execute(_inbox_query(worker).where(messages.c.id == message_id)).one()
        return _worker_item(row, worker)


@retry_transient
def worker_read(db: Database, worker: Worker, thread_id: str) -> dict[str, Any]:
    """The worker has read a thread: its messages count as read and it leaves UNREAD."""
    with db.write() as conn:
        member = _own_member(conn, worker, thread_id)
        mark_read(conn, member.thread_id, "USER", worker.id)
        return {"thread_id": format_id(member.thread_id), "read": True}
