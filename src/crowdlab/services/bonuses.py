"""Bonuses: extra money a requester pays a worker, from the balance, with the platform fee."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import NotFound
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.money import as_json_number, fee_for, to_micro
from crowdlab.domain.specs import FieldError
from crowdlab.services import batch, ledger, search
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments, requesters, user_bonuses

MAX_BONUS_MICRO = 100_000_000  # 100 USD per bonus
DOC_FIELDS = ("private_comment", "public_title", "public_message", "without_message")


def view(row: Any) -> dict[str, Any]:
    """The UserBonus object on the wire."""
    out = {
        "id": format_id(row.id),
        "user_id": format_id(row.worker_id),
        "amount": as_json_number(row.amount_micro),
        "created": format_dt(row.created),
        **row.doc,
    }
    if row.assignment_id is not None:
        out["assignment_id"] = format_id(row.assignment_id)
    return out


def _views(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {
        r.id: view(r) for r in conn.execute(sa.select(user_bonuses).where(user_bonuses.c.id.in_(ids))).all()
    }


def _free_balance(conn: Connection, requester_id: int) -> int:
    query = sa.select(requesters.c.balance_micro - requesters.c.reserved_micro).where(
        requesters.c.id == requester_id
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def _prepare(
    conn: Connection, item: dict[str, Any], options: batch.CreateOptions, cache: dict[str, Any]
) -> tuple[Any, dict[str, FieldError]]:
    requester_id = cache["requester_id"]
    worker_id = parse_id(str(item.get("user_id") or ""))
    worked = (
        worker_id is not None
        and conn.execute(
            sa.select(assignments.c.id)
            .where(assignments.c.worker_id == worker_id, assignments.c.requester_id == requester_id)
            .limit(1)
        ).first()
    )
    if not worked:
        return None, {
            "user_id": FieldError("ENTITY_DOES_NOT_EXIST", "Bonuses go to workers who have done your tasks")
        }
    try:
        amount = to_micro(item.get("amount"))
    except ValueError:
        return None, {"amount": FieldError("FLOAT_EXPECTED", "amount must be a number of USD")}
    if not 0 < amount <= MAX_BONUS_MICRO:
        return None, {
            "amount": FieldError("VALUE_OUT_OF_BOUNDS", "amount must be more than 0 and at most 100")
        }
    assignment_id = None
    if item.get("assignment_id") is not None:
        assignment_id = parse_id(str(item["assignment_id"]))
        owner = conn.execute(
            sa.select(assignments.c.worker_id).where(
                assignments.c.id == assignment_id, assignments.c.requester_id == requester_id
            )
        ).scalar()
        if owner != worker_id:
            return None, {
                "assignment_id": FieldError("ENTITY_DOES_NOT_EXIST", "No such assignment of this worker")
            }
    if not item.get("without_message", False) and not (
        item.get("public_title") and item.get("public_message")
    ):
        return None, {
            "public_title": FieldError(
                "VALUE_REQUIRED", "A bonus with a message needs public_title and public_message"
            )
        }
    fee = fee_for(amount, cache["fee_rate"])
    if "free" not in cache:
        cache["free"] = _free_balance(conn, requester_id)
    if cache["free"] < amount + fee:
        return None, {
            "amount": FieldError(
                "VALUE_GREATER_THAN_MAX", "Not enough money on the balance for this bonus and its fee"
            )
        }
    cache["free"] -= amount + fee
    doc = {k: item[k] for k in DOC_FIELDS if item.get(k) is not None}
    return {
        "requester_id": requester_id,
        "worker_id": worker_id,
        "assignment_id": assignment_id,
        "amount_micro": amount,
        "fee_micro": fee,
        "doc": doc,
        "created": utcnow(),
    }, {}


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    ids = list(
        conn.execute(
            user_bonuses.insert().returning(user_bonuses.c.id, sort_by_parameter_order=True), rows
        ).scalars()
    )
    for row in rows:
        entries = [
            ledger.Entry(
                "requester", row["requester_id"], "BONUS", -(row["amount_micro"] + row["fee_micro"])
            ),
            ledger.Entry("worker", row["worker_id"], "BONUS", row["amount_micro"]),
        ]
        if row["fee_micro"]:
            entries.append(ledger.Entry("platform", None, "FEE", row["fee_micro"]))
        ledger.post(conn, entries, assignment_id=row["assignment_id"], note="bonus")
    return ids


KIND = batch.Kind(
    operation_type="USER_BONUS.BATCH_CREATE",
    created_log="USER_BONUS_PERSIST",
    invalid_log="USER_BONUS_VALIDATE",
    id_key="user_bonus_id",
    noun="bonus",
    prepare=_prepare,
    insert=_insert,
    views=_views,
    parameters=lambda o: {"skip_invalid_items": o.skip_invalid_items},
)


def create(
    db: Database, requester_id: int, body: Any, options: batch.CreateOptions, *, fee_rate: Any
) -> tuple[int, Any]:
    """Pay one bonus or many (see services/batch.py for the batch contract)."""
    return batch.create(db, requester_id, body, options, KIND, context={"fee_rate": fee_rate})


def get(db: Database, requester_id: int, bonus_id: str) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(
            sa.select(user_bonuses).where(
                user_bonuses.c.id == parse_id(bonus_id), user_bonuses.c.requester_id == requester_id
            )
        ).first()
    if row is None:
        raise NotFound(f"Bonus {bonus_id} does not exist")
    return view(row)


SPEC = search.SearchSpec(
    exact={
        "user_id": (user_bonuses.c.worker_id, search.id_param("user_id")),
        "assignment_id": (user_bonuses.c.assignment_id, search.id_param("assignment_id")),
    },
    id_ranges={"id": user_bonuses.c.id},
    time_ranges={"created": user_bonuses.c.created},
    sort={"id": user_bonuses.c.id, "created": user_bonuses.c.created},
    max_limit=300,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    query = sa.select(user_bonuses).where(user_bonuses.c.requester_id == requester_id)
    if params.get("private_comment"):
        query = query.where(user_bonuses.c.doc["private_comment"].as_string() == params["private_comment"])
    with db.read() as conn:
        return search.run(conn, query, SPEC, params, view)


def for_worker(conn: Connection, worker_id: int) -> list[dict[str, Any]]:
    """A worker's bonuses (what the worker may see: no private comment)."""
    rows = conn.execute(
        sa.select(user_bonuses)
        .where(user_bonuses.c.worker_id == worker_id)
        .order_by(user_bonuses.c.id.desc())
    ).all()
    return [{k: v for k, v in view(r).items() if k != "private_comment"} for r in rows]
