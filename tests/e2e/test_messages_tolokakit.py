"""toloka-kit 1.2.3 against a real uvicorn server: message threads (compose, find, get, reply, folders)
and attachments (find, get, download) uploaded by a worker over real HTTP."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crowdlab.sim.server import EmbeddedServer
from tests.conftest import CAT_DOG_PROJECT, pool_body

toloka = pytest.importorskip("toloka.client")
pytestmark = [pytest.mark.e2e]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(f"sqlite:///{tmp_path}/messages.db") as running:
        yield running


def _worker(http: httpx.Client, name: str, languages: list[str]) -> dict[str, str]:
    signed = http.post(
        "/api/worker/signup",
        json={"name": name, "password": "secret-123", "profile": {"languages": languages}},
    )
    assert signed.status_code == 201, signed.text
    http.cookies.clear()
    return {"id": signed.json()["worker_id"], "Authorization": f"Bearer {signed.json()['token']}"}


def _auth(worker: dict[str, str]) -> dict[str, str]:
    return {"Authorization": worker["Authorization"]}


def test_messages_and_attachments_through_toloka_kit(server: EmbeddedServer) -> None:
    from toloka.client import TolokaClient
    from toloka.client.filter import Languages
    from toloka.client.message_thread import (
        Folder,
        MessageThreadCompose,
        MessageThreadReply,
        RecipientsSelectType,
    )

    token = server.create_requester("kit", balance="10")
    kit = TolokaClient(token, url=server.url, retries=0)
    requester_headers = {"Authorization": f"OAuth {token}"}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        project = http.post("/api/v1/projects", json=CAT_DOG_PROJECT, headers=requester_headers).json()
        pool = http.post("/api/v1/pools", json=pool_body(project["id"]), headers=requester_headers).json()
        tasks = [
            {"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.jpg"}} for i in range(4)
        ]
        created = http.post(
            "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks, headers=requester_headers
        )
        assert created.status_code == 201, created.text
        assert http.post(f"/api/v1/pools/{pool['id']}/open", headers=requester_headers).status_code == 202

        en, fr = _worker(http, "en", ["EN"]), _worker(http, "fr", ["FR"])
        assignments = {}
        for worker in (en, fr):
            taken = http.post(f"/api/worker/pools/{pool['id']}/assignments", headers=_auth(worker))
            assert taken.status_code == 201, taken.text
            assignments[worker["id"]] = taken.json()
        payload = bytes(range(256)) * 100
        uploaded = http.post(
            f"/api/worker/assignments/{assignments[en['id']]['id']}/attachments",
            files={"file": ("sound.wav", payload, "audio/wav")},
            headers=_auth(en),
        )
        assert uploaded.status_code == 201, uploaded.text

        # -- message threads ---------------------------------------------------------------------
        direct = kit.compose_message_thread(
            recipients_select_type=RecipientsSelectType.DIRECT,
            recipients_ids=[en["id"]],
            topic={"EN": "Question"},
            text={"EN": "Could you check task 2?"},
            answerable=True,
        )
        assert direct.id and direct.folders == [Folder.OUTBOX] and direct.answerable is True
        assert direct.messages[0].from_.role.value == "REQUESTER" and direct.messages[0].from_.myself is True
        assert direct.compose_details.recipients_ids == [en["id"]]

        by_filter = kit.compose_message_thread(
            recipients_select_type="FILTER",
            recipients_filter=Languages.in_("FR"),
            topic={"EN": "Bonjour"},
            text={"EN": "Hello", "FR": "Bonjour"},
        )
        users = {i.id for i in by_filter.interlocutors if i.role.value == "USER"}
        assert users == {fr["id"]}
        everyone = kit.compose_message_thread(
            recipients_select_type="ALL", topic={"EN": "All"}, text={"EN": "Thanks, all"}
        )
        assert {i.id for i in everyone.interlocutors if i.role.value == "USER"} == {en["id"], fr["id"]}

        fr_inbox = http.get("/api/worker/messages", headers=_auth(fr)).json()["items"]
        assert [m["text"] for m in fr_inbox] == ["Thanks, all", "Bonjour"]

        answer = http.post(
            f"/api/worker/messages/{direct.id}/reply", json={"text": "Done, checked"}, headers=_auth(en)
        )
        assert answer.status_code == 201, answer.text

        unread = kit.find_message_threads(folder=["INBOX", "UNREAD"])
        assert [t.id for t in unread.items] == [direct.id] and unread.has_more is False
        assert unread.items[0].messages[0].text == {"EN": "Done, checked"}
        assert unread.items[0].messages[0].from_.id == en["id"]

        replied = kit.reply_message_thread(direct.id, MessageThreadReply(text={"EN": "Thank you"}))
        assert len(replied.messages) == 3
        important = kit.add_message_thread_to_folders(direct.id, folders=["IMPORTANT"])
        assert Folder.IMPORTANT in important.folders
        read = kit.remove_message_thread_from_folders(direct.id, folders=[Folder.UNREAD])
        assert Folder.UNREAD not in read.folders
        assert [t.id for t in kit.find_message_threads(folder="IMPORTANT").items] == [direct.id]
        assert kit.find_message_threads(folder="UNREAD").items == []
        every_thread = list(kit.get_message_threads(batch_size=1))
        assert [t.id for t in every_thread] == [direct.id, by_filter.id, everyone.id]
        outbox_only = kit.find_message_threads(folder_ne=["IMPORTANT"], sort=["-id"])
        assert [t.id for t in outbox_only.items] == [everyone.id, by_filter.id]

        # -- errors map onto toloka-kit's exception classes ------------------------------------------
        with pytest.raises(toloka.exceptions.ValidationApiError) as invalid:
            kit.compose_message_thread(
                MessageThreadCompose(
                    recipients_select_type="DIRECT",
                    recipients_ids=["999999999999"],
                    topic={"EN": "x"},
                    text={"EN": "y"},
                )
            )
        assert invalid.value.invalid_fields == ["recipients_ids.0"]
        with pytest.raises(toloka.exceptions.DoesNotExistApiError):
            kit.reply_message_thread("999999999999", MessageThreadReply(text={"EN": "?"}))

        # -- attachments -----------------------------------------------------------------------------
        found = kit.find_attachments(pool_id=pool["id"], sort=["-created", "-id"], limit=10)
        (attachment,) = found.items
        assert found.has_more is False
        assert attachment.id == uploaded.json()["id"]
        assert attachment.name == "sound.wav" and attachment.media_type == "audio/wav"
        assert attachment.details.user_id == en["id"]
        assert attachment.details.assignment_id == assignments[en["id"]]["id"]
        assert attachment.owner.myself is True
        assert [a.id for a in kit.get_attachments(pool_id=pool["id"])] == [attachment.id]
        fetched = kit.get_attachment(attachment.id)
        assert type(fetched).__name__ == "AssignmentAttachment"
        out = io.BytesIO()
        kit.download_attachment(attachment.id, out)
        assert out.getvalue() == payload
        other_token = server.create_requester("other")
        with pytest.raises(toloka.exceptions.DoesNotExistApiError):
            TolokaClient(other_token, url=server.url, retries=0).get_attachment(attachment.id)
