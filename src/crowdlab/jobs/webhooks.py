"""Webhook delivery: the jobs runner's half of the outbox (``webhook_deliveries``).

Events are queued by ``services.events.emit`` inside the transaction that caused them; this module
sends them. Nothing here runs on a request thread, so a slow or dead receiver never slows the API.

What a receiver gets (Toloka's notification format, https://toloka.ai/docs/api/using-webhook-subscriptions/,
one event per request)::

    POST <webhook_url>
    Content-Type: application/json
    X-Crowdlab-Event: ASSIGNMENT_SUBMITTED
    X-Crowdlab-Delivery: 000000000042            (the same on every retry: de-duplicate on it)
    X-Crowdlab-Signature: sha256=<hex HMAC-SHA256 of the raw body, key = secret_key>
    Toloka-Signature: {v=1, ts=<unix ms>, sign=<hex HMAC-SHA256 of "<ts>.1.<raw body>">}

    {"events": [{"uuid": "...", "event_time": "2030-01-02T03:04:05.678", "project_id": "...",
                 "pool_id": "...", "task_suite_id": "...", "assignment_id": "...",
                 "webhook_subscription_id": "...", "type": "ASSIGNMENT_SUBMITTED"}]}

POOL_CLOSED events carry ``close_reason`` instead of ``task_suite_id``/``assignment_id``. The two
signature headers are sent only when the subscription has a secret_key; ``Toloka-Signature`` follows
Toloka's event-authentication scheme (https://toloka.ai/docs/api/authentication/) for receivers
written against Toloka.

Claiming: due PENDING rows are leased in one short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite serializes writers): ``attempts`` goes up by one and ``next_attempt`` moves past
the lease, so no other runner picks the row while it is being sent. The result is written back only
if the row still carries that attempt number, so a stale runner cannot overwrite a newer outcome.
A runner that dies mid-delivery leaves the row to be retried when the lease ends (at least once).

Outcome: a 2xx answer marks the row DELIVERED. Anything else (other status, timeout, refused
connection, an address that is no longer public) is retried after ``base * 2**(attempts-1)``
seconds (capped), until ``max_attempts``, then FAILED. Redirects are not followed.

Tuning by environment (read when a dispatcher is created): CROWDLAB_WEBHOOK_BACKOFF (base seconds,
default 10), CROWDLAB_WEBHOOK_BACKOFF_CAP (3600), CROWDLAB_WEBHOOK_MAX_ATTEMPTS (10: about 85 minutes
of retries with the defaults), CROWDLAB_WEBHOOK_TIMEOUT (connect/read seconds, 5),
CROWDLAB_WEBHOOK_CONCURRENCY (parallel deliveries per runner, 8).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx
import sqlalchemy as sa

from crowdlab.domain.clock import utcnow
from crowdlab.domain.ids import format_id
from crowdlab.services.webhooks import UnsafeURL, checked_addresses, parse_target, render_events
from crowdlab.storage.db import Database
from crowdlab.storage.tables import webhook_deliveries, webhook_subscriptions

log = logging.getLogger("crowdlab.jobs.webhooks")

USER_AGENT = "crowdlab-webhooks/0.1"
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard and how fast to try."""

    backoff_base: float = 10.0
    backoff_cap: float = 3600.0
    max_attempts: int = 10
    timeout: float = 5.0
    concurrency: int = 8
    # How long a claimed row stays invisible to other runners; longer than any one delivery takes.
    lease: float = 120.0

    @classmethod
    def from_env(cls) -> DeliveryPolicy:
        """The defaults, overridden by CROWDLAB_WEBHOOK_* environment variables."""
        env = os.environ
        return cls(
            backoff_base=float(env.get("CROWDLAB_WEBHOOK_BACKOFF", cls.backoff_base)),
            backoff_cap=float(env.get("CROWDLAB_WEBHOOK_BACKOFF_CAP", cls.backoff_cap)),
            max_attempts=int(env.get("CROWDLAB_WEBHOOK_MAX_ATTEMPTS", cls.max_attempts)),
            timeout=float(env.get("CROWDLAB_WEBHOOK_TIMEOUT", cls.timeout)),
            concurrency=max(1, int(env.get("CROWDLAB_WEBHOOK_CONCURRENCY", cls.concurrency))),
        )

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return float(min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Job:
    """One claimed delivery, with everything needed to send it."""

    id: int
    attempts: int  # including this one
    event_type: str
    url: str
    secret: str | None
    body: bytes


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str | None = None


def sign(secret: str, body: bytes) -> str:
    """``X-Crowdlab-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def toloka_signature(secret: str, body: bytes, ts_ms: int) -> str:
    """``Toloka-Signature`` as Toloka sends it: HMAC-SHA256 of ``"<ts>.<v>.<body>"``."""
    message = f"{ts_ms}.1.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{{v=1, ts={ts_ms}, sign={digest}}}"


def claim(db: Database, limit: int, policy: DeliveryPolicy) -> list[Job]:
    """Lease up to ``limit`` due deliveries to this runner (see the module docstring)."""
    if limit <= 0:
        return []
    now = utcnow()
    with db.write() as conn:
        due = (
            sa.select(webhook_deliveries.c.id)
            .where(webhook_deliveries.c.status == "PENDING", webhook_deliveries.c.next_attempt <= now)
            .order_by(webhook_deliveries.c.next_attempt, webhook_deliveries.c.id)
            .limit(limit)
        )
        if conn.dialect.name != "sqlite":
            due = due.with_for_update(skip_locked=True)
        ids = list(conn.execute(due).scalars())
        if not ids:
            return []
        conn.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.id.in_(ids))
            .values(
                attempts=webhook_deliveries.c.attempts + 1,
                next_attempt=now + timedelta(seconds=policy.lease),
            )
        )
        rows = conn.execute(
            sa.select(
                webhook_deliveries,
                webhook_subscriptions.c.webhook_url,
                webhook_subscriptions.c.secret_key,
            )
            .join(webhook_subscriptions, webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id)
            .where(webhook_deliveries.c.id.in_(ids))
            .order_by(webhook_deliveries.c.id)
        ).all()
        events = render_events(conn, list(rows))
    return [
        Job(
            id=row.id,
            attempts=row.attempts,
            event_type=row.event_type,
            url=row.webhook_url,
            secret=row.secret_key,
            body=json.dumps({"events": [events[row.id]]}, separators=(",", ":")).encode("utf-8"),
        )
        for row in rows
    ]


def make_client(policy: DeliveryPolicy, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The HTTP client for deliveries: short timeouts, no redirects, no proxies from the environment,
    and no kept-alive connections (a connection is pinned to one checked address and one TLS name)."""
    return httpx.Client(
        timeout=httpx.Timeout(policy.timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=policy.concurrency * 2, max_keepalive_connections=0),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
    )


def send(client: httpx.Client, job: Job) -> Outcome:
    """POST one delivery to the address its URL resolves to now, after checking that address again."""
    try:
        target = parse_target(job.url)
        addresses = checked_addresses(target)
    except UnsafeURL as exc:
        return Outcome(False, error=f"refused: {exc.message}")
    headers = {
        "Content-Type": "application/json",
        "Host": target.host_header,
        "X-Crowdlab-Event": job.event_type,
        "X-Crowdlab-Delivery": format_id(job.id),
    }
    if job.secret:
        headers["X-Crowdlab-Signature"] = sign(job.secret, job.body)
        headers["Toloka-Signature"] = toloka_signature(job.secret, job.body, int(time.time() * 1000))
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    error = "no address to connect to"
    for address in addresses[:4]:
        try:
            url = httpx.URL(job.url).copy_with(scheme=target.scheme, host=address, port=target.port)
            request = client.build_request(
                "POST", url, content=job.body, headers=headers, extensions=extensions
            )
            response = client.send(request, stream=True)
        except httpx.ConnectError as exc:  # try the host's next address
            error = _describe(exc)
            continue
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return Outcome(False, error=_describe(exc))
        response.close()  # the body is not needed and may be large
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code)
        return Outcome(False, response.status_code, f"HTTP {response.status_code}")
    return Outcome(False, error=error)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


