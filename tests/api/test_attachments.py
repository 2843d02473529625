"""Attachments through the in-process API: a worker uploads to their own active assignment, the owning
requester finds, reads and downloads; everybody else gets 404 and nothing changes; size limits hold."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from starlette.requests import Request

from crowdlab.api.messages import read_upload
from crowdlab.domain.errors import CrowdlabError
from crowdlab.services import attachments
from tests.conftest import CAT_DOG_PROJECT, Requester, WorkerClient, pool_body

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _photo_project() -> dict[str, Any]:
    project = copy.deepcopy(CAT_DOG_PROJECT)
    project["task_spec"]["output_spec"]["photo"] = {"type": "file", "required": False, "hidden": False}
    return project


def _pool(requester: Requester) -> str:
    project = requester.call("POST", "/api/v1/projects", json=_photo_project()).json()
    pool = requester.call("POST", "/api/v1/pools", json=pool_body(project["id"])).json()
    tasks = [{"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.jpg"}} for i in range(4)]
    assert (
        requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks).status_code
        == 201
    )
    assert requester.call("POST", f"/api/v1/pools/{pool['id']}/open").status_code == 202
    return str(pool["id"])


def _upload(
    worker: WorkerClient,
    assignment_id: str,
    data: bytes = PNG,
    name: str = "cat.png",
    media_type: str = "image/png",
) -> Any:
    return worker.call(
        "POST",
        f"/api/worker/assignments/{assignment_id}/attachments",
        files={"file": (name, data, media_type)},
    )


@pytest.fixture
def upload_setup(client: Any, requester: Requester) -> tuple[str, WorkerClient, dict[str, Any]]:
    pool_id = _pool(requester)
    worker = WorkerClient(client, "uploader")
    assignment = worker.take(pool_id).json()
    return pool_id, worker, assignment


def test_upload_then_find_get_download(
    requester: Requester, upload_setup: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    pool_id, worker, assignment = upload_setup
    response = _upload(worker, assignment["id"])
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded == {"id": uploaded["id"], "name": "cat.png", "media_type": "image/png", "size": len(PNG)}
    # the id is what a file field's output value holds
    solutions = [{"output_values": {"result": "cat", "photo": uploaded["id"]}}] * len(assignment["tasks"])
    submitted = worker.call(
        "POST", f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
    )
    assert submitted.status_code == 200, submitted.text

    found = requester.call("GET", "/api/v1/attachments", params={"pool_id": pool_id}).json()
    (item,) = found["items"]
    assert found["has_more"] is False
    assert item["attachment_type"] == "ASSIGNMENT_ATTACHMENT"
    assert item["details"] == {"user_id": worker.id, "assignment_id": assignment["id"], "pool_id": pool_id}
    assert item["name"] == "cat.png" and item["media_type"] == "image/png"
    assert item["owner"]["myself"] is True and item["created"]
    assert requester.call("GET", f"/api/v1/attachments/{uploaded['id']}").json() == item

    download = requester.call("GET", f"/api/v1/attachments/{uploaded['id']}/download")
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_search_filters_sort_and_paging(
    requester: Requester, upload_setup: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    _, worker, assignment = upload_setup
    ids = [_upload(worker, assignment["id"], name=f"f{i}.png").json()["id"] for i in range(3)]

    def find(**params: Any) -> Any:
        return requester.call("GET", "/api/v1/attachments", params=params)

    assert [a["id"] for a in find(name="f1.png").json()["items"]] == [ids[1]]
    assert (
        len(
            find(user_id=worker.id, assignment_id=assignment["id"], type="ASSIGNMENT_ATTACHMENT").json()[
                "items"
            ]
        )
        == 3
    )
    assert find(user_id="000000000999").json()["items"] == []
    assert find(owner_id="000000000999").json()["items"] == []
    page = find(sort="id", limit=2).json()
    assert [a["id"] for a in page["items"]] == ids[:2] and page["has_more"] is True
    assert [a["id"] for a in find(sort="id", id_gt=ids[1]).json()["items"]] == ids[2:]
    assert [a["id"] for a in find(sort="-created,-id").json()["items"]] == ids[::-1]
    bad_type = find(type="TASK_ATTACHMENT")
    assert bad_type.status_code == 400 and "type" in bad_type.json()["payload"]
    bad_limit = find(limit=101)
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["payload"]


def test_only_the_owner_sees_and_only_the_assignee_uploads(
    client: Any,
    requester: Requester,
    other_requester: Requester,
    upload_setup: tuple[str, WorkerClient, dict[str, Any]],
) -> None:
    pool_id, worker, assignment = upload_setup
    uploaded = _upload(worker, assignment["id"]).json()
    for path in (f"/api/v1/attachments/{uploaded['id']}", f"/api/v1/attachments/{uploaded['id']}/download"):
        response = other_requester.call("GET", path)
        assert response.status_code == 404 and response.json()["code"] == "DOES_NOT_EXIST", path
    assert (
        other_requester.call("GET", "/api/v1/attachments", params={"pool_id": pool_id}).json()["items"] == []
    )

    other = WorkerClient(client, "other")
    refused = _upload(other, assignment["id"], data=b"not mine")
    assert refused.status_code == 404 and refused.json()["code"] == "DOES_NOT_EXIST"
    client.cookies.clear()  # sign-up left the last worker's session cookie in the shared client
    no_token = client.post(
        f"/api/worker/assignments/{assignment['id']}/attachments", files={"file": ("a", b"x")}
    )
    assert no_token.status_code == 401
    assert len(requester.call("GET", "/api/v1/attachments").json()["items"]) == 1


def test_only_active_assignments_take_files(
    requester: Requester, upload_setup: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    _, worker, assignment = upload_setup
    assert worker.submit(assignment).status_code == 200
    late = _upload(worker, assignment["id"])
    assert late.status_code == 409 and late.json()["code"] == "INAPPROPRIATE_STATUS"
    assert requester.call("GET", "/api/v1/attachments").json()["items"] == []


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"plain body", "headers": {"Content-Type": "text/plain"}}, 400),
        ({"files": {"other": ("a.txt", b"data")}}, 400),
        ({"files": {"file": ("empty.txt", b"")}}, 400),
        (
            {"content": b"--xyz\r\nbroken", "headers": {"Content-Type": "multipart/form-data; boundary=xyz"}},
            400,
        ),
        (
            {
                "content": b"x" * 10,
                "headers": {
                    "Content-Type": "multipart/form-data; boundary=xyz",
                    "Content-Length": str(attachments.MAX_BYTES * 2),
                },
            },
            413,
        ),
    ],
)
def test_bad_uploads_name_the_file_field(
    requester: Requester,
    upload_setup: tuple[str, WorkerClient, dict[str, Any]],
    kwargs: dict[str, Any],
    status: int,
) -> None:
    _, worker, assignment = upload_setup
    kwargs = {**kwargs, "headers": {**worker.headers, **kwargs.get("headers", {})}}
    response = worker.client.post(f"/api/worker/assignments/{assignment['id']}/attachments", **kwargs)
    assert response.status_code == status, response.text
    assert "file" in response.json()["payload"]
    assert requester.call("GET", "/api/v1/attachments").json()["items"] == []


def test_a_file_over_the_limit_is_refused(
    requester: Requester, upload_setup: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    _, worker, assignment = upload_setup
    response = _upload(worker, assignment["id"], data=b"\0" * (attachments.MAX_BYTES + 1))
    assert response.status_code == 413
    assert response.json()["payload"]["file"]["code"] == "OBJECT_SIZE_BYTES_GREATER_THAN_MAX"
    just_fits = _upload(
        worker,
        assignment["id"],
        data=b"\1" * attachments.MAX_BYTES,
        name="big.bin",
        media_type="application/octet-stream",
    )
    assert just_fits.status_code == 201 and just_fits.json()["size"] == attachments.MAX_BYTES
    items = requester.call("GET", "/api/v1/attachments").json()["items"]
    assert [a["name"] for a in items] == ["big.bin"]


def test_names_and_media_types_are_made_safe(
    requester: Requester, upload_setup: tuple[str, WorkerClient, dict[str, Any]]
) -> None:
    _, worker, assignment = upload_setup
    uploaded = _upload(
        worker,
        assignment["id"],
        data=b"<script>alert(1)</script>",
        name="../../Résumé.html",
        media_type="text/html; charset=utf-8",
    ).json()
    assert uploaded["name"] == "Résumé.html" and uploaded["media_type"] == "text/html"
    download = requester.call("GET", f"/api/v1/attachments/{uploaded['id']}/download")
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"R_sum_.html\"; filename*=UTF-8''R%C3%A9sum%C3%A9.html"
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]
    guessed = _upload(worker, assignment["id"], data=b"a,b", name="t.csv", media_type="bogus").json()
    assert guessed["media_type"] == "text/csv"


def test_clean_name_drops_directories_and_control_characters() -> None:
    assert attachments.clean_name("C:\\temp\\..\\a\x07b\x00.txt") == "ab.txt"
    assert attachments.clean_name("../..") == "file"
    assert attachments.clean_name(None) == "file"
    assert len(attachments.clean_name("x" * 1000)) == 255


def test_streaming_stops_reading_once_over_the_limit() -> None:
    """Without a Content-Length, the body is counted while it streams and abandoned past the limit."""
    limit = 1000
    chunks_read = 0
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n'

    async def receive() -> dict[str, Any]:
        nonlocal chunks_read
        chunks_read += 1
        body = head if chunks_read == 1 else b"y" * 400
        return {"type": "http.request", "body": body, "more_body": chunks_read < 1000}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"multipart/form-data; boundary=b")],
        "query_string": b"",
    }
    with pytest.raises(CrowdlabError) as refused:
        asyncio.run(read_upload(Request(scope, receive), "file", limit))
    assert refused.value.status == 413
    assert chunks_read <= 5  # 1000 allowed bytes arrive within the first few chunks of 1000


def _multipart(parts: list[tuple[str, bytes]]) -> bytes:
    out = b""
    for name, data in parts:
        out += b'--b\r\nContent-Disposition: form-data; name="' + name.encode() + b'"; filename="n.txt"\r\n'
        out += b"Content-Type: text/plain\r\n\r\n" + data + b"\r\n"
    return out + b"--b--\r\n"


def test_read_upload_takes_the_named_part() -> None:
    body = _multipart([("note", b"ignored"), ("file", b"payload"), ("file", b"second")])
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        first, sent = not sent, True
        return {"type": "http.request", "body": body if first else b"", "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"multipart/form-data; boundary=b")],
        "query_string": b"",
    }
    upload = asyncio.run(read_upload(Request(scope, receive), "file", 100))
    assert (upload.name, upload.media_type, upload.data) == ("n.txt", "text/plain", b"payload")
