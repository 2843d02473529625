"""Webhook subscriptions (Toloka's ``/v1/webhook-subscriptions``), their delivery log, the event bodies
sent to receivers, and the URL rules that keep deliveries out of the server's own network.

A subscription is keyed by (pool, event type, URL): upserting the same triple again replaces its
secret instead of adding a second subscription. ``created`` is strictly increasing per requester,
because toloka-kit pages through subscriptions with ``sort=created&created_gt=<last created>``.

No SSRF: a webhook URL must be http(s) and its host must resolve only to public unicast addresses
(no loopback, private, link-local, CGNAT, multicast, reserved, or IPv6 forms embedding one of those),
unless the operator sets ``CROWDLAB_ALLOW_PRIVATE_WEBHOOKS=1``. Delivery (jobs/webhooks.py) checks the
resolved addresses again and connects to exactly the address it checked, so a DNS answer that changes
after the subscription was accepted (DNS rebinding) cannot redirect a delivery inward.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crowdlab.domain.clock import format_dt, utcnow
from crowdlab.domain.errors import NotFound, ValidationFailed, field_error
from crowdlab.domain.ids import format_id, parse_id
from crowdlab.domain.specs import FieldError
from crowdlab.services import search
from crowdlab.services.events import EVENT_TYPES
from crowdlab.storage.db import Database, inserted_id
from crowdlab.storage.tables import (
    assignments,
    pools,
    requesters,
    webhook_deliveries,
    webhook_subscriptions,
)

ALLOW_PRIVATE_ENV = "CROWDLAB_ALLOW_PRIVATE_WEBHOOKS"
DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")
MAX_BATCH = 1000
MAX_URL_LENGTH = 2048
MAX_SECRET_LENGTH = 200  # the column's size
_EVENT_NAMESPACE = uuid.UUID("6f1c2a52-3e0b-4a47-9d43-5b0f5c0e8a11")
# Keys of the stored payload (services/events.py) that are renamed or not shown in the event body.
_INTERNAL_KEYS = frozenset(
    {"event_type", "event_time", "pool_id", "reason", "subscription_id", "assignment_id"}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


# URL safety ------------------------------------------------------------------------------------


class UnsafeURL(ValueError):
    """A webhook URL we refuse to call; ``code`` is a Toloka validation code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart once, so that every later step uses the same reading of it."""

    scheme: str
    host: str  # lower-case ASCII (IDNA) host name or IP literal, without brackets
    port: int
    path: str  # path and query, at least "/"

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the name the receiver expects, with the port when it is not the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def private_allowed() -> bool:
    """True when the operator allows webhooks to private and loopback addresses (local receivers)."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def parse_target(url: str) -> Target:
    """Check a webhook URL's syntax; raises UnsafeURL(INVALID_URL_SYNTAX) with the reason."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL("STRING_LENGTH_GREATER_THAN_MAX", f"webhook_url is longer than {MAX_URL_LENGTH}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UnsafeURL("INVALID_URL_SYNTAX", "webhook_url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("INVALID_URL_SYNTAX", f"webhook_url is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("INVALID_URL_SYNTAX", "webhook_url must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("INVALID_URL_SYNTAX", "webhook_url must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("INVALID_URL_SYNTAX", "webhook_url has no host")
    if not _is_ip(host):
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise UnsafeURL("INVALID_URL_SYNTAX", f"webhook_url has an invalid host name {host!r}") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_public_address(text: str) -> bool:
    """True for a globally routable unicast address; False for everything that may be internal."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(str(ip.ipv4_mapped))
        if ip.teredo is not None:
            return False
        if ip in _SIX_TO_FOUR or ip in _NAT64:
            embedded = ip.sixtofour if ip in _SIX_TO_FOUR else ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            return embedded is not None and is_public_address(str(embedded))
    return ip.is_global and not ip.is_multicast