def record(db: Database, job: Job, outcome: Outcome, policy: DeliveryPolicy) -> str | None:
    """Write the result of one attempt; returns the row's new status, or None when the row was
    deleted or re-claimed meanwhile (then the result is dropped)."""
    now = utcnow()
    values: dict[str, object] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.delivered:
        values.update(status="DELIVERED", delivered=now)
    elif job.attempts >= policy.max_attempts:
        values.update(status="FAILED")
    else:
        values.update(next_attempt=now + timedelta(seconds=policy.delay(job.attempts)))
    with db.write() as conn:
        result = conn.execute(
            webhook_deliveries.update()
            .where(
                webhook_deliveries.c.id == job.id,
                webhook_deliveries.c.status == "PENDING",
                webhook_deliveries.c.attempts == job.attempts,
            )
            .values(**values)
        )
    if result.rowcount != 1:
        return None
    return str(values.get("status", "PENDING"))


def deliver(db: Database, client: httpx.Client, job: Job, policy: DeliveryPolicy) -> str | None:
    """Send one claimed delivery and record the outcome; never raises."""
    try:
        outcome = send(client, job)
    except Exception as exc:  # a bug must cost one attempt, not the runner
        log.exception("webhook delivery %s crashed", job.id)
        outcome = Outcome(False, error=_describe(exc))
    try:
        return record(db, job, outcome, policy)
    except Exception:
        log.exception("could not record webhook delivery %s (retried when its lease ends)", job.id)
        return None


