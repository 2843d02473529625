"""The requester's console account: password login with a rate limit, browser sessions with a CSRF
token, API tokens (create, name, revoke) and the money history of the ledger.

Sessions and tokens are random strings of which only the SHA-256 is stored. The CSRF token of a
session is derived from the session token (an HMAC), so it needs no storage, changes with every
session and cannot be computed by anyone who does not hold the session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import AuthenticationFailed, NotFound, TooManyRequests, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.money import as_json_number
from crowdlab.services.accounts import Requester
from crowdlab.services.passwords import hash_password, new_token, token_hash, verify_password
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import api_tokens, assignments, ledger, requesters
from crowdlab.storage.tables_console import login_failures, requester_sessions

SESSION_DAYS = 14
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
MAX_TOKENS = 50
# Checked when the name is unknown, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-0")


def _name_key(name: str) -> str:
    return name.strip().lower()[:200]


def log_in(db: Database, name: Any, password: Any) -> tuple[Requester, str]:
    """Check a requester's name and password and open a browser session; returns the session token.

    After ``MAX_FAILURES`` failed attempts for a name within ``FAILURE_WINDOW`` every attempt for that
    name is refused with TOO_MANY_REQUESTS, even with the right password, until the window passes.
    """
    if not isinstance(name, str) or not name.strip():
        raise field_error("name", "VALUE_REQUIRED", "Enter your requester name")
    if not isinstance(password, str) or not password:
        raise field_error("password", "VALUE_REQUIRED", "Enter your password")
    key = _name_key(name)
    now = utcnow()
    with db.read() as conn:
        failures = conn.execute(
            sa.select(sa.func.count())
            .select_from(login_failures)
            .where(login_failures.c.name_key == key, login_failures.c.created > now - FAILURE_WINDOW)
        ).scalar_one()
        row = conn.execute(
            sa.select(requesters.c.id, requesters.c.name, requesters.c.password_hash).where(
                requesters.c.name == name.strip()
            )
        ).first()
    if failures >= MAX_FAILURES:
        raise TooManyRequests(
            f"Too many failed logins for this name; wait {FAILURE_WINDOW.seconds // 60} minutes and try again"
        )
    # Slow on purpose, and never inside a transaction.
    good = verify_password(password, row.password_hash if row is not None else _DUMMY_HASH)
    if row is None or not row.password_hash or not good:
        with db.write() as conn:
            conn.execute(
                login_failures.delete().where(
                    login_failures.c.name_key == key, login_failures.c.created < now - timedelta(days=1)
                )
            )
            conn.execute(login_failures.insert().values(name_key=key, created=now))
        raise AuthenticationFailed("Wrong name or password")
    token = new_token()
    with db.write() as conn:
        conn.execute(
            requester_sessions.insert().values(
                requester_id=row.id,
                token_hash=token_hash(token),
                created=now,
                expires=now + timedelta(days=SESSION_DAYS),
            )
        )
        conn.execute(requester_sessions.delete().where(requester_sessions.c.expires < now))
    return Requester(row.id, row.name), token


def requester_by_session(db: Database, token: str) -> Requester:
    """The requester a console session belongs to; AuthenticationFailed when unknown or expired."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(requesters.c.id, requesters.c.name)
            .join(requester_sessions, requester_sessions.c.requester_id == requesters.c.id)
            .where(
                requester_sessions.c.token_hash == token_hash(token),
                requester_sessions.c.expires > utcnow(),
            )
        ).first()
    if row is None:
        raise AuthenticationFailed("Please log in again: the session is unknown or has expired")
    return Requester(row.id, row.name)


def log_out(db: Database, token: str) -> None:
    """End a console session (its cookie stops working at once, in every process)."""
    with db.write() as conn:
        conn.execute(requester_sessions.delete().where(requester_sessions.c.token_hash == token_hash(token)))


