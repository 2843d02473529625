"""Task files into a pool, review files into verdicts (the files/ library does the parsing).

A file is parsed and checked *before* the write transaction: valid rows are spooled to a temporary
file, so the database is locked only for the insert itself, never for reading 100 MB. Then all rows
are inserted in one transaction: a refused upload (a wrong header, or any bad row when the requester
chose all-or-nothing) writes no task at all.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from crowdlab.domain.clock import utcnow
from crowdlab.domain.errors import CrowdlabError, ValidationFailed
from crowdlab.domain.ids import format_id
from crowdlab.files.errors import DEFAULT_LIMITS, TaskFileError
from crowdlab.files.review_in import read_review
from crowdlab.files.tasks_in import UploadSummary, accepted_rows, read_tasks
from crowdlab.services import assignments, operations
from crowdlab.services import tasks as task_service
from crowdlab.storage.db import Database
from crowdlab.storage.tables import tasks

CHUNK = 2000


def _pool_info(db: Database, requester_id: int, pool_id: str) -> task_service.PoolInfo:
    with db.read() as conn:
        return task_service.pool_info(conn, requester_id, pool_id)


def _spool(rows: Iterator[Any], info: task_service.PoolInfo, summary: UploadSummary) -> tuple[Any, int]:
    spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (the caller closes it)
    count = 0
    for parsed in rows:
        row, problems = task_service.task_row(parsed.task, info, True)
        if problems:  # the file library checked the spec already; this is a second line of defence
            summary.accepted -= 1
            summary.failed += 1
            continue
        assert row is not None
        row.pop("created")
        spool.write(json.dumps(row) + "\n")
        count += 1
    spool.seek(0)
    return spool, count


def upload_tasks(
    db: Database,
    requester_id: int,
    pool_id: str,
    stream: BinaryIO,
    *,
    filename: str | None,
    file_format: str | None,
    skip_invalid: bool,
) -> dict[str, Any]:
    """Create a pool's tasks from a TSV / XLSX / JSON file; returns counts, the first failures and the
    operation id. Refused uploads raise ValidationFailed with the same report as the payload."""
    info = _pool_info(db, requester_id, pool_id)
    if info.row.status == "ARCHIVED":
        raise CrowdlabError("The pool is archived", code="POOL_INAPPROPRIATE_STATUS", status=409)
    summary = UploadSummary(skip_invalid=skip_invalid)
    rows = read_tasks(
        stream,
        format=file_format,
        filename=filename,
        input_spec=info.input_spec,
        output_spec=info.output_spec,
    )
    spool, count = _spool(accepted_rows(rows, summary), info, summary)
    report = summary.as_dict()
    if summary.refused or (count == 0 and summary.failed):
        spool.close()
        message = (
            f"The file was refused: {summary.file_error.message}"
            if summary.file_error
            else f"No task was created: {summary.failed} of {summary.rows} rows are invalid"
        )
        raise ValidationFailed({"file": report}, message=message)
    with db.write() as conn:
        now = utcnow()
        batch: list[dict[str, Any]] = []
        for line in spool:
            batch.append({**json.loads(line), "pool_id": info.row.id, "created": now})
            if len(batch) >= CHUNK:
                conn.execute(tasks.insert(), batch)
                batch = []
        if batch:
            conn.execute(tasks.insert(), batch)
        log = [
            {"type": "TASK_VALIDATE", "success": False, "input": {"line": f["line"]}, "output": f}
            for f in report["failures"]
        ]
        operation = operations.record(
            conn,
            requester_id,
            "TASK.BATCH_CREATE",
            {"pool_id": format_id(info.row.id), "file": filename or "", "skip_invalid_items": skip_invalid},
            details={
                "total_count": summary.rows,
                "success_count": count,
                "failed_count": summary.rows - count,
            },
            log=log,
        )
    spool.close()
    return {"operation_id": operation["id"], "created": count, **report}


def review_file(
    db: Database, requester_id: int, pool_id: str, stream: BinaryIO, *, filename: str | None
) -> dict[str, Any]:
    """Accept / reject assignments from a review file; every row is reported, bad rows change nothing."""
    info = _pool_info(db, requester_id, pool_id)
    results: list[dict[str, Any]] = []
    try:
        for row in read_review(stream, filename=filename, limits=DEFAULT_LIMITS):
            entry: dict[str, Any] = {"line": row.line, "assignment_id": row.assignment_id}
            if row.errors:
                results.append({**entry, "success": False, "errors": row.errors})
                continue
            try:
                view = assignments.get(db, requester_id, row.assignment_id or "")
                if view["pool_id"] != format_id(info.row.id):
                    raise CrowdlabError(
                        "The assignment is not in this pool", code="DOES_NOT_EXIST", status=404
                    )
                assignments.review(
                    db,
                    requester_id,
                    row.assignment_id or "",
                    {"status": row.verdict, "public_comment": row.comment},
                )
                results.append({**entry, "success": True, "status": row.verdict})
            except CrowdlabError as exc:
                results.append(
                    {**entry, "success": False, "errors": [{"code": exc.code, "message": exc.message}]}
                )
    except TaskFileError as exc:
        raise ValidationFailed(
            {"file": exc.as_dict()}, message=f"The file was refused: {exc.message}"
        ) from None
    done = sum(1 for r in results if r["success"])
    return {"rows": len(results), "applied": done, "failed": len(results) - done, "results": results}