def deliver_due(
    db: Database,
    *,
    policy: DeliveryPolicy | None = None,
    client: httpx.Client | None = None,
    limit: int = 100,
) -> dict[str, int]:
    """Claim due deliveries and send them in parallel, waiting for all; returns counts by new status.

    The synchronous entry point (tests, one-off runs); the background runner uses WebhookDispatcher.
    """
    policy = policy or DeliveryPolicy.from_env()
    own_client = client is None
    http = client or make_client(policy)
    counts = {"DELIVERED": 0, "PENDING": 0, "FAILED": 0, "dropped": 0}
    try:
        jobs = claim(db, limit, policy)
        if jobs:
            with ThreadPoolExecutor(min(policy.concurrency, len(jobs))) as pool:
                for status in pool.map(lambda job: deliver(db, http, job, policy), jobs):
                    counts[status or "dropped"] += 1
    finally:
        if own_client:
            http.close()
    return counts


class WebhookDispatcher:
    """Runs deliveries on a small thread pool so that the sweeper's pass never waits for a receiver.

    ``dispatch()`` (called on every sweeper pass) claims only as many rows as there are idle delivery
    threads and returns at once; a stuck receiver occupies one thread for at most the timeouts.
    """

    def __init__(
        self, db: Database, policy: DeliveryPolicy | None = None, client: httpx.Client | None = None
    ):
        self.db = db
        self.policy = policy or DeliveryPolicy.from_env()
        self._client = client or make_client(self.policy)
        self._executor = ThreadPoolExecutor(self.policy.concurrency, thread_name_prefix="crowdlab-webhook")
        self._idle = threading.Condition()
        self._in_flight = 0
        self._closed = False

    def dispatch(self) -> int:
        """Start deliveries for due rows, up to the free capacity; returns how many were started."""
        with self._idle:
            free = self.policy.concurrency - self._in_flight
            if self._closed or free <= 0:
                return 0
            self._in_flight += free  # reserve the capacity while claiming
        jobs: list[Job] = []
        try:
            jobs = claim(self.db, free, self.policy)
        finally:
            with self._idle:
                self._in_flight -= free - len(jobs)
                self._idle.notify_all()
        for job in jobs:
            self._executor.submit(self._run, job)
        return len(jobs)

    def _run(self, job: Job) -> None:
        try:
            deliver(self.db, self._client, job, self.policy)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def close(self, timeout: float | None = None) -> None:
        """Stop taking work and wait (bounded) for deliveries in flight; unsent claims are retried
        by any runner once their lease ends."""
        with self._idle:
            self._closed = True
            wait = timeout if timeout is not None else min(10.0, self.policy.timeout * 2 + 1)
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=wait)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._client.close()