def resolve_host(host: str, port: int) -> list[str]:
    """Every address a host name resolves to, in resolver order (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def checked_addresses(target: Target, *, allow_private: bool | None = None) -> list[str]:
    """Resolve the target's host and return the addresses it is safe to connect to.

    Raises UnsafeURL when the host does not resolve, or when any of its addresses is not public and
    private targets are not allowed (one bad address refuses the host: we cannot know which one a
    later resolution would pick).
    """
    allow = private_allowed() if allow_private is None else allow_private
    try:
        addresses = [target.host] if _is_ip(target.host) else resolve_host(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL("INVALID_VALUE", f"the host {target.host!r} does not resolve: {exc}") from None
    if not addresses:
        raise UnsafeURL("INVALID_VALUE", f"the host {target.host!r} does not resolve")
    if not allow:
        for address in addresses:
            if not is_public_address(address):
                raise UnsafeURL(
                    "VALUE_NOT_ALLOWED",
                    f"webhook_url points at a non-public address ({target.host} -> {address}); "
                    f"the operator can allow this with {ALLOW_PRIVATE_ENV}=1",
                )
    return addresses


def check_url(url: str) -> FieldError | None:
    """The subscription-time check of a webhook URL: syntax, and (unless allowed) public addresses."""
    try:
        target = parse_target(url)
        if not private_allowed():
            checked_addresses(target, allow_private=False)
    except UnsafeURL as exc:
        return FieldError(exc.code, exc.message)
    return None


# Subscriptions ----------------------------------------------------------------------------------


def format_created(value: datetime) -> str:
    """Milliseconds like every other timestamp, or microseconds when they are needed to stay unique."""
    if value.microsecond % 1000:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(format_dt(value))


def view(row: Any) -> dict[str, Any]:
    """The WebhookSubscription on the wire; the secret is never shown."""
    return {
        "id": format_id(row.id),
        "webhook_url": row.webhook_url,
        "event_type": row.event_type,
        "pool_id": format_id(row.pool_id),
        "created": format_created(row.created),
    }


def load(conn: Connection, requester_id: int, subscription_id: str) -> Any:
    """A subscription of this requester; NotFound for anyone else's or unknown ids."""
    row = conn.execute(
        sa.select(webhook_subscriptions).where(
            webhook_subscriptions.c.id == parse_id(subscription_id),
            webhook_subscriptions.c.requester_id == requester_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"Webhook subscription {subscription_id} does not exist")
    return row


@dataclass
class _Item:
    idx: str
    webhook_url: str
    event_type: str
    pool_id: str
    secret_key: str | None


def _check_item(idx: str, item: Any) -> tuple[_Item | None, dict[str, FieldError]]:
    """Shape checks and the URL check (which may resolve DNS, so it runs outside any transaction)."""
    if not isinstance(item, dict):
        return None, {"": FieldError("OBJECT_EXPECTED", "A webhook subscription must be a JSON object")}
    errors: dict[str, FieldError] = {}
    for name in ("webhook_url", "event_type", "pool_id"):
        value = item.get(name)
        if value is None or value == "":
            errors[name] = FieldError("VALUE_REQUIRED", f"{name} is required")
        elif not isinstance(value, str):
            errors[name] = FieldError("STRING_EXPECTED", f"{name} must be a string")
    if "event_type" not in errors and item["event_type"] not in EVENT_TYPES:
        errors["event_type"] = FieldError(
            "UNKNOWN_ENUM_VALUE", f"{item['event_type']!r} is not one of {', '.join(EVENT_TYPES)}"
        )
    secret = item.get("secret_key")
    if secret is not None and not isinstance(secret, str):
        errors["secret_key"] = FieldError("STRING_EXPECTED", "secret_key must be a string")
    elif secret is not None and len(secret) > MAX_SECRET_LENGTH:
        errors["secret_key"] = FieldError(
            "STRING_LENGTH_GREATER_THAN_MAX", f"secret_key is longer than {MAX_SECRET_LENGTH}"
        )
    if "webhook_url" not in errors:
        problem = check_url(item["webhook_url"])
        if problem:
            errors["webhook_url"] = problem
    if errors:
        return None, errors
    return _Item(idx, item["webhook_url"], item["event_type"], item["pool_id"], secret or None), {}


def upsert(db: Database, requester_id: int, body: Any) -> tuple[int, dict[str, Any]]:
    """Create or update subscriptions from a list; returns (HTTP status, batch result).

    Valid items are written even when others are invalid (``validation_errors`` names those, keyed
    by index); when no item is valid nothing is written and the answer is a VALIDATION_ERROR.
    Status 201 when at least one subscription was created, 200 when all were updates.
    """
    if not isinstance(body, list):
        raise field_error("", "ARRAY_EXPECTED", "The body must be a list of webhook subscriptions")
    if not body:
        raise field_error("", "ARRAY_SIZE_LESS_THAN_MIN", "The list of webhook subscriptions is empty")
    if len(body) > MAX_BATCH:
        raise field_error("", "ARRAY_SIZE_GREATER_THAN_MAX", f"At most {MAX_BATCH} subscriptions per request")
    errors: dict[str, dict[str, Any]] = {}
    valid: list[_Item] = []
    for position, raw in enumerate(body):
        item, problems = _check_item(str(position), raw)
        if item is None:
            errors[str(position)] = {k: v.as_dict() for k, v in problems.items()}
        else:
            valid.append(item)
    created_any = False
    items: dict[str, dict[str, Any]] = {}
    with db.write() as conn:
        owned = _owned_pools(conn, requester_id, {item.pool_id for item in valid})
        writable = []
        for item in valid:
            if item.pool_id in owned:
                writable.append(item)
            else:
                message = f"Pool {item.pool_id} does not exist"
                errors[item.idx] = {"pool_id": FieldError("ENTITY_DOES_NOT_EXIST", message).as_dict()}
        if writable:
            clock = _CreatedClock(conn, requester_id)
            for item in writable:
                row, created = _upsert_one(conn, requester_id, owned[item.pool_id], item, clock)
                created_any = created_any or created
                items[item.idx] = view(row)
    if not items:
        errors = dict(sorted(errors.items(), key=lambda kv: int(kv[0])))
        raise ValidationFailed(errors, message="Validation failed: no webhook subscription was saved")
    ordered_errors = dict(sorted(errors.items(), key=lambda kv: int(kv[0]))) or None
    return (201 if created_any else 200), {"items": items, "validation_errors": ordered_errors}


def _owned_pools(conn: Connection, requester_id: int, wire_ids: set[str]) -> dict[str, int]:
    numbers = {wire: parse_id(wire) for wire in wire_ids}
    wanted = [n for n in numbers.values() if n is not None]
    if not wanted:
        return {}
    found = set(
        conn.execute(
            sa.select(pools.c.id).where(pools.c.id.in_(wanted), pools.c.requester_id == requester_id)
        ).scalars()
    )
    return {wire: number for wire, number in numbers.items() if number is not None and number in found}


class _CreatedClock:
    """Hands out ``created`` values strictly after every existing one of the requester.

    The requester row is locked first (PostgreSQL; SQLite writers are serialized anyway), so two
    concurrent upserts by one requester cannot pick the same instant.
    """

    def __init__(self, conn: Connection, requester_id: int):
        if conn.dialect.name != "sqlite":
            conn.execute(sa.select(requesters.c.id).where(requesters.c.id == requester_id).with_for_update())
        self.last: datetime | None = conn.execute(
            sa.select(sa.func.max(webhook_subscriptions.c.created)).where(
                webhook_subscriptions.c.requester_id == requester_id
            )
        ).scalar()

    def next(self) -> datetime:
        now = utcnow()
        if self.last is not None and now <= self.last:
            now = self.last + timedelta(microseconds=1)
        self.last = now
        return now


def _upsert_one(
    conn: Connection, requester_id: int, pool_id: int, item: _Item, clock: _CreatedClock
) -> tuple[Any, bool]:
    key = (
        webhook_subscriptions.c.pool_id == pool_id,
        webhook_subscriptions.c.event_type == item.event_type,
        webhook_subscriptions.c.webhook_url == item.webhook_url,
    )
    existing = conn.execute(sa.select(webhook_subscriptions.c.id).where(*key)).scalar()
    if existing is not None:
        conn.execute(
            webhook_subscriptions.update()
            .where(webhook_subscriptions.c.id == existing)
            .values(secret_key=item.secret_key)
        )
        number, created = existing, False
    else:
        number = inserted_id(
            conn.execute(
                webhook_subscriptions.insert().values(
                    requester_id=requester_id,
                    pool_id=pool_id,
                    event_type=item.event_type,
                    webhook_url=item.webhook_url,
                    secret_key=item.secret_key,
                    created=clock.next(),
                )
            )
        )
        created = True
    row = conn.execute(sa.select(webhook_subscriptions).where(webhook_subscriptions.c.id == number)).one()
    return row, created


def get(db: Database, requester_id: int, subscription_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(load(conn, requester_id, subscription_id))


SPEC = search.SearchSpec(
    exact={
        "event_type": (webhook_subscriptions.c.event_type, search.enum_list("event_type", EVENT_TYPES)),
        "pool_id": (webhook_subscriptions.c.pool_id, search.id_param("pool_id")),
    },
    id_ranges={"id": webhook_subscriptions.c.id},
    time_ranges={"created": webhook_subscriptions.c.created},
    sort={"id": webhook_subscriptions.c.id, "created": webhook_subscriptions.c.created},
    default_limit=50,
    max_limit=300,
)


def find(db: Database, requester_id: int, params: dict[str, str]) -> dict[str, Any]:
    with db.read() as conn:
        query = sa.select(webhook_subscriptions).where(webhook_subscriptions.c.requester_id == requester_id)
        return search.run(conn, query, SPEC, params, view)


def delete(db: Database, requester_id: int, subscription_id: str) -> None:
    """Delete a subscription with its delivery log; queued deliveries are dropped and never sent.

    A delivery already in flight may still reach the receiver once; its result is then discarded.
    """
    with db.write() as conn:
        row = load(conn, requester_id, subscription_id)
        conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.subscription_id == row.id))
        conn.execute(webhook_subscriptions.delete().where(webhook_subscriptions.c.id == row.id))


