"""Requester and worker accounts, API tokens and worker sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crowdlab.domain import profile as profiles
from crowdlab.domain.clock import utcnow
from crowdlab.domain.errors import AuthenticationFailed, Conflict, NotFound, field_error
from crowdlab.domain.ids import format_id
from crowdlab.domain.money import as_json_number
from crowdlab.services import ledger
from crowdlab.services.passwords import (
    hash_password,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import api_tokens, requesters, worker_sessions, workers


@dataclass(frozen=True)
class Requester:
    id: int
    name: str


@dataclass(frozen=True)
class Worker:
    id: int
    name: str
    profile: dict[str, Any]


def create_requester(
    db: Database, name: str, *, balance_micro: int = 0, password: str | None = None
) -> tuple[Requester, str]:
    """Create a requester account with one API token; returns the account and the token (shown once)."""
    name = name.strip()
    if not name:
        raise field_error("name", "VALUE_REQUIRED", "A requester needs a name")
    if password is not None and (problem := password_problem(password)):
        raise field_error("password", "INVALID_VALUE", problem)
    token = new_token()
    now = utcnow()
    hashed = hash_password(password) if password else None
    try:
        with db.write() as conn:
            requester_id = inserted_id(
                conn.execute(
                    requesters.insert().values(
                        name=name,
                        password_hash=hashed,
                        created=now,
                    )
                )
            )
            conn.execute(
                api_tokens.insert().values(
                    requester_id=requester_id, token_hash=token_hash(token), name="default", created=now
                )
            )
            if balance_micro > 0:
                ledger.top_up(conn, requester_id, balance_micro, note="initial balance")
    except IntegrityError:
        raise Conflict(f"A requester named {name!r} already exists") from None
    return Requester(requester_id, name), token


def top_up(db: Database, requester_name: str, amount_micro: int) -> int:
    """Add money to a requester's balance; returns the new balance in micro-dollars."""
    with db.write() as conn:
        row = conn.execute(sa.select(requesters).where(requesters.c.name == requester_name)).first()
        if row is None:
            raise NotFound(f"No requester named {requester_name!r}")
        ledger.top_up(conn, row.id, amount_micro)
        return int(
            conn.execute(sa.select(requesters.c.balance_micro).where(requesters.c.id == row.id)).scalar_one()
        )


def requester_by_token(db: Database, token: str) -> Requester:
    """The requester an API token belongs to; AuthenticationFailed for unknown or revoked tokens."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(requesters.c.id, requesters.c.name)
            .join(api_tokens, api_tokens.c.requester_id == requesters.c.id)
            .where(api_tokens.c.token_hash == token_hash(token), api_tokens.c.revoked.is_(None))
        ).first()
    if row is None:
        raise AuthenticationFailed("The token is unknown or revoked")
    return Requester(row.id, row.name)


def requester_view(db: Database, requester: Requester) -> dict[str, Any]:
    """The Requester object of GET /api/v1/requester."""
    with db.read() as conn:
        row = conn.execute(sa.select(requesters).where(requesters.c.id == requester.id)).one()
    rid = format_id(row.id)
    return {
        "id": rid,
        "balance": as_json_number(row.balance_micro - row.reserved_micro),
        "public_name": {"EN": row.name},
        "company": {"id": rid, "superintendent_id": rid},
    }


def sign_up_worker(db: Database, name: str, password: str, profile: Any) -> tuple[Worker, str]:
    """Register a worker with a profile; returns the worker and a session token."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise field_error("name", "VALUE_REQUIRED", "A worker needs a name of 1 to 100 characters")
    if problem := password_problem(password or ""):
        raise field_error("password", "INVALID_VALUE", problem)
    clean = profiles.clean_profile(profile if profile is not None else {})
    now = utcnow()
    hashed = hash_password(password)  # slow on purpose: never inside a transaction
    try:
        with db.write() as conn:
            worker_id = inserted_id(
                conn.execute(
                    workers.insert().values(name=name, password_hash=hashed, profile=clean, created=now)
                )
            )
            token = _new_session(conn, worker_id)
    except IntegrityError:
        raise Conflict(f"The name {name!r} is taken", code="USER_ALREADY_REGISTERED") from None
    return Worker(worker_id, name, clean), token


def log_in_worker(db: Database, name: str, password: str) -> tuple[Worker, str]:
    """Check a worker's name and password and open a session."""
    with db.read() as conn:
        row = conn.execute(sa.select(workers).where(workers.c.name == (name or "").strip())).first()
    if row is None or not verify_password(password or "", row.password_hash):
        raise AuthenticationFailed("Wrong name or password")
    with db.write() as conn:
        token = _new_session(conn, row.id)
    return Worker(row.id, row.name, row.profile), token


def _new_session(conn: sa.Connection, worker_id: int) -> str:
    token = new_token()
    now = utcnow()
    conn.execute(
        worker_sessions.insert().values(
            worker_id=worker_id, token_hash=token_hash(token), created=now, expires=now + timedelta(days=30)
        )
    )
    return token


def worker_by_token(db: Database, token: str) -> Worker:
    """The worker a session token belongs to; AuthenticationFailed when unknown or expired."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(workers.c.id, workers.c.name, workers.c.profile)
            .join(worker_sessions, worker_sessions.c.worker_id == workers.c.id)
            .where(worker_sessions.c.token_hash == token_hash(token), worker_sessions.c.expires > utcnow())
        ).first()
    if row is None:
        raise AuthenticationFailed("Please log in again: the session is unknown or has expired")
    return Worker(row.id, row.name, row.profile)


def log_out_worker(db: Database, token: str) -> None:
    """End a worker session."""
    with db.write() as conn:
        conn.execute(worker_sessions.delete().where(worker_sessions.c.token_hash == token_hash(token)))


def update_worker_profile(db: Database, worker: Worker, profile: Any) -> dict[str, Any]:
    """Replace a worker's profile after validating it."""
    clean = profiles.clean_profile(profile)
    with db.write() as conn:
        conn.execute(workers.update().where(workers.c.id == worker.id).values(profile=clean))
    return clean
