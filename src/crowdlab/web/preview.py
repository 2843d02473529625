"""The public task preview page: any Template Builder config and input data, rendered by the same
renderer workers use, with "change input data" and "view responses" (``static/app/preview.js``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crowdlab.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/preview")
def preview_page(request: Request) -> Response:
    return page(request, "preview.html", {"module": "preview-page"})
