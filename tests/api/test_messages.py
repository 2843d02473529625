"""Message threads and appeals through the in-process API: compose (DIRECT / FILTER / ALL), replies,
per-party folders, the worker inbox, tenancy, and appeals of rejected work."""

from __future__ import annotations

from typing import Any

import pytest

from crowdlab.services import appeals, issuing
from crowdlab.storage.db import Database
from tests.conftest import Requester, WorkerClient, setup_pool

COMPOSE = "/api/v1/message-threads/compose"
THREADS = "/api/v1/message-threads"


def _compose(requester: Requester, **fields: Any) -> Any:
    body = {"topic": {"EN": "Hello"}, "text": {"EN": "Thanks for the work", "FR": "Merci"}, **fields}
    return requester.call("POST", COMPOSE, json=body)


@pytest.fixture
def crowd(client: Any, requester: Requester) -> tuple[str, list[WorkerClient]]:
    """Three workers who each took a suite of alice's pool: en (EN, US), fr (FR), both (EN+FR, DE)."""
    pool_id, _ = setup_pool(requester, n_tasks=4)
    profiles = {
        "en": {"languages": ["EN"], "country": "US"},
        "fr": {"languages": ["FR"], "country": "FR"},
        "both": {"languages": ["EN", "FR"], "country": "DE"},
    }
    workers = []
    for name, profile in profiles.items():
        worker = WorkerClient(client, name, profile)
        assert worker.take(pool_id).status_code == 201
        workers.append(worker)
    return pool_id, workers


