"""Aggregation endpoints: by pool (operation), by task (immediate), results and result files."""

from __future__ import annotations

import tempfile
from typing import Any, BinaryIO, cast

from fastapi import APIRouter, BackgroundTasks, Body, Request
from fastapi.responses import JSONResponse, StreamingResponse

from crowdlab.api.common import Me, params
from crowdlab.api.files import MEDIA, _download, _format
from crowdlab.files import results_out
from crowdlab.services import aggregation_runs
from crowdlab.services.accounts import Requester

router = APIRouter(prefix="/api/v1/aggregated-solutions", tags=["aggregation"])


@router.post("/aggregate-by-pool", status_code=202)
def aggregate_by_pool(
    request: Request, background: BackgroundTasks, body: Any = Body(None), me: Requester = Me
) -> JSONResponse:
    operation = aggregation_runs.start_pool_run(request.app.state.db, me.id, body)
    background.add_task(aggregation_runs.run_operation, request.app.state.db, operation["id"])
    return JSONResponse(operation, status_code=202)


@router.post("/aggregate-by-task")
def aggregate_by_task(request: Request, body: Any = Body(None), me: Requester = Me) -> dict[str, Any]:
    return aggregation_runs.aggregate_task(request.app.state.db, me.id, body)


@router.get("/{operation_id}")
def find_aggregated_solutions(operation_id: str, request: Request, me: Requester = Me) -> dict[str, Any]:
    return aggregation_runs.find(request.app.state.db, me.id, operation_id, params(request))


@router.get("/{operation_id}/file")
def aggregated_file(operation_id: str, request: Request, me: Requester = Me) -> StreamingResponse:
    """crowdlab extension: the results as TSV / XLSX / JSON with INPUT:, OUTPUT: and CONFIDENCE: columns."""
    fmt = _format(request)
    input_spec, output_spec, rows = aggregation_runs.result_rows(request.app.state.db, me.id, operation_id)
    out = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=8 * 2**20))  # noqa: SIM115 (closed by _download)
    results_out.write_aggregated(
        rows, input_spec=input_spec, output_spec=output_spec, out=out, format=cast(Any, fmt)
    )
    out.seek(0)
    assert fmt in MEDIA
    return _download(out, fmt, f"aggregation-{operation_id}.{fmt}")
