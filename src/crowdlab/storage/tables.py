"""The schema, as SQLAlchemy Core tables. Alembic migrations in storage/migrations are made from it.

Objects with large nested configuration (projects, pools) keep that configuration in a JSON ``doc``
column, and the fields that are searched, filtered or changed concurrently in real columns.
Money columns are integer micro-dollars.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _pk() -> sa.Column:
    return sa.Column("id", Key, primary_key=True, autoincrement=True)


def _created() -> sa.Column:
    return sa.Column("created", sa.DateTime, nullable=False)


requesters = sa.Table(
    "requesters",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(300)),
    # Caches of ledger sums, kept in the same transaction as every ledger row (checked by audits).
    sa.Column("balance_micro", sa.BigInteger, nullable=False, server_default="0"),
    # Money promised to issued, not yet decided assignments (reward + fee).
    sa.Column("reserved_micro", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("balance_micro >= 0", name="balance_not_negative"),
    sa.CheckConstraint("reserved_micro >= 0", name="reserved_not_negative"),
    _created(),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, server_default="default"),
    sa.Column("revoked", sa.DateTime),
    _created(),
)

workers = sa.Table(
    "workers",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("profile", JSONDoc, nullable=False),
    sa.Column("earned_micro", sa.BigInteger, nullable=False, server_default="0"),
    _created(),
)

worker_sessions = sa.Table(
    "worker_sessions",
    metadata,
    _pk(),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("expires", sa.DateTime, nullable=False),
    _created(),
)

projects = sa.Table(
    "projects",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("doc", JSONDoc, nullable=False),
    _created(),
)

pools = sa.Table(
    "pools",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("project_id", Key, sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("type", sa.String(20), nullable=False),  # REGULAR | TRAINING
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("last_close_reason", sa.String(40)),
    sa.Column("will_expire", sa.DateTime),
    sa.Column("last_started", sa.DateTime),
    sa.Column("last_stopped", sa.DateTime),
    sa.Column("reward_micro", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("doc", JSONDoc, nullable=False),
    _created(),
    sa.Index(None, "status", "will_expire"),
)

task_suites = sa.Table(
    "task_suites",
    metadata,
    _pk(),
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id"), nullable=False),
    # True for suites composed at issue time by the mixer; False for suites the requester created.
    sa.Column("mixed", sa.Boolean, nullable=False),
    sa.Column("overlap", sa.Integer),
    sa.Column("infinite_overlap", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("live_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("done_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("issuing_order", sa.Float, nullable=False, server_default="0"),
    sa.Column("extra", JSONDoc, nullable=False),
    _created(),
    sa.Index(None, "pool_id", "mixed", "available", "issuing_order", "id"),
)

tasks = sa.Table(
    "tasks",
    metadata,
    _pk(),
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id"), nullable=False),
    sa.Column("suite_id", Key, sa.ForeignKey("task_suites.id")),
    sa.Column("kind", sa.String(10), nullable=False),  # general | golden | training
    sa.Column("input_values", JSONDoc, nullable=False),
    sa.Column("known_solutions", JSONDoc),
    sa.Column("hint", sa.Text),
    sa.Column("overlap", sa.Integer),
    sa.Column("infinite_overlap", sa.Boolean, nullable=False, server_default=sa.text("false")),
    # live = active + submitted + accepted assignments holding this task; done = submitted + accepted.
    sa.Column("live_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("done_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("extra", JSONDoc, nullable=False),
    _created(),
    sa.CheckConstraint("live_count >= 0 AND done_count >= 0", name="counts_not_negative"),
    sa.CheckConstraint(
        "kind <> 'general' OR infinite_overlap OR overlap IS NULL OR live_count <= overlap",
        name="within_overlap",
    ),
    sa.Index(None, "pool_id", "kind", "available", "id"),
    sa.Index(None, "suite_id"),
)

assignments = sa.Table(
    "assignments",
    metadata,
    _pk(),
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id"), nullable=False),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    sa.Column("task_suite_id", Key, sa.ForeignKey("task_suites.id"), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("reward_micro", sa.BigInteger, nullable=False),
    sa.Column("fee_micro", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.DateTime, nullable=False),
    sa.Column("submitted", sa.DateTime),
    sa.Column("accepted", sa.DateTime),
    sa.Column("rejected", sa.DateTime),
    sa.Column("skipped", sa.DateTime),
    sa.Column("expired", sa.DateTime),
    sa.Column("public_comment", sa.Text),
    sa.Column("solutions", JSONDoc),
    sa.Column("mixed", sa.Boolean, nullable=False),
    _created(),
    sa.Index(None, "pool_id", "status", "id"),
    sa.Index(None, "worker_id", "pool_id", "status"),
    sa.Index(None, "status", "expires"),
    # One suite at a time per worker and pool: concurrent takes by one worker cannot both succeed.
    sa.Index(
        "ux_assignments_one_active",
        "worker_id",
        "pool_id",
        unique=True,
        sqlite_where=sa.text("status = 'ACTIVE'"),
        postgresql_where=sa.text("status = 'ACTIVE'"),
    ),
)

# One row per task of an assignment. UNIQUE(task_id, worker_id): a worker never gets a task twice.
assignment_tasks = sa.Table(
    "assignment_tasks",
    metadata,
    sa.Column("assignment_id", Key, sa.ForeignKey("assignments.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("task_id", Key, sa.ForeignKey("tasks.id"), nullable=False),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    sa.Column("pool_id", Key, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    # For control/training tasks, whether the submitted answer matched a known solution.
    sa.Column("correct", sa.Boolean),
    sa.UniqueConstraint("task_id", "worker_id"),
    sa.Index(None, "worker_id", "pool_id"),
)

ledger = sa.Table(
    "ledger",
    metadata,
    _pk(),
    sa.Column("txn", sa.String(36), nullable=False, index=True),
    # requester | worker | platform | external
    sa.Column("account_type", sa.String(10), nullable=False),
    sa.Column("account_id", Key),
    sa.Column("kind", sa.String(12), nullable=False),  # TOPUP, CHARGE, PAYMENT, FEE, BONUS, REFUND
    sa.Column("amount_micro", sa.BigInteger, nullable=False),
    sa.Column("assignment_id", Key),
    sa.Column("note", sa.String(300)),
    _created(),
    sa.Index(None, "account_type", "account_id"),
    # An assignment is paid at most once: one CHARGE row per assignment.
    sa.Index(
        "ux_ledger_charge_once",
        "assignment_id",
        unique=True,
        sqlite_where=sa.text("kind = 'CHARGE'"),
        postgresql_where=sa.text("kind = 'CHARGE'"),
    ),
)

operations = sa.Table(
    "operations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
    sa.Column("parameters", JSONDoc, nullable=False),
    sa.Column("details", JSONDoc),
    sa.Column("submitted", sa.DateTime, nullable=False),
    sa.Column("started", sa.DateTime),
    sa.Column("finished", sa.DateTime),
)

operation_log = sa.Table(
    "operation_log",
    metadata,
    _pk(),
    sa.Column("operation_id", sa.String(64), sa.ForeignKey("operations.id"), nullable=False, index=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Column("input", JSONDoc, nullable=False),
    sa.Column("output", JSONDoc, nullable=False),
)

user_restrictions = sa.Table(
    "user_restrictions",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    sa.Column("scope", sa.String(20), nullable=False),
    sa.Column("project_id", Key),
    sa.Column("pool_id", Key),
    sa.Column("private_comment", sa.Text),
    sa.Column("will_expire", sa.DateTime),
    sa.Column("deleted", sa.DateTime),
    _created(),
    sa.Index(None, "worker_id", "requester_id"),
)

skills = sa.Table(
    "skills",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("doc", JSONDoc, nullable=False),
    _created(),
)

user_skills = sa.Table(
    "user_skills",
    metadata,
    _pk(),
    sa.Column("skill_id", Key, sa.ForeignKey("skills.id"), nullable=False),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False),
    sa.Column("exact_value", sa.Float, nullable=False),
    sa.Column("modified", sa.DateTime, nullable=False),
    sa.Column("deleted", sa.DateTime),
    _created(),
    sa.Index(None, "worker_id", "skill_id"),
)

user_bonuses = sa.Table(
    "user_bonuses",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False, index=True),
    sa.Column("worker_id", Key, sa.ForeignKey("workers.id"), nullable=False, index=True),
    sa.Column("assignment_id", Key, sa.ForeignKey("assignments.id")),
    sa.Column("amount_micro", sa.BigInteger, nullable=False),
    sa.Column("fee_micro", sa.BigInteger, nullable=False),
    sa.Column("doc", JSONDoc, nullable=False),
    _created(),
)

aggregated_solutions = sa.Table(
    "aggregated_solutions",
    metadata,
    sa.Column("operation_id", sa.String(64), sa.ForeignKey("operations.id"), primary_key=True),
    sa.Column("task_id", Key, sa.ForeignKey("tasks.id"), primary_key=True),
    sa.Column("pool_id", Key, nullable=False),
    sa.Column("output_values", JSONDoc, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    _pk(),
    sa.Column("requester_id", Key, sa.ForeignKey("requesters.id"), nullable=False),
    sa.Column("pool_id", Key, sa.ForeignKey("pools.id"), nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("webhook_url", sa.Text, nullable=False),
    # The shared secret signs deliveries (HMAC); it is needed in clear to sign, so it is kept, never shown.
    sa.Column("secret_key", sa.String(200)),
    _created(),
    sa.UniqueConstraint("pool_id", "event_type", "webhook_url"),
)

# The outbox: events written in the same transaction as the change they describe, delivered later by
# the jobs runner (at least once, with retries), so a crash can neither lose nor invent an event.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    _pk(),
    sa.Column("subscription_id", Key, sa.ForeignKey("webhook_subscriptions.id"), nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("payload", JSONDoc, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # PENDING, DELIVERED, FAILED
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt", sa.DateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("delivered", sa.DateTime),
    _created(),
    sa.Index(None, "status", "next_attempt"),
)

# Tables defined beside their features register on the same metadata (imported last: they use it).
from crowdlab.storage import tables_console, tables_messages, tables_quality  # noqa: E402,F401
