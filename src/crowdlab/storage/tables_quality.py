"""Tables for quality control, registered on the shared ``metadata`` (tables.py imports this module on
its last line, so Alembic sees them with the rest).

Quality-control statistics are never stored as counters: they are recomputed from the facts (answers,
reviews, captcha results) in the transaction of the event that changes them. What is stored here is
the facts that have no other home, and the one-time effects of rules so they are never applied twice.
"""

from __future__ import annotations

import sqlalchemy as sa

from crowdlab.storage.tables import JSONDoc, Key, _created, _pk, metadata

# A captcha shown to a worker. The answer is kept only as a salted hash; ``success`` is set exactly
# once, by a conditional UPDATE, when the worker answers.
captchas = sa.Table(
    "captchas",
    metadata,
    _pk(),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    # The pool whose captcha frequency asked for it (its CAPTCHA collector counts the result).
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id")),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("answer_hash", sa.String(64), nullable=False),
    sa.Column("expires", sa.DateTime, nullable=False),
    sa.Column("answered", sa.DateTime),
    sa.Column("success", sa.Boolean),
    _created(),
    sa.Index(None, "worker_id", "pool_id", "answered"),
)

# One row per (rule, subject) whose effect must happen once: e.g. the overlap raised for the tasks of
# one assignment, or DYNAMIC_OVERLAP_COMPLETED for one task. The unique key makes a second attempt a
# no-op, whatever interleaves.
qc_applied = sa.Table(
    "qc_applied",
    metadata,
    _pk(),
    sa.Column("pool_id", Key, nullable=False),
    sa.Column("worker_id", Key),
    sa.Column("rule_key", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    _created(),
    sa.UniqueConstraint("rule_key", "subject"),
    sa.Index(None, "pool_id", "worker_id"),
)

# The first answers a worker sent for a training suite that had a wrong training answer (shown to the
# requester as Assignment.first_declined_solution_attempt).
training_attempts = sa.Table(
    "training_attempts",
    metadata,
    sa.Column("assignment_id", Key, sa.ForeignKey("assignments.id"), primary_key=True),
    sa.Column("solutions", JSONDoc, nullable=False),
    _created(),
)

# The hidden skill that holds each worker's score in a training (created with the first result).
training_skills = sa.Table(
    "training_skills",
    metadata,
    sa.Column("training_id", Key, sa.ForeignKey("pools.id"), primary_key=True),
    sa.Column("skill_id", Key, sa.ForeignKey("skills.id"), nullable=False),
    _created(),
)
