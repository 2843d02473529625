"""Captchas for workers: issue one (an SVG image; the answer stays on the server as a salted hash),
check an answer once, and let the pool's CAPTCHA rules see the result.

When a pool sets ``quality_control.captcha_frequency``, taking a suite answers 409 CAPTCHA_REQUIRED
every N suites (quality.captcha_due); the worker then GETs a captcha and POSTs the answer. Right or
wrong, answering resets the count; the result feeds the CAPTCHA collector of the pool that asked.
"""

from __future__ import annotations

import hmac
import random
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from crowdlab.domain import captcha as drawing
from crowdlab.domain.clock import utcnow
from crowdlab.domain.errors import Conflict, NotFound, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.services import quality
from crowdlab.services.accounts import Worker
from crowdlab.storage.db import Database, inserted_id, retry_transient
from crowdlab.storage.tables import assignments, pools
from crowdlab.storage.tables_quality import captchas

LIFETIME = timedelta(minutes=10)
_rng = random.SystemRandom()


def _pool_for(conn: sa.Connection, worker: Worker, pool_id: str | None) -> int | None:
    """The pool the captcha is for: the one named, or the worker's latest pool that wants one now."""
    if pool_id is not None:
        number = parse_id(pool_id)
        row = conn.execute(sa.select(pools).where(pools.c.id == number)).first()
        if row is None:
            raise NotFound(f"Pool {pool_id} does not exist")
        return int(row.id)
    recent = conn.execute(
        sa.select(assignments.c.pool_id)
        .where(assignments.c.worker_id == worker.id)
        .group_by(assignments.c.pool_id)
        .order_by(sa.func.max(assignments.c.id).desc())
        .limit(20)
    ).scalars()
    fallback = None
    for number in recent:
        row = conn.execute(sa.select(pools).where(pools.c.id == number)).one()
        if not (row.doc.get("quality_control") or {}).get("captcha_frequency"):
            continue
        if quality.captcha_due(conn, worker.id, row):
            return int(row.id)
        fallback = fallback or int(row.id)
    return fallback


@retry_transient
def issue(db: Database, worker: Worker, pool_id: str | None = None) -> dict[str, Any]:
    """A new captcha for the worker: ``{id, image}`` with the image as an SVG data URL. The worker's
    earlier unanswered captchas expire (only answered ones are results)."""
    text = drawing.new_text(_rng)
    image = drawing.data_url(drawing.render_svg(text, _rng))
    salt = secrets.token_hex(8)
    now = utcnow()
    with db.write() as conn:
        target = _pool_for(conn, worker, pool_id)
        conn.execute(
            captchas.update()
            .where(captchas.c.worker_id == worker.id, captchas.c.answered.is_(None), captchas.c.expires > now)
            .values(expires=now)
        )
        new_id = inserted_id(
            conn.execute(
                captchas.insert().values(
                    worker_id=worker.id,
                    pool_id=target,
                    salt=salt,
                    answer_hash=drawing.answer_hash(salt, text),
                    expires=now + LIFETIME,
                    created=now,
                )
            )
        )
    return {"id": format_id(new_id), "image": image}


@retry_transient
def answer(db: Database, worker: Worker, captcha_id: str, body: Any) -> dict[str, Any]:
    """Check an answer (once): ``{"ok": true|false}``; a second answer to the same captcha is refused."""
    text = body.get("answer") if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise field_error("answer", "VALUE_REQUIRED", 'Send {"answer": "the characters you see"}')
    with db.write() as conn:
        row = conn.execute(
            sa.select(captchas).where(
                captchas.c.id == parse_id(captcha_id), captchas.c.worker_id == worker.id
            )
        ).first()
        if row is None:
            raise NotFound(f"Captcha {captcha_id} does not exist")
        if row.answered is not None:
            raise Conflict(
                "This captcha was answered already; get a new one", code="CAPTCHA_ALREADY_ANSWERED"
            )
        now = utcnow()
        if row.expires <= now:
            raise Conflict("This captcha has expired; get a new one", code="CAPTCHA_EXPIRED")
        ok = hmac.compare_digest(drawing.answer_hash(row.salt, text), row.answer_hash)
        done = conn.execute(
            captchas.update()
            .where(captchas.c.id == row.id, captchas.c.answered.is_(None))
            .values(answered=now, success=ok)
        )
        if done.rowcount != 1:  # answered by a concurrent request (PostgreSQL) in the meantime
            raise Conflict(
                "This captcha was answered already; get a new one", code="CAPTCHA_ALREADY_ANSWERED"
            )
        if row.pool_id is not None:
            pool = conn.execute(sa.select(pools).where(pools.c.id == row.pool_id)).one()
            quality.on_captcha(conn, worker.id, pool)
    return {"ok": ok}