def _threads(requester: Requester, **params: Any) -> list[dict[str, Any]]:
    response = requester.call("GET", THREADS, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_direct_compose_returns_thread_and_reaches_the_worker(
    requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, fr, _both) = crowd
    response = _compose(requester, recipients_select_type="DIRECT", recipients_ids=[en.id], answerable=True)
    assert response.status_code == 201, response.text
    thread = response.json()
    assert thread["topic"] == {"EN": "Hello"}
    assert thread["answerable"] is True
    assert thread["folders"] == ["OUTBOX"]
    assert thread["compose_details"] == {"recipients_select_type": "DIRECT", "recipients_ids": [en.id]}
    (message,) = thread["messages"]
    assert message["from"]["role"] == "REQUESTER" and message["from"]["myself"] is True
    assert message["text"] == {"EN": "Thanks for the work", "FR": "Merci"}
    roles = {(i["id"], i["role"], i["myself"]) for i in thread["interlocutors"]}
    assert (en.id, "USER", False) in roles and len(roles) == 2

    inbox = en.call("GET", "/api/worker/messages").json()
    (item,) = inbox["items"]
    assert set(item) >= {"id", "topic", "text", "from", "created", "read", "answerable", "thread_id"}
    assert item["thread_id"] == thread["id"]
    assert (item["topic"], item["text"], item["from"]) == ("Hello", "Thanks for the work", "alice")
    assert item["read"] is False and item["answerable"] is True and inbox["unread"] == 1
    # the French worker was not addressed; in their own language they would read the FR text
    assert fr.call("GET", "/api/worker/messages").json()["items"] == []


def test_worker_reads_in_their_language(requester: Requester, crowd: tuple[str, list[WorkerClient]]) -> None:
    _, (_en, fr, _both) = crowd
    _compose(requester, recipients_select_type="DIRECT", recipients_ids=[fr.id])
    assert fr.call("GET", "/api/worker/messages").json()["items"][0]["text"] == "Merci"


def test_unknown_or_foreign_recipients_are_refused_and_nothing_is_written(
    client: Any, requester: Requester, other_requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, _fr, _both) = crowd
    stranger = WorkerClient(client, "stranger")  # exists, but never worked for alice
    response = _compose(
        requester, recipients_select_type="DIRECT", recipients_ids=[en.id, "999999999999", stranger.id, "x"]
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert set(body["payload"]) == {"recipients_ids.1", "recipients_ids.2", "recipients_ids.3"}
    # a worker that does not exist and one that exists look the same: no enumeration oracle
    assert body["payload"]["recipients_ids.1"]["code"] == body["payload"]["recipients_ids.2"]["code"]
    assert _threads(requester) == []
    assert en.call("GET", "/api/worker/messages").json()["items"] == []
    # mallory has no crowd at all: ALL and DIRECT to alice's worker both fail
    assert (
        _compose(other_requester, recipients_select_type="DIRECT", recipients_ids=[en.id]).status_code == 400
    )
    everyone = _compose(other_requester, recipients_select_type="ALL")
    assert everyone.status_code == 409 and everyone.json()["code"] == "INCORRECT_RECIPIENTS"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipients_select_type": "SOME"}, "recipients_select_type"),
        ({"recipients_select_type": "DIRECT"}, "recipients_ids"),
        ({"recipients_select_type": "DIRECT", "recipients_ids": [True]}, "recipients_ids.0"),
        ({"recipients_select_type": "FILTER"}, "recipients_filter"),
        (
            {"recipients_select_type": "FILTER", "recipients_filter": {"and": [{"category": "x"}]}},
            "recipients_filter.and.0.category",
        ),
        ({"recipients_select_type": "ALL", "topic": "Hello"}, "topic"),
        ({"recipients_select_type": "ALL", "text": {"EN": "  "}}, "text.EN"),
        ({"recipients_select_type": "ALL", "text": {"english": "hi"}}, "text.english"),
        ({"recipients_select_type": "ALL", "answerable": "yes"}, "answerable"),
    ],
)
def test_bad_compose_names_the_field(requester: Requester, body: dict[str, Any], field: str) -> None:
    response = _compose(requester, **body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["payload"]
    assert _threads(requester) == []


def test_filter_and_all_reach_only_matching_workers_of_this_requester(
    client: Any, requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, fr, both) = crowd
    outsider = WorkerClient(client, "outsider", {"languages": ["FR"]})  # matches, but never worked here
    french = {"and": [{"category": "profile", "key": "languages", "operator": "IN", "value": "FR"}]}
    thread = _compose(requester, recipients_select_type="FILTER", recipients_filter=french).json()
    assert thread["compose_details"]["recipients_filter"] == french
    users = {i["id"] for i in thread["interlocutors"] if i["role"] == "USER"}
    assert users == {fr.id, both.id}
    assert outsider.call("GET", "/api/worker/messages").json()["items"] == []
    assert en.call("GET", "/api/worker/messages").json()["items"] == []

    nobody = {"and": [{"category": "profile", "key": "country", "operator": "EQ", "value": "JP"}]}
    refused = _compose(requester, recipients_select_type="FILTER", recipients_filter=nobody)
    assert refused.status_code == 409 and refused.json()["code"] == "INCORRECT_RECIPIENTS"

    everyone = _compose(requester, recipients_select_type="ALL").json()
    assert {i["id"] for i in everyone["interlocutors"] if i["role"] == "USER"} == {en.id, fr.id, both.id}
    assert outsider.call("GET", "/api/worker/messages").json()["items"] == []


def test_folders_are_per_party_and_filter_searches(
    requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, _fr, _both) = crowd
    first = _compose(
        requester, recipients_select_type="DIRECT", recipients_ids=[en.id], answerable=True
    ).json()
    second = _compose(requester, recipients_select_type="ALL").json()
    added = requester.call(
        "POST", f"{THREADS}/{first['id']}/add-to-folders", json={"folders": ["IMPORTANT", "IMPORTANT"]}
    )
    assert added.status_code == 200 and added.json()["folders"] == ["OUTBOX", "IMPORTANT"]
    # idempotent
    again = requester.call("POST", f"{THREADS}/{first['id']}/add-to-folders", json={"folders": ["IMPORTANT"]})
    assert again.json()["folders"] == ["OUTBOX", "IMPORTANT"]
    assert [t["id"] for t in _threads(requester, folder="IMPORTANT")] == [first["id"]]
    assert [t["id"] for t in _threads(requester, folder_ne="IMPORTANT")] == [second["id"]]
    assert [t["id"] for t in _threads(requester, folder="INBOX,IMPORTANT")] == [first["id"]]
    assert _threads(requester, folder="INBOX") == []
    # the worker's copy is untouched: still unread in their inbox
    assert en.call("GET", "/api/worker/messages").json()["unread"] == 2

    removed = requester.call(
        "POST", f"{THREADS}/{first['id']}/remove-from-folders", json={"folders": ["IMPORTANT", "OUTBOX"]}
    )
    assert removed.json()["folders"] == []
    bad = requester.call("POST", f"{THREADS}/{first['id']}/add-to-folders", json={"folders": ["SPAM"]})
    assert bad.status_code == 400 and "folders.0" in bad.json()["payload"]
    unknown = requester.call("GET", THREADS, params={"folder": "SPAM"})
    assert unknown.status_code == 400 and "folder" in unknown.json()["payload"]


def test_reply_round_trip_and_read_marks(requester: Requester, crowd: tuple[str, list[WorkerClient]]) -> None:
    _, (en, _fr, _both) = crowd
    thread = _compose(
        requester, recipients_select_type="DIRECT", recipients_ids=[en.id], answerable=True
    ).json()
    read = en.call("POST", f"/api/worker/messages/{thread['id']}/read")
    assert read.status_code == 200
    inbox = en.call("GET", "/api/worker/messages").json()
    assert inbox["unread"] == 0 and inbox["items"][0]["read"] is True

    answer = en.call("POST", f"/api/worker/messages/{thread['id']}/reply", json={"text": "You're welcome"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["thread_id"] == thread["id"] and answer.json()["read"] is True
    unread = _threads(requester, folder="UNREAD")
    assert [t["id"] for t in unread] == [thread["id"]]
    assert unread[0]["folders"] == ["INBOX", "OUTBOX", "UNREAD"]
    newest = unread[0]["messages"][0]  # newest first
    assert newest["text"] == {"EN": "You're welcome"}
    assert newest["from"] == {"id": en.id, "role": "USER", "myself": False}

    requester.call("POST", f"{THREADS}/{thread['id']}/remove-from-folders", json={"folders": ["UNREAD"]})
    replied = requester.call("POST", f"{THREADS}/{thread['id']}/reply", json={"text": {"EN": "Great"}})
    assert replied.status_code == 200 and len(replied.json()["messages"]) == 3
    assert "UNREAD" not in replied.json()["folders"]
    inbox = en.call("GET", "/api/worker/messages").json()
    assert inbox["unread"] == 1 and [m["text"] for m in inbox["items"]] == [
        "Great",
        "You're welcome",
        "Thanks for the work",
    ]
    bad = requester.call("POST", f"{THREADS}/{thread['id']}/reply", json={"text": "plain"})
    assert bad.status_code == 400 and "text" in bad.json()["payload"]
    blank = en.call("POST", f"/api/worker/messages/{thread['id']}/reply", json={"text": " "})
    assert blank.status_code == 400 and "text.EN" in blank.json()["payload"]


def test_unanswerable_threads_refuse_replies(
    requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, _fr, _both) = crowd
    thread = _compose(requester, recipients_select_type="DIRECT", recipients_ids=[en.id]).json()
    refused = en.call("POST", f"/api/worker/messages/{thread['id']}/reply", json={"text": "hi"})
    assert refused.status_code == 409 and refused.json()["code"] == "CONFLICT_STATE"
    assert len(requester.call("GET", f"{THREADS}/{thread['id']}").json()["messages"]) == 1


def test_replies_to_a_broadcast_stay_private(
    requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, fr, both) = crowd
    thread = _compose(requester, recipients_select_type="ALL", answerable=True).json()
    answer = en.call("POST", f"/api/worker/messages/{thread['id']}/reply", json={"text": "secret of en"})
    child_id = answer.json()["thread_id"]
    assert child_id != thread["id"]
    # a second reply through the old thread id lands in the same private thread
    again = en.call("POST", f"/api/worker/messages/{thread['id']}/reply", json={"text": "more"})
    assert again.json()["thread_id"] == child_id
    for other in (fr, both):
        assert "secret of en" not in other.call("GET", "/api/worker/messages").text
    en_items = en.call("GET", "/api/worker/messages").json()["items"]
    assert [m["text"] for m in en_items] == ["more", "secret of en", "Thanks for the work"]
    assert {m["thread_id"] for m in en_items} == {child_id}
    child = requester.call("GET", f"{THREADS}/{child_id}").json()
    assert {i["id"] for i in child["interlocutors"] if i["role"] == "USER"} == {en.id}
    assert "UNREAD" in child["folders"]
    parent = requester.call("GET", f"{THREADS}/{thread['id']}").json()
    assert {i["id"] for i in parent["interlocutors"] if i["role"] == "USER"} == {fr.id, both.id}
    assert len(parent["messages"]) == 1
    # the requester's reply in the child reaches en only
    requester.call("POST", f"{THREADS}/{child_id}/reply", json={"text": {"EN": "just for you"}})
    assert "just for you" in en.call("GET", "/api/worker/messages").text
    assert "just for you" not in fr.call("GET", "/api/worker/messages").text


def test_threads_belong_to_their_parties(
    requester: Requester, other_requester: Requester, crowd: tuple[str, list[WorkerClient]]
) -> None:
    _, (en, fr, _both) = crowd
    thread = _compose(
        requester, recipients_select_type="DIRECT", recipients_ids=[en.id], answerable=True
    ).json()
    tid = thread["id"]
    for method, path, body in (
        ("GET", f"{THREADS}/{tid}", None),
        ("POST", f"{THREADS}/{tid}/reply", {"text": {"EN": "x"}}),
        ("POST", f"{THREADS}/{tid}/add-to-folders", {"folders": ["IMPORTANT"]}),
        ("POST", f"{THREADS}/{tid}/remove-from-folders", {"folders": ["OUTBOX"]}),
    ):
        response = other_requester.call(method, path, json=body)
        assert response.status_code == 404 and response.json()["code"] == "DOES_NOT_EXIST", path
    assert _threads(other_requester) == []
    for path, body in (
        (f"/api/worker/messages/{tid}/reply", {"text": "x"}),
        (f"/api/worker/messages/{tid}/read", None),
    ):
        assert fr.call("POST", path, json=body).status_code == 404
    after = requester.call("GET", f"{THREADS}/{tid}").json()
    assert after["folders"] == ["OUTBOX"] and len(after["messages"]) == 1
    assert en.call("GET", "/api/worker/messages").json()["unread"] == 1


def test_search_pages_with_has_more(requester: Requester, crowd: tuple[str, list[WorkerClient]]) -> None:
    _, (en, _fr, _both) = crowd
    ids = [
        _compose(requester, recipients_select_type="DIRECT", recipients_ids=[en.id]).json()["id"]
        for _ in range(3)
    ]
    page = requester.call("GET", THREADS, params={"sort": "id", "limit": 2}).json()
    assert [t["id"] for t in page["items"]] == ids[:2] and page["has_more"] is True
    rest = requester.call("GET", THREADS, params={"sort": "id", "limit": 2, "id_gt": ids[1]}).json()
    assert [t["id"] for t in rest["items"]] == ids[2:] and rest["has_more"] is False
    newest = requester.call("GET", THREADS, params={"sort": "-created,-id", "limit": 1}).json()
    assert newest["items"][0]["id"] == ids[2]
    worker_page = en.call("GET", "/api/worker/messages", params={"limit": 2}).json()
    assert len(worker_page["items"]) == 2 and worker_page["has_more"] is True
    older = en.call("GET", "/api/worker/messages", params={"before": worker_page["items"][-1]["id"]}).json()
    assert [m["thread_id"] for m in older["items"]] == [ids[0]]


# Appeals -----------------------------------------------------------------------------------------


@pytest.fixture
def rejected(client: Any, requester: Requester) -> tuple[str, WorkerClient, dict[str, Any]]:
    """A worker whose submitted assignment alice rejected."""
    pool_id, _ = setup_pool(requester, n_tasks=2, auto_accept_solutions=False)
    worker = WorkerClient(client, "appellant")
    assignment = worker.take(pool_id).json()
    assert worker.submit(assignment).status_code == 200
    rejection = requester.call(
        "PATCH",
        f"/api/v1/assignments/{assignment['id']}",
        json={"status": "REJECTED", "public_comment": "wrong"},
    )
    assert rejection.status_code == 200
    return pool_id, worker, assignment


def _appeal(worker: WorkerClient, assignment_id: str, message: Any = "Please look again") -> Any:
    return worker.call("POST", f"/api/worker/assignments/{assignment_id}/appeal", json={"message": message})


def test_appeal_opens_a_thread_in_the_requesters_inbox(
    requester: Requester, rejected: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    pool_id, worker, assignment = rejected
    response = _appeal(worker, assignment["id"])
    assert response.status_code == 201, response.text
    appeal = response.json()
    assert appeal["status"] == "OPEN" and appeal["assignment_id"] == assignment["id"]
    (thread,) = _threads(requester, folder="INBOX,UNREAD")
    assert thread["id"] == appeal["thread_id"]
    assert set(thread["folders"]) == {"INBOX", "UNREAD"}
    assert thread["meta"]["assignment_id"] == assignment["id"] and thread["meta"]["pool_id"] == pool_id
    assert thread["messages"][0]["text"] == {"EN": "Please look again"}
    listed = requester.call("GET", "/api/v1/appeals", params={"pool_id": pool_id, "status": "OPEN"}).json()
    assert [a["id"] for a in listed["items"]] == [appeal["id"]] and listed["has_more"] is False
    assert requester.call("GET", "/api/v1/appeals", params={"status": "RESOLVED"}).json()["items"] == []
    # the worker's own copy of the thread sits in OUTBOX, and the requester can answer in it
    requester.call("POST", f"{THREADS}/{thread['id']}/reply", json={"text": {"EN": "Looking"}})
    assert "Looking" in worker.call("GET", "/api/worker/messages").text
    assert worker.call("GET", f"/api/worker/assignments/{assignment['id']}/appeal").json()["status"] == "OPEN"


def test_one_appeal_per_assignment_and_only_rejected_ones(
    client: Any, requester: Requester, rejected: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    pool_id, worker, assignment = rejected
    assert _appeal(worker, assignment["id"]).status_code == 201
    second = _appeal(worker, assignment["id"], "again")
    assert second.status_code == 409 and second.json()["code"] == "CONFLICT_STATE"
    blank = _appeal(worker, assignment["id"], "   ")
    assert blank.status_code == 400 and "message" in blank.json()["payload"]
    intruder = WorkerClient(client, "intruder")
    assert _appeal(intruder, assignment["id"]).status_code == 404
    active = intruder.take(pool_id).json()
    not_rejected = _appeal(intruder, active["id"])
    assert not_rejected.status_code == 409 and not_rejected.json()["code"] == "INAPPROPRIATE_STATUS"
    assert len(requester.call("GET", "/api/v1/appeals").json()["items"]) == 1
    assert len(_threads(requester)) == 1


def test_explicit_resolve_tells_the_worker(
    requester: Requester, other_requester: Requester, rejected: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    _, worker, assignment = rejected
    appeal = _appeal(worker, assignment["id"]).json()
    path = f"/api/v1/appeals/{appeal['id']}/resolve"
    assert other_requester.call("POST", path, json={"comment": "no"}).status_code == 404
    assert other_requester.call("GET", "/api/v1/appeals").json()["items"] == []
    bad = requester.call("POST", path, json={"comment": 5})
    assert bad.status_code == 400 and "comment" in bad.json()["payload"]
    resolved = requester.call("POST", path, json={"comment": "The photo shows a dog"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "RESOLVED" and resolved.json()["outcome"] == "DECLINED"
    texts = [m["text"] for m in worker.call("GET", "/api/worker/messages").json()["items"]]
    assert texts[:2] == [
        "Your appeal was reviewed and closed: the rejection stands.",
        "The photo shows a dog",
    ]
    again = requester.call("POST", path, json={})
    assert again.status_code == 409


def test_accepting_the_assignment_resolves_the_appeal(
    monkeypatch: pytest.MonkeyPatch, requester: Requester, rejected: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    """Wires resolve_for_assignment into accept_in the way the review code is meant to call it."""
    original = issuing.accept_in

    def accept_and_resolve(conn: Any, row: Any, *, comment: str | None) -> None:
        original(conn, row, comment=comment)
        appeals.resolve_for_assignment(conn, row.id, "ACCEPTED")

    monkeypatch.setattr(issuing, "accept_in", accept_and_resolve)
    _, worker, assignment = rejected
    appeal = _appeal(worker, assignment["id"]).json()
    accepted = requester.call("PATCH", f"/api/v1/assignments/{assignment['id']}", json={"status": "ACCEPTED"})
    assert accepted.status_code == 200
    after = requester.call("GET", f"/api/v1/appeals/{appeal['id']}").json()
    assert after["status"] == "RESOLVED" and after["outcome"] == "ACCEPTED"
    inbox = worker.call("GET", "/api/worker/messages").json()
    assert (
        inbox["items"][0]["text"].startswith("Your appeal was upheld") and inbox["items"][0]["read"] is False
    )


def test_resolve_for_assignment_is_a_no_op_without_an_open_appeal(
    db: Database, rejected: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    _, _worker, assignment = rejected
    with db.write() as conn:
        assert appeals.resolve_for_assignment(conn, assignment["id"], "ACCEPTED") is False
        with pytest.raises(ValueError):
            appeals.resolve_for_assignment(conn, assignment["id"], "MAYBE")


# Both backends -----------------------------------------------------------------------------------


def test_threads_appeals_and_files_on_each_backend(any_db: Database) -> None:
    """The storage steps that differ by dialect (folder upserts, row locks, binary content) on SQLite and
    PostgreSQL alike."""
    from fastapi.testclient import TestClient

    from crowdlab.app import create_app
    from crowdlab.settings import Settings

    app = create_app(Settings(db_url=any_db.url), db=any_db)
    with TestClient(app, raise_server_exceptions=False) as client:
        alice = Requester(client, any_db, "alice")
        pool_id, _ = setup_pool(alice, n_tasks=4, auto_accept_solutions=False)
        a, b = WorkerClient(client, "a"), WorkerClient(client, "b")
        held = {w.id: w.take(pool_id).json() for w in (a, b)}
        upload = a.call(
            "POST",
            f"/api/worker/assignments/{held[a.id]['id']}/attachments",
            files={"file": ("x.bin", b"\0\1\2")},
        )
        assert upload.status_code == 201, upload.text
        download = alice.call("GET", f"/api/v1/attachments/{upload.json()['id']}/download")
        assert download.content == b"\0\1\2"

        thread = _compose(alice, recipients_select_type="ALL", answerable=True).json()
        for _ in range(2):  # the second add is a no-op, not a key violation
            added = alice.call(
                "POST", f"{THREADS}/{thread['id']}/add-to-folders", json={"folders": ["IMPORTANT"]}
            )
            assert added.status_code == 200, added.text
        child = a.call("POST", f"/api/worker/messages/{thread['id']}/reply", json={"text": "hi"}).json()
        assert child["thread_id"] != thread["id"]
        assert "hi" not in b.call("GET", "/api/worker/messages").text

        assert a.submit(held[a.id]).status_code == 200
        path = f"/api/v1/assignments/{held[a.id]['id']}"
        alice.call("PATCH", path, json={"status": "REJECTED", "public_comment": "no"})
        appeal = a.call(
            "POST", f"/api/worker/assignments/{held[a.id]['id']}/appeal", json={"message": "why?"}
        )
        assert appeal.status_code == 201, appeal.text
        again = a.call("POST", f"/api/worker/assignments/{held[a.id]['id']}/appeal", json={"message": "why?"})
        assert again.status_code == 409
        resolved = alice.call(
            "POST", f"/api/v1/appeals/{appeal.json()['id']}/resolve", json={"comment": "ok"}
        )
        assert resolved.json()["status"] == "RESOLVED"
