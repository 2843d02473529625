"""Tables for the requester console: browser sessions and failed logins, on the shared ``metadata``.

tables.py imports this module on its last line, so Alembic sees these tables with the rest.

Sessions live in the database (only the SHA-256 of the token is stored), so any number of stateless
``crowdlab serve`` processes accept them and they survive restarts. Failed logins are rows too, for
the same reason: the rate limit holds across processes.
"""

from __future__ import annotations

import sqlalchemy as sa

from crowdlab.storage.tables import Key, _created, _pk, metadata

requester_sessions = sa.Table(
    "requester_sessions",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("expires", sa.DateTime, nullable=False),
    _created(),
)

# One row per failed console login, keyed by the lower-cased name that was tried (known or not).
login_failures = sa.Table(
    "login_failures",
    metadata,
    _pk(),
    sa.Column("name_key", sa.String(200), nullable=False),
    _created(),
    sa.Index(None, "name_key", "created"),
)
