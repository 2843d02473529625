"""Any input gives rows or a TaskFileError — never another exception (fuzzing with Hypothesis)."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crowdlab.files import Limits, TaskFileError, processing_log, read_review, read_tasks

SPEC: dict[str, dict[str, Any]] = {
    "image": {"type": "url"},
    "n": {"type": "integer", "required": False},
    "tags": {"type": "array_json", "required": False},
    "meta": {"type": "json", "required": False},
}
OUTPUT: dict[str, dict[str, Any]] = {"result": {"type": "string"}}
HEADER = "INPUT:image\tINPUT:n\tINPUT:tags\tINPUT:meta\tGOLDEN:result\tHINT:text\tAl:latitude\tAl:longitude\n"
pieces = st.sampled_from(
    ['"', '""', "\t", "\n", "\r\n", "\r", "\\", "\\,", ",", "{", "}", "[", "]", "https://a.com", "1", "x"]
)
bodies = st.lists(pieces | st.text(max_size=5), max_size=40).map("".join)
small = Limits(max_value_chars=64, max_json_depth=8)


def _consume(data: bytes, **kwargs: Any) -> None:
    try:
        for row in read_tasks(io.BytesIO(data), input_spec=SPEC, output_spec=OUTPUT, limits=small, **kwargs):
            assert (row.task is None) == bool(row.errors)
            assert row.line <= row.line_end
    except TaskFileError as exc:
        assert exc.code and exc.message


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_any_tsv_body(body: str) -> None:
    _consume((HEADER + body).encode())
    log = list(
        processing_log(read_tasks(io.BytesIO((HEADER + body).encode()), input_spec=SPEC, output_spec=OUTPUT))
    )
    assert all(line.endswith("\n") for line in log)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_in_any_format(data: bytes) -> None:
    for fmt in ("tsv", "json", "xlsx"):
        _consume(data, format=fmt)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(pieces | st.sampled_from(['{"input_values":', '{"image":', "null", ":", " "]), max_size=30).map(
        "".join
    )
)
def test_any_json_like_text(text: str) -> None:
    _consume(("[" + text).encode(), format="json")
    _consume(text.encode(), format="json")


@settings(max_examples=200, deadline=None)
@given(bodies)
def test_any_review_body(body: str) -> None:
    data = ("ASSIGNMENT:assignment_id\tACCEPT:verdict\tACCEPT:comment\n" + body).encode()
    try:
        for row in read_review(io.BytesIO(data), limits=small):
            assert row.errors or (row.assignment_id and row.verdict)
    except TaskFileError:
        pass