# Event bodies and the delivery log ------------------------------------------------------------


def event_uuid(delivery_id: int, created: datetime) -> str:
    """The event's ``uuid``: stable across retries of one delivery, different for every delivery."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{delivery_id}/{created.isoformat()}"))


def render_events(conn: Connection, rows: list[Any]) -> dict[int, dict[str, Any]]:
    """The Toloka-style event object of each delivery row, keyed by delivery id.

    Fields follow Toloka's notification format: ``uuid, event_time, project_id, pool_id,
    webhook_subscription_id, type`` plus ``close_reason`` (POOL_CLOSED) or ``task_suite_id,
    assignment_id`` (ASSIGNMENT_*); other fields an event was emitted with are passed through.
    """
    projects = _lookup(conn, pools.c.id, pools.c.project_id, [row.payload.get("pool_id") for row in rows])
    suites = _lookup(
        conn,
        assignments.c.id,
        assignments.c.task_suite_id,
        [row.payload.get("assignment_id") for row in rows],
    )
    rendered = {}
    for row in rows:
        payload: Mapping[str, Any] = row.payload
        project = projects.get(parse_id(str(payload.get("pool_id"))) or -1)
        event: dict[str, Any] = {
            "uuid": event_uuid(row.id, row.created),
            "event_time": payload.get("event_time") or format_dt(row.created),
            "project_id": format_id(project) if project is not None else None,
            "pool_id": payload.get("pool_id"),
        }
        if row.event_type == "POOL_CLOSED":
            event["close_reason"] = payload.get("reason")
        if "assignment_id" in payload:
            suite = suites.get(parse_id(str(payload["assignment_id"])) or -1)
            event["task_suite_id"] = format_id(suite) if suite is not None else None
            event["assignment_id"] = payload["assignment_id"]
        for (
            key,
            value,
        ) in payload.items():  # event-specific fields (e.g. task_id of DYNAMIC_OVERLAP_COMPLETED)
            if key not in _INTERNAL_KEYS and key not in event:
                event[key] = value
        event["webhook_subscription_id"] = format_id(row.subscription_id)
        event["type"] = row.event_type
        rendered[row.id] = event
    return rendered


def _lookup(conn: Connection, key: Any, value: Any, wire_ids: list[Any]) -> dict[int, int]:
    numbers = sorted({n for n in (parse_id(str(w)) for w in wire_ids if w is not None) if n is not None})
    if not numbers:
        return {}
    return {k: v for k, v in conn.execute(sa.select(key, value).where(key.in_(numbers)))}


def delivery_view(row: Any, event: dict[str, Any]) -> dict[str, Any]:
    """One entry of the delivery log (a crowdlab extension, not part of Toloka's API)."""
    return {
        "id": format_id(row.id),
        "subscription_id": format_id(row.subscription_id),
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt": format_dt(row.next_attempt) if row.status == "PENDING" else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "delivered": format_dt(row.delivered),
        "created": format_dt(row.created),
        "event": event,
    }


DELIVERY_SPEC = search.SearchSpec(
    exact={"status": (webhook_deliveries.c.status, search.enum_list("status", DELIVERY_STATUSES))},
    id_ranges={"id": webhook_deliveries.c.id},
    time_ranges={"created": webhook_deliveries.c.created},
    sort={"id": webhook_deliveries.c.id, "created": webhook_deliveries.c.created},
    default_limit=50,
    max_limit=300,
)


def find_deliveries(
    db: Database, requester_id: int, subscription_id: str, params: dict[str, str]
) -> dict[str, Any]:
    """The delivery log of one subscription: ``{items, has_more}`` with the usual search parameters."""
    with db.read() as conn:
        subscription = load(conn, requester_id, subscription_id)
        query = sa.select(webhook_deliveries).where(webhook_deliveries.c.subscription_id == subscription.id)
        query, limit = search.apply(query, DELIVERY_SPEC, params)
        rows = list(conn.execute(query).all())
        page = rows[:limit]
        events = render_events(conn, page) if page else {}
        return {"items": [delivery_view(r, events[r.id]) for r in page], "has_more": len(rows) > limit}
