"""Result downloads: ``GET /api/new/requester/pools/{id}/assignments.tsv`` (get_assignments_df)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from crowdlab.api import auth
from crowdlab.domain.clock import parse_dt
from crowdlab.domain.errors import field_error
from crowdlab.services import export
from crowdlab.services.accounts import Requester

router = APIRouter(prefix="/api/new/requester", tags=["results"])
DEFAULT_FIELDS = (
    "ASSIGNMENT:link,ASSIGNMENT:assignment_id,ASSIGNMENT:worker_id,ASSIGNMENT:status,ASSIGNMENT:started"
)


def _time(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return parse_dt(value)
    except ValueError as exc:
        raise field_error(name, "INVALID_DATE_TIME_SYNTAX", str(exc)) from None


@router.get("/pools/{pool_id}/assignments.tsv")
def assignments_tsv(
    pool_id: str, request: Request, me: Requester = Depends(auth.requester)
) -> StreamingResponse:
    db = request.app.state.db
    pool, input_spec, output_spec = export.pool_specs(db, me.id, pool_id)
    statuses = export.parse_statuses(request.query_params.get("status"))
    fields = [f for f in (request.query_params.get("field") or DEFAULT_FIELDS).split(",") if f]
    rows = export.assignment_rows(
        db,
        pool,
        statuses,
        link_base=str(request.base_url).rstrip("/"),
        started_from=_time(request, "startTimeFrom"),
        started_to=_time(request, "startTimeTo"),
        exclude_banned=request.query_params.get("excludeBanned") == "true",
    )
    from crowdlab.files import results_out

    lines: Iterator[str] = results_out.tsv_lines(
        rows, input_spec=input_spec, output_spec=output_spec, fields=fields
    )
    return StreamingResponse(
        (line.encode() for line in lines), media_type="text/tab-separated-values; charset=utf-8"
    )
