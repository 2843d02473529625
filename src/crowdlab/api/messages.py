"""REST routes for message threads, attachments and appeals.

``router`` is the requester side (``/api/v1``, toloka-kit compatible, plus ``/appeals`` as our
extension); ``worker_router`` is the worker side (``/api/worker``). Handlers parse, call one service,
and return. Uploads are read by ``read_upload``, which streams the multipart body and stops as soon as
it is over the size limit, so an oversized file is never read whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Request, Response
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool

from crowdlab.api import auth
from crowdlab.domain.errors import field_error
from crowdlab.services import appeals, attachments, messages
from crowdlab.services.accounts import Requester, Worker
from crowdlab.services.attachments import FileTooLarge, Upload

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(prefix="/api/v1", tags=["requester API (Toloka v1)"])
worker_router = APIRouter(prefix="/api/worker", tags=["worker API"])
Me = Depends(auth.requester)
MeWorker = Depends(auth.worker)
# Room for the multipart framing and small extra fields around the file itself.
_FRAMING = 64 * 1024


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


# Message threads (requester) ------------------------------------------------------------------


@router.post("/message-threads/compose", status_code=201)
def compose_message_thread(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return messages.compose(request.app.state.db, me.id, body)


@router.get("/message-threads")
def find_message_threads(request: Request, me: Requester = Me) -> dict[str, Any]:
    return messages.find(request.app.state.db, me.id, _params(request))


@router.get("/message-threads/{thread_id}")
def get_message_thread(thread_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return messages.get(request.app.state.db, me.id, thread_id)


@router.post("/message-threads/{thread_id}/reply")
def reply_message_thread(
    thread_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return messages.reply(request.app.state.db, me.id, thread_id, body)


@router.post("/message-threads/{thread_id}/add-to-folders")
def add_to_folders(
    thread_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return messages.change_folders(request.app.state.db, me.id, thread_id, body, add=True)


@router.post("/message-threads/{thread_id}/remove-from-folders")
def remove_from_folders(
    thread_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return messages.change_folders(request.app.state.db, me.id, thread_id, body, add=False)


# Attachments (requester) ----------------------------------------------------------------------


@router.get("/attachments")
def find_attachments(request: Request, me: Requester = Me) -> dict[str, Any]:
    return attachments.find(request.app.state.db, me.id, _params(request))


@router.get("/attachments/{attachment_id}")
def get_attachment(attachment_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return attachments.get(request.app.state.db, me.id, attachment_id)


@router.get("/attachments/{attachment_id}/download")
def download_attachment(attachment_id: str, request: Request, me: Requester = Me) -> Response:
    meta, content = attachments.download(request.app.state.db, me.id, attachment_id)
    return Response(content, media_type=meta["media_type"], headers=_download_headers(meta["name"]))


def _download_headers(name: str) -> dict[str, str]:
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in name)
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        # Even if a browser were talked into rendering the file, it gets no script and no origin.
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-store",
    }


# Appeals (requester; our extension) -----------------------------------------------------------


@router.get("/appeals")
def find_appeals(request: Request, me: Requester = Me) -> dict[str, Any]:
    return appeals.find(request.app.state.db, me.id, _params(request))


@router.get("/appeals/{appeal_id}")
def get_appeal(appeal_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return appeals.get(request.app.state.db, me.id, appeal_id)


@router.post("/appeals/{appeal_id}/resolve")
def resolve_appeal(
    appeal_id: str, request: Request, body: Any = Body(None), me: Requester = Me
) -> dict[str, Any]:
    return appeals.resolve(request.app.state.db, me.id, appeal_id, body)


# Worker side -----------------------------------------------------------------------------------


@worker_router.get("/messages")
def my_messages(request: Request, me: Worker = MeWorker) -> dict[str, Any]:
    return messages.inbox(request.app.state.db, me, _params(request))


@worker_router.post("/messages/{thread_id}/reply", status_code=201)
def reply_to_requester(
    thread_id: str, request: Request, body: Any = Body(None), me: Worker = MeWorker
) -> dict[str, Any]:
    return messages.worker_reply(request.app.state.db, me, thread_id, body)


@worker_router.post("/messages/{thread_id}/read")
def mark_thread_read(thread_id: str, request: Request, me: Worker = MeWorker) -> dict[str, Any]:
    return messages.worker_read(request.app.state.db, me, thread_id)


@worker_router.post("/assignments/{assignment_id}/attachments", status_code=201)
async def upload_attachment(assignment_id: str, request: Request, me: Worker = MeWorker) -> dict[str, Any]:
    db = request.app.state.db
    await run_in_threadpool(attachments.check_can_attach, db, me, assignment_id)
    upload = await read_upload(request, "file", attachments.MAX_BYTES)
    return await run_in_threadpool(attachments.save, db, me, assignment_id, upload)


@worker_router.post("/assignments/{assignment_id}/appeal", status_code=201)
def appeal(
    assignment_id: str, request: Request, body: Any = Body(None), me: Worker = MeWorker
) -> dict[str, Any]:
    return appeals.open_appeal(request.app.state.db, me, assignment_id, body)


@worker_router.get("/assignments/{assignment_id}/appeal")
def my_appeal(assignment_id: str, request: Request, me: Worker = MeWorker) -> dict[str, Any]:
    return appeals.get_own(request.app.state.db, me, assignment_id)


# Streaming multipart ---------------------------------------------------------------------------


class _FilePart:
    """Collects the first part named ``field`` of a multipart body, refusing it past ``limit`` bytes."""

    def __init__(self, field: str, limit: int):
        self.field, self.limit = field, limit
        self.headers: dict[bytes, bytes] = {}
        self._name, self._value = bytearray(), bytearray()
        self.collecting = False
        self.found: Upload | None = None
        self.data = bytearray()
        self.filename = ""
        self.media_type = ""

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self.headers = {}

    def _header_end(self) -> None:
        self.headers[bytes(self._name).lower()] = bytes(self._value)
        self._name.clear()
        self._value.clear()

    def _headers_done(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self.collecting = self.found is None and name == self.field
        if self.collecting:
            self.filename = options.get(b"filename", b"").decode("utf-8", "replace")
            self.media_type = self.headers.get(b"content-type", b"").decode("latin-1")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.collecting:
            if len(self.data) + (end - start) > self.limit:
                raise FileTooLarge()
            self.data.extend(data[start:end])

    def _end(self) -> None:
        if self.collecting:
            self.found = Upload(self.filename, self.media_type, bytes(self.data))
            self.collecting = False
            self.data = bytearray()


async def read_upload(request: Request, field: str, limit: int) -> Upload:
    """Stream a ``multipart/form-data`` body and return its file part ``field``.

    Refuses with 413 when Content-Length announces too much, or as soon as the bytes received exceed
    the limit (the rest is never read). Bad framing or a missing part is a 400 naming ``field``.
    """
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise field_error(
            field, "VALUE_REQUIRED", f"Send the file as multipart/form-data in a field named {field!r}"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _FRAMING:
        raise FileTooLarge()
    part = _FilePart(field, limit)
    received = 0
    try:
        parser = MultipartParser(boundary, part.callbacks())
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + _FRAMING:
                raise FileTooLarge()
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise field_error(field, "INVALID_VALUE", "The multipart body is malformed") from None
    if part.found is None:
        raise field_error(field, "VALUE_REQUIRED", f"No file in a form field named {field!r}")
    return part.found
