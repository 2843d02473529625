"""File endpoints (crowdlab extensions used by the console and the CLI): task upload, templates,
review files, and result downloads in TSV / XLSX / JSON."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from crowdlab.api.common import Me, flag
from crowdlab.domain.errors import CrowdlabError, field_error
from crowdlab.files import results_out
from crowdlab.files.errors import DEFAULT_LIMITS
from crowdlab.files.templates import write_template
from crowdlab.services import export, projects, task_files
from crowdlab.services.accounts import Requester

router = APIRouter(tags=["files"])
MEDIA = {
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _spooled_body(request: Request) -> tuple[Any, str | None]:
    """The uploaded file (multipart field ``file`` or the raw body), spooled to disk, size-checked."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > DEFAULT_LIMITS.max_bytes + 64 * 1024:
        raise CrowdlabError(
            f"The file is larger than {DEFAULT_LIMITS.max_bytes // 2**20} MB",
            code="REQUEST_TOO_LARGE",
            status=413,
        )
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_part_size=DEFAULT_LIMITS.max_bytes + 1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise field_error("file", "VALUE_REQUIRED", "Send the file in the multipart field 'file'")
        return upload.file, upload.filename
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115 (closed by the reader)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DEFAULT_LIMITS.max_bytes:
            raise CrowdlabError("The file is larger than 100 MB", code="REQUEST_TOO_LARGE", status=413)
        spool.write(chunk)
    spool.seek(0)
    return spool, request.query_params.get("filename")


def _format(request: Request, default: str = "tsv") -> str:
    value = request.query_params.get("format", default)
    if value not in MEDIA:
        raise field_error("format", "UNKNOWN_ENUM_VALUE", "format must be tsv, xlsx or json")
    return value


@router.post("/api/v1/pools/{pool_id}/task-files", status_code=201)
async def upload_task_file(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    stream, filename = await _spooled_body(request)
    fmt = request.query_params.get("format")
    with stream:
        return await run_in_threadpool(
            task_files.upload_tasks,
            request.app.state.db,
            me.id,
            pool_id,
            stream,
            filename=filename,
            file_format=fmt,
            skip_invalid=flag(request, "skip_invalid_items", default=True),
        )


@router.post("/api/v1/pools/{pool_id}/review-files")
async def upload_review_file(pool_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    stream, filename = await _spooled_body(request)
    with stream:
        return await run_in_threadpool(
            task_files.review_file, request.app.state.db, me.id, pool_id, stream, filename=filename
        )


@router.get("/api/v1/projects/{project_id}/task-template")
def task_template(project_id: str, request: Request, me: Requester = Me) -> StreamingResponse:
    project = projects.get(request.app.state.db, me.id, project_id)
    spec = project.get("task_spec") or {}
    fmt = _format(request)
    out = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=2**20))  # noqa: SIM115 (closed by _download)
    write_template(
        out,
        input_spec=spec.get("input_spec"),
        output_spec=spec.get("output_spec"),
        format=fmt,
        golden=flag(request, "golden"),
        hint=flag(request, "hint"),
    )
    out.seek(0)
    return _download(out, fmt, f"project-{project_id}-template.{fmt}")


def _download(stream: Any, fmt: str, name: str) -> StreamingResponse:
    def chunks() -> Iterator[bytes]:
        with stream:
            while block := stream.read(64 * 1024):
                yield block

    return StreamingResponse(
        chunks(), media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/api/new/requester/pools/{pool_id}/assignments.{fmt}")
def assignments_file(pool_id: str, fmt: str, request: Request, me: Requester = Me) -> StreamingResponse:
    """The assignments export: TSV streamed line by line (what get_assignments_df reads), or XLSX / JSON."""
    if fmt not in MEDIA:
        raise field_error("format", "UNKNOWN_ENUM_VALUE", "The export is assignments.tsv, .xlsx or .json")
    db = request.app.state.db
    pool, input_spec, output_spec = export.pool_specs(db, me.id, pool_id)
    fields = [
        f for f in (request.query_params.get("field") or ",".join(results_out.DEFAULT_FIELDS)).split(",") if f
    ]
    rows = export.assignment_rows(
        db,
        pool,
        export.parse_statuses(request.query_params.get("status")),
        link_base=str(request.base_url).rstrip("/"),
        started_from=export.time_param(request.query_params, "startTimeFrom"),
        started_to=export.time_param(request.query_params, "startTimeTo"),
        exclude_banned=request.query_params.get("excludeBanned") == "true",
    )
    if fmt == "tsv":
        lines = results_out.tsv_lines(
            rows,
            input_spec=input_spec,
            output_spec=output_spec,
            fields=fields,
            row_delimiter=request.query_params.get("addRowDelimiter") == "true",
        )
        return StreamingResponse((line.encode() for line in lines), media_type=MEDIA["tsv"])
    out = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=8 * 2**20))  # noqa: SIM115 (closed by _download)
    results_out.write_assignments(
        rows, input_spec=input_spec, output_spec=output_spec, out=out, fields=fields, format=cast(Any, fmt)
    )
    out.seek(0)
    return _download(out, fmt, f"pool-{pool_id}-assignments.{fmt}")
