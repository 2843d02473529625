"""Money as a double-entry ledger.

Every movement is a transaction of rows that sum to zero (external -> requester on a top-up;
requester -> worker + platform when work is accepted). Balances are sums of rows; the
``balance_micro`` / ``earned_micro`` columns are caches updated in the same transaction, and
``audit`` proves they agree. Money for issued work is *reserved* when a suite is issued, so a
requester's balance can never go below zero when the work is later accepted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import utcnow
from crowdlab.storage.tables import assignments, ledger, requesters, workers


@dataclass(frozen=True)
class Entry:
    account_type: str  # requester | worker | platform | external
    account_id: int | None
    kind: str
    amount_micro: int


def post(conn: Connection, entries: list[Entry], *, assignment_id: int | None = None, note: str = "") -> str:
    """Write one balanced transaction and update the cached balances; returns its id."""
    if sum(e.amount_micro for e in entries) != 0:
        raise ValueError("a ledger transaction must sum to zero")
    txn = str(uuid.uuid4())
    now = utcnow()
    conn.execute(
        ledger.insert(),
        [
            {
                "txn": txn,
                "account_type": e.account_type,
                "account_id": e.account_id,
                "kind": e.kind,
                "amount_micro": e.amount_micro,
                "assignment_id": assignment_id,
                "note": note[:300],
                "created": now,
            }
            for e in entries
        ],
    )
    for e in entries:
        if e.account_type == "requester":
            conn.execute(
                requesters.update()
                .where(requesters.c.id == e.account_id)
                .values(balance_micro=requesters.c.balance_micro + e.amount_micro)
            )
        elif e.account_type == "worker":
            conn.execute(
                workers.update()
                .where(workers.c.id == e.account_id)
                .values(earned_micro=workers.c.earned_micro + e.amount_micro)
            )
    return txn


def top_up(conn: Connection, requester_id: int, amount_micro: int, note: str = "top-up") -> str:
    """Add money to a requester's account (from outside the platform)."""
    if amount_micro <= 0:
        raise ValueError("a top-up must be positive")
    return post(
        conn,
        [
            Entry("external", None, "TOPUP", -amount_micro),
            Entry("requester", requester_id, "TOPUP", amount_micro),
        ],
        note=note,
    )


def reserve(conn: Connection, requester_id: int, amount_micro: int) -> bool:
    """Promise money to a newly issued assignment; False when the free balance cannot cover it."""
    result = conn.execute(
        requesters.update()
        .where(
            requesters.c.id == requester_id,
            requesters.c.balance_micro - requesters.c.reserved_micro >= amount_micro,
        )
        .values(reserved_micro=requesters.c.reserved_micro + amount_micro)
    )
    return result.rowcount == 1


def release(conn: Connection, requester_id: int, amount_micro: int) -> None:
    """Give back money reserved for an assignment that will not be paid (skipped, expired, rejected)."""
    conn.execute(
        requesters.update()
        .where(requesters.c.id == requester_id)
        .values(reserved_micro=requesters.c.reserved_micro - amount_micro)
    )


def pay_assignment(conn: Connection, assignment: sa.Row) -> None:
    """Charge the requester reward + fee for an accepted assignment, pay the worker, keep the fee.

    The money was reserved at issue time, so the reservation is consumed here. A unique index on
    CHARGE rows per assignment makes paying twice impossible.
    """
    total = assignment.reward_micro + assignment.fee_micro
    release(conn, assignment.requester_id, total)
    entries = [Entry("requester", assignment.requester_id, "CHARGE", -total)]
    if assignment.reward_micro:
        entries.append(Entry("worker", assignment.worker_id, "PAYMENT", assignment.reward_micro))
    if assignment.fee_micro:
        entries.append(Entry("platform", None, "FEE", assignment.fee_micro))
    if total:
        post(conn, entries, assignment_id=assignment.id, note="assignment accepted")


@dataclass(frozen=True)
class Audit:
    ok: bool
    problems: list[str]


def audit(conn: Connection) -> Audit:
    """Check the books: every transaction sums to zero, caches equal sums, nothing negative,
    reservations equal the money promised to ACTIVE and SUBMITTED assignments."""
    problems: list[str] = []
    unbalanced = conn.execute(
        sa.select(ledger.c.txn).group_by(ledger.c.txn).having(sa.func.sum(ledger.c.amount_micro) != 0)
    ).all()
    if unbalanced:
        problems.append(f"{len(unbalanced)} ledger transactions do not sum to zero")
    sums = dict(
        conn.execute(
            sa.select(ledger.c.account_id, sa.func.sum(ledger.c.amount_micro))
            .where(ledger.c.account_type == "requester")
            .group_by(ledger.c.account_id)
        ).all()
    )
    pending = dict(
        conn.execute(
            sa.select(
                assignments.c.requester_id,
                sa.func.sum(assignments.c.reward_micro + assignments.c.fee_micro),
            )
            .where(assignments.c.status.in_(["ACTIVE", "SUBMITTED"]))
            .group_by(assignments.c.requester_id)
        ).all()
    )
    for row in conn.execute(sa.select(requesters)).all():
        if row.balance_micro != (sums.get(row.id) or 0):
            problems.append(f"requester {row.id}: balance {row.balance_micro} != ledger {sums.get(row.id)}")
        if row.balance_micro < 0:
            problems.append(f"requester {row.id}: negative balance")
        if row.reserved_micro != (pending.get(row.id) or 0):
            problems.append(
                f"requester {row.id}: reserved {row.reserved_micro} != pending {pending.get(row.id)}"
            )
        if row.reserved_micro > row.balance_micro:
            problems.append(f"requester {row.id}: reserved more than the balance")
    earned = dict(
        conn.execute(
            sa.select(ledger.c.account_id, sa.func.sum(ledger.c.amount_micro))
            .where(ledger.c.account_type == "worker")
            .group_by(ledger.c.account_id)
        ).all()
    )
    for row in conn.execute(sa.select(workers.c.id, workers.c.earned_micro)).all():
        if row.earned_micro != (earned.get(row.id) or 0):
            problems.append(f"worker {row.id}: earned {row.earned_micro} != ledger {earned.get(row.id)}")
    return Audit(ok=not problems, problems=problems)