def csrf_token(session_token: str) -> str:
    """The CSRF token bound to a session: pages send it back in the X-CSRF-Token header."""
    return hmac.new(session_token.encode(), b"crowdlab-console-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, sent: str | None) -> bool:
    """Constant-time check of a CSRF token sent with a cookie-authenticated request."""
    return bool(sent) and hmac.compare_digest(csrf_token(session_token), sent or "")


# API tokens ------------------------------------------------------------------------------------


def _token_view(row: Any) -> dict[str, Any]:
    out = {"id": format_id(row.id), "name": row.name, "created": format_dt(row.created), "revoked": None}
    if row.revoked is not None:
        out["revoked"] = format_dt(row.revoked)
    return out


def list_tokens(db: Database, requester_id: int) -> list[dict[str, Any]]:
    """The requester's API tokens, newest first (never the secrets: only their names and dates)."""
    with db.read() as conn:
        rows = conn.execute(
            sa.select(api_tokens)
            .where(api_tokens.c.requester_id == requester_id)
            .order_by(api_tokens.c.id.desc())
        ).all()
    return [_token_view(r) for r in rows]


def create_token(db: Database, requester_id: int, body: Any) -> dict[str, Any]:
    """A new API token named by the requester; the secret is in the answer and nowhere else, ever."""
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise field_error("name", "VALUE_REQUIRED", "Name the token (for example, the script that uses it)")
    if len(name.strip()) > 200:
        raise field_error("name", "STRING_LENGTH_GREATER_THAN_MAX", "A token name is at most 200 characters")
    token = new_token()
    with db.write() as conn:
        live = conn.execute(
            sa.select(sa.func.count())
            .select_from(api_tokens)
            .where(api_tokens.c.requester_id == requester_id, api_tokens.c.revoked.is_(None))
        ).scalar_one()
        if live >= MAX_TOKENS:
            raise field_error(
                "name", "VALUE_NOT_ALLOWED", f"At most {MAX_TOKENS} live tokens; revoke one first"
            )
        token_id = inserted_id(
            conn.execute(
                api_tokens.insert().values(
                    requester_id=requester_id,
                    token_hash=token_hash(token),
                    name=name.strip(),
                    created=utcnow(),
                )
            )
        )
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).one()
    return {**_token_view(row), "token": token}


def revoke_token(db: Database, requester_id: int, token_id: str) -> dict[str, Any]:
    """Revoke one of the requester's tokens (idempotent); scripts using it get 401 from then on."""
    with db.write() as conn:
        row = conn.execute(
            sa.select(api_tokens).where(
                api_tokens.c.id == (parse_id(token_id) or -1), api_tokens.c.requester_id == requester_id
            )
        ).first()
        if row is None:
            raise NotFound(f"Token {token_id} does not exist")
        if row.revoked is None:
            conn.execute(api_tokens.update().where(api_tokens.c.id == row.id).values(revoked=utcnow()))
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == row.id)).one()
    return _token_view(row)


# Money -----------------------------------------------------------------------------------------


def account(db: Database, requester: Requester) -> dict[str, Any]:
    """Name, balance (free money), reserved money and the total held."""
    with db.read() as conn:
        row = conn.execute(sa.select(requesters).where(requesters.c.id == requester.id)).one()
    return {
        "id": format_id(row.id),
        "name": row.name,
        "balance": as_json_number(row.balance_micro - row.reserved_micro),
        "reserved": as_json_number(row.reserved_micro),
        "total": as_json_number(row.balance_micro),
    }


def ledger_history(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    """The requester's ledger rows, newest first: ``limit`` (1-300, default 50) and ``before`` (an id)
    page through them; each row carries the balance after it (the running sum of the books)."""
    try:
        limit = min(300, max(1, int(params.get("limit") or 50)))
    except ValueError:
        raise field_error("limit", "INTEGER_EXPECTED", "limit must be a number") from None
    mine = sa.and_(ledger.c.account_type == "requester", ledger.c.account_id == requester_id)
    query = (
        sa.select(ledger, assignments.c.pool_id)
        .outerjoin(assignments, assignments.c.id == ledger.c.assignment_id)
        .where(mine)
        .order_by(ledger.c.id.desc())
        .limit(limit + 1)
    )
    before = parse_id(params.get("before")) if params.get("before") else None
    if params.get("before") and before is None:
        raise field_error("before", "INVALID_VALUE", "before must be a ledger row id")
    with db.read() as conn:
        if before is not None:
            query = query.where(ledger.c.id < before)
        rows = conn.execute(query).all()[: limit + 1]
        page = rows[:limit]
        after = 0
        if page:
            after = int(
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.sum(ledger.c.amount_micro), 0)).where(
                        mine, ledger.c.id <= page[0].id
                    )
                ).scalar_one()
            )
    items = []
    for row in page:
        items.append(
            {
                "id": format_id(row.id),
                "created": format_dt(row.created),
                "kind": row.kind,
                "amount": as_json_number(row.amount_micro),
                "balance_after": as_json_number(after),
                "note": row.note or "",
                "assignment_id": format_id(row.assignment_id) if row.assignment_id else None,
                "pool_id": format_id(row.pool_id) if row.pool_id else None,
            }
        )
        after -= row.amount_micro
    return {"items": items, "has_more": len(rows) > limit}
