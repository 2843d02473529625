"""Tables for message threads, attachments and appeals, registered on the shared ``metadata``.

tables.py imports this module on its last line, so Alembic sees these tables with the rest.

Message threads: one row per thread; each party of a thread (the requester, each worker) is a
member with its own folders and read mark, so folders are per party. A message is visible to every
member of its thread; a worker's answer to a thread with several workers opens a child thread for
that worker (``parent_id``), so workers never see one another's replies.

Attachments: metadata in ``attachments``, bytes in ``attachment_contents`` (kept in the database so
that every stateless ``crowdlab serve`` process sees the same files and an upload is durable once
acknowledged; a separate table keeps listings from touching the large values).
"""

from __future__ import annotations

import sqlalchemy as sa

from crowdlab.storage.tables import JSONDoc, Key, _created, _pk, metadata

message_threads = sa.Table(
    "message_threads",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False),
    # Set on the per-worker thread opened when a worker answers a thread sent to several workers.
    sa.Column("parent_id", Key, sa.ForeignKey("message_threads.id")),
    sa.Column("topic", JSONDoc, nullable=False),
    sa.Column("answerable", sa.Boolean, nullable=False),
    sa.Column("started_by", sa.String(10), nullable=False),  # REQUESTER | USER | SYSTEM
    sa.Column("compose_details", JSONDoc),
    sa.Column("meta", JSONDoc),
    _created(),
    sa.Index(None, "requester_id", "id"),
    sa.Index(None, "parent_id"),
)

message_members = sa.Table(
    "message_members",
    metadata,
    _pk(),
    sa.Column("thread_id", Key, sa.ForeignKey("message_threads.id"), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),  # REQUESTER | USER
    sa.Column("party_id", Key, nullable=False),  # requesters.id or workers.id, by role
    # Messages with an id up to this one count as read by this member.
    sa.Column("read_upto", Key, nullable=False, server_default="0"),
    _created(),
    sa.UniqueConstraint("thread_id", "role", "party_id"),
    sa.Index(None, "role", "party_id", "thread_id"),
)

message_folders = sa.Table(
    "message_folders",
    metadata,
    sa.Column("member_id", Key, sa.ForeignKey("message_members.id"), primary_key=True),
    sa.Column("folder", sa.String(30), primary_key=True),
)

messages = sa.Table(
    "messages",
    metadata,
    _pk(),
    sa.Column("thread_id", Key, sa.ForeignKey("message_threads.id"), nullable=False),
    sa.Column("sender_role", sa.String(10), nullable=False),  # REQUESTER | USER | SYSTEM
    sa.Column("sender_id", Key),
    sa.Column("text", JSONDoc, nullable=False),
    _created(),
    sa.Index(None, "thread_id", "id"),
)

attachments = sa.Table(
    "attachments",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    sa.Column("assignment_id", Key, sa.ForeignKey("assignments.id"), nullable=False),
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    _created(),
    sa.Index(None, "requester_id", "pool_id", "id"),
    sa.Index(None, "assignment_id"),
)

attachment_contents = sa.Table(
    "attachment_contents",
    metadata,
    sa.Column("attachment_id", Key, sa.ForeignKey("attachments.id"), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

appeals = sa.Table(
    "appeals",
    metadata,
    _pk(),
    # One appeal per assignment, ever: a decided appeal cannot be reopened by appealing again.
    sa.Column("assignment_id", Key, sa.ForeignKey("assignments.id"), nullable=False, unique=True),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id"), nullable=False),
    sa.Column("thread_id", Key, sa.ForeignKey("message_threads.id"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # OPEN | RESOLVED
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(20)),  # ACCEPTED | DECLINED
    sa.Column("comment", sa.Text),
    sa.Column("resolved", sa.DateTime),
    _created(),
    sa.Index(None, "requester_id", "status", "id"),
    sa.Index(None, "requester_id", "pool_id", "id"),
)
