"""toloka-kit 1.2.3's webhook methods against a real crowdlab server: upsert, get, find, paging by
``created`` (get_webhook_subscriptions), delete, and the errors it maps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crowdlab.sim.server import EmbeddedServer
from tests.conftest import CAT_DOG_PROJECT, pool_body

toloka = pytest.importorskip("toloka.client")
pytestmark = [pytest.mark.e2e]


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedServer]:
    monkeypatch.setenv("CROWDLAB_ALLOW_PRIVATE_WEBHOOKS", "1")
    with EmbeddedServer(f"sqlite:///{tmp_path}/kit.db") as running:
        yield running


def make_pool(server: EmbeddedServer, token: str) -> str:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"OAuth {token}"}) as http:
        project = http.post("/api/v1/projects", json=CAT_DOG_PROJECT).json()
        return str(http.post("/api/v1/pools", json=pool_body(project["id"])).json()["id"])


def test_toloka_kit_manages_webhook_subscriptions(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toloka.client import TolokaClient
    from toloka.client.exceptions import DoesNotExistApiError, ValidationApiError
    from toloka.client.webhook_subscription import WebhookSubscription

    token = server.create_requester("kit", balance="10")
    client: Any = TolokaClient(token, url=server.url)  # toloka-kit's fields are all Optional
    pool_id = make_pool(server, token)
    event = WebhookSubscription.EventType
    wanted = [
        WebhookSubscription(
            webhook_url=f"http://127.0.0.1:9/hook/{i}", event_type=event.POOL_CLOSED, pool_id=pool_id
        )
        for i in range(5)
    ]
    wanted[0].secret_key = "kit-secret"
    result = client.upsert_webhook_subscriptions(wanted)
    assert not result.validation_errors
    created = [result.items[str(i)] for i in range(5)]
    assert all(s.id and s.created and s.secret_key is None for s in created)
    assert [s.webhook_url for s in created] == [w.webhook_url for w in wanted]

    fetched = client.get_webhook_subscription(created[0].id)
    assert fetched.event_type == event.POOL_CLOSED and fetched.pool_id == pool_id
    assert fetched.created == created[0].created and fetched.secret_key is None

    found = client.find_webhook_subscriptions(pool_id=pool_id, event_type=event.POOL_CLOSED, limit=2)
    assert len(found.items) == 2 and found.has_more
    # get_* pages with sort=created and created_gt=<last created>: every one, once, in order
    paged = list(client.get_webhook_subscriptions(pool_id=pool_id, batch_size=2))
    assert [s.id for s in paged] == [s.id for s in created]

    # upsert again: the same subscription, not a sixth one
    again = client.upsert_webhook_subscriptions([wanted[0]])
    assert again.items["0"].id == created[0].id
    assert len(list(client.get_webhook_subscriptions(pool_id=pool_id))) == 5

    client.delete_webhook_subscription(created[0].id)
    with pytest.raises(DoesNotExistApiError):
        client.get_webhook_subscription(created[0].id)
    assert [s.id for s in client.get_webhook_subscriptions(pool_id=pool_id)] == [s.id for s in created[1:]]

    # without the operator's permission a loopback URL is refused, naming the item and the field
    monkeypatch.delenv("CROWDLAB_ALLOW_PRIVATE_WEBHOOKS")
    refused: Any
    with pytest.raises(ValidationApiError) as refused:
        client.upsert_webhook_subscriptions(
            [
                WebhookSubscription(
                    webhook_url="http://127.0.0.1:8080/", event_type=event.POOL_CLOSED, pool_id=pool_id
                )
            ]
        )
    assert refused.value.invalid_fields == ["0"]
    assert refused.value.payload["0"]["webhook_url"]["code"] == "VALUE_NOT_ALLOWED"
    # someone else's pool does not exist for this requester
    stranger: Any = TolokaClient(server.create_requester("stranger"), url=server.url)
    with pytest.raises(DoesNotExistApiError):
        stranger.get_webhook_subscription(created[1].id)
    monkeypatch.setenv("CROWDLAB_ALLOW_PRIVATE_WEBHOOKS", "1")
    foreign: Any
    with pytest.raises(ValidationApiError) as foreign:
        stranger.upsert_webhook_subscriptions(
            [
                WebhookSubscription(
                    webhook_url="http://127.0.0.1:9/x", event_type=event.POOL_CLOSED, pool_id=pool_id
                )
            ]
        )
    assert "pool_id" in foreign.value.payload["0"]
