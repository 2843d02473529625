"""Results out: assignments.tsv (as toloka-kit's get_assignments_df reads it), XLSX, JSON, aggregated."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from crowdlab.files import DEFAULT_FIELDS, parse_status_filter, tsv_lines, write_aggregated, write_assignments
from crowdlab.files.results_out import format_datetime

INPUT = {"image": {"type": "url", "required": True, "hidden": False}}
OUTPUT = {"result": {"type": "string", "required": True, "hidden": False}}


def _row(n: int, result: str = "cat", status: str = "ACCEPTED", **extra: Any) -> dict[str, Any]:
    assignment = {
        "id": "00001a--01",
        "task_id": f"t{n}",
        "task_suite_id": "s1",
        "user_id": "w-7f3a",
        "status": status,
        "created": dt.datetime(2024, 5, 1, 10, 3, 11, 201000),
        "submitted": "2024-05-01T10:05:00.5+00:00",
        "accepted": None,
        "reward": Decimal("0.05"),
    }
    row: dict[str, Any] = {
        "input_values": {"image": f"https://example.com/{n}.jpg"},
        "output_values": {"result": result},
        "link": "http://localhost:8080/task/1002/00001a--01",
        "assignment": assignment,
    }
    row.update(extra)
    return row


def _tsv(rows: Any, **kwargs: Any) -> str:
    out = io.BytesIO()
    write_assignments(rows, input_spec=INPUT, output_spec=OUTPUT, out=out, **kwargs)
    return out.getvalue().decode()


def test_the_example_body_of_the_api_notes() -> None:
    assert _tsv([_row(0, "cat"), _row(1, "dog")]) == (
        "INPUT:image\tOUTPUT:result\tGOLDEN:result\tHINT:text\tASSIGNMENT:link\tASSIGNMENT:assignment_id\t"
        "ASSIGNMENT:worker_id\tASSIGNMENT:status\tASSIGNMENT:started\n"
        "https://example.com/0.jpg\tcat\t\t\thttp://localhost:8080/task/1002/00001a--01\t00001a--01\tw-7f3a\t"
        "APPROVED\t2024-05-01T10:03:11.201\n"
        "https://example.com/1.jpg\tdog\t\t\thttp://localhost:8080/task/1002/00001a--01\t00001a--01\tw-7f3a\t"
        "APPROVED\t2024-05-01T10:03:11.201\n"
    )


def test_header_is_written_without_rows() -> None:
    text = _tsv([])
    assert text.count("\n") == 1 and text.startswith("INPUT:image\tOUTPUT:result")
    assert list(pd.read_csv(io.StringIO(text), delimiter="\t").columns)[:2] == [
        "INPUT:image",
        "OUTPUT:result",
    ]


def test_pandas_reads_it_like_toloka_kit() -> None:
    spec = {"image": {"type": "url"}, "tags": {"type": "array_string"}, "meta": {"type": "json"}}
    rows = [
        _row(
            0,
            'a "quoted"\tanswer\nwith lines',
            input_values={"image": "https://a.com", "tags": ["x", "y,z"], "meta": {"k": 1}},
        ),
        _row(
            1,
            "dog",
            input_values={"image": "https://b.com", "tags": [], "meta": None},
            known_solutions=[{"output_values": {"result": "dog"}}],
            message_on_unknown_solution="Look at the ears",
        ),
    ]
    out = io.BytesIO()
    write_assignments(rows, input_spec=spec, output_spec=OUTPUT, out=out)
    frame = pd.read_csv(io.StringIO(out.getvalue().decode()), delimiter="\t")
    assert frame["OUTPUT:result"].tolist() == ['a "quoted"\tanswer\nwith lines', "dog"]
    assert [json.loads(value) for value in frame["INPUT:tags"]] == [["x", "y,z"], []]
    assert json.loads(frame["INPUT:meta"][0]) == {"k": 1} and pd.isna(frame["INPUT:meta"][1])
    assert pd.isna(frame["GOLDEN:result"][0]) and frame["GOLDEN:result"][1] == "dog"
    assert frame["HINT:text"][1] == "Look at the ears"
    assert frame["ASSIGNMENT:status"].tolist() == ["APPROVED", "APPROVED"]


def test_every_assignment_field_in_the_order_asked() -> None:
    fields = [
        "ASSIGNMENT:reward",
        "ASSIGNMENT:task_id",
        "ASSIGNMENT:task_suite_id",
        "submitted",
        "ASSIGNMENT:accepted",
        "ASSIGNMENT:rejected",
        "ASSIGNMENT:skipped",
        "ASSIGNMENT:expired",
        "ASSIGNMENT:assignment_id",
    ]
    header, line = _tsv([_row(3)], fields=fields).splitlines()
    assert header.split("\t")[4:] == [f"ASSIGNMENT:{name.split(':')[-1]}" for name in fields]
    assert line.split("\t")[4:] == [
        "0.05",
        "t3",
        "s1",
        "2024-05-01T10:05:00.500",
        "",
        "",
        "",
        "",
        "00001a--01",
    ]
    with pytest.raises(ValueError, match="Unknown assignment field"):
        _tsv([], fields=["ASSIGNMENT:salary"])


def test_accept_columns_and_row_delimiter() -> None:
    rows = [_row(0), _row(1), _row(2) | {"assignment": _row(2)["assignment"] | {"id": "b"}}]
    text = _tsv(rows, accept_columns=True, row_delimiter=True)
    lines = text.split("\n")
    assert lines[0].endswith("ACCEPT:verdict\tACCEPT:comment")
    assert lines[1].endswith("\t\t") and lines[3] == "" and lines[4].split("\t")[5] == "b"


def test_status_filter() -> None:
    rows = [_row(0, status="ACCEPTED"), _row(1, status="REJECTED"), _row(2, status="SUBMITTED")]
    statuses = parse_status_filter("APPROVED,SUBMITTED")
    assert statuses == {"ACCEPTED", "SUBMITTED"}
    text = _tsv(rows, statuses=statuses)
    assert [line.split("\t")[7] for line in text.splitlines()[1:]] == ["APPROVED", "SUBMITTED"]
    assert parse_status_filter(None) is None and parse_status_filter(" ") is None
    with pytest.raises(ValueError, match="Unknown assignment status 'DONE'"):
        parse_status_filter("APPROVED,DONE")


def test_datetimes_are_naive_utc_with_milliseconds() -> None:
    moscow = dt.timezone(dt.timedelta(hours=3))
    assert format_datetime(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05.000"
    assert (
        format_datetime(dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=moscow)) == "2024-01-02T00:04:05.123"
    )
    assert format_datetime("2024-01-02T03:04:05Z") == "2024-01-02T03:04:05.000"
    assert format_datetime(None) is None


def test_tsv_lines_streams_lazily() -> None:
    def endless() -> Iterator[dict[str, Any]]:
        for n in itertools.count():
            yield _row(n)

    first = list(itertools.islice(tsv_lines(endless(), input_spec=INPUT, output_spec=OUTPUT), 3))
    assert first[0].startswith("INPUT:image") and first[2].startswith("https://example.com/1.jpg")


def test_xlsx_export_has_the_same_columns_and_typed_cells() -> None:
    spec = {"image": {"type": "url"}, "n": {"type": "integer"}}
    out = io.BytesIO()
    rows = [_row(0, "=cmd|' /C calc'!A0", input_values={"image": "https://a.com", "n": 7})]
    fields = [*DEFAULT_FIELDS, "ASSIGNMENT:reward"]
    assert (
        write_assignments(rows, input_spec=spec, output_spec=OUTPUT, out=out, format="xlsx", fields=fields)
        == 1
    )
    out.seek(0)
    sheet = CalamineWorkbook.from_filelike(out).get_sheet_by_index(0).to_python()
    assert sheet[0] == [
        "INPUT:image",
        "INPUT:n",
        "OUTPUT:result",
        "GOLDEN:result",
        "HINT:text",
        "ASSIGNMENT:link",
        "ASSIGNMENT:assignment_id",
        "ASSIGNMENT:worker_id",
        "ASSIGNMENT:status",
        "ASSIGNMENT:started",
        "ASSIGNMENT:reward",
    ]
    assert sheet[1][:3] == ["https://a.com", 7.0, "=cmd|' /C calc'!A0"]  # a string, not a formula
    assert sheet[1][8:] == ["APPROVED", "2024-05-01T10:03:11.201", 0.05]


def test_json_export() -> None:
    out = io.BytesIO()
    rows = [_row(0, known_solutions=[{"output_values": {"result": "cat"}}])]
    assert write_assignments(rows, input_spec=INPUT, output_spec=OUTPUT, out=out, format="json") == 1
    assert json.loads(out.getvalue()) == [
        {
            "input_values": {"image": "https://example.com/0.jpg"},
            "output_values": {"result": "cat"},
            "known_solutions": [{"output_values": {"result": "cat"}}],
            "assignment": {
                "link": "http://localhost:8080/task/1002/00001a--01",
                "assignment_id": "00001a--01",
                "worker_id": "w-7f3a",
                "status": "APPROVED",
                "started": "2024-05-01T10:03:11.201",
            },
        }
    ]
    empty = io.BytesIO()
    assert write_assignments([], input_spec=INPUT, output_spec=OUTPUT, out=empty, format="json") == 0
    assert json.loads(empty.getvalue()) == []


def test_unknown_export_format() -> None:
    with pytest.raises(ValueError, match="Unknown export format"):
        write_assignments([], input_spec=INPUT, output_spec=OUTPUT, out=io.BytesIO(), format="csv")  # type: ignore[arg-type]


def test_aggregated_results_file() -> None:
    output: dict[str, dict[str, Any]] = {
        "result": {"type": "string"},
        "score": {"type": "integer", "required": False},
    }
    rows: list[dict[str, Any]] = [
        {
            "task_id": "t1",
            "input_values": {"image": "https://a.com"},
            "output_values": {"result": "cat"},
            "confidence": 0.875,
        },
        {
            "task_id": "t2",
            "input_values": {"image": "https://b.com"},
            "output_values": {"result": "dog", "score": 3},
            "confidence": {"result": 1.0, "score": 0.5},
        },
    ]
    out = io.BytesIO()
    assert write_aggregated(rows, input_spec=INPUT, output_spec=output, out=out) == 2
    assert out.getvalue().decode().splitlines() == [
        "INPUT:image\tOUTPUT:result\tOUTPUT:score\tCONFIDENCE:result\tCONFIDENCE:score\tTASK:id",
        "https://a.com\tcat\t\t87.50%\t\tt1",
        "https://b.com\tdog\t3\t100.00%\t50.00%\tt2",
    ]
    fraction = io.BytesIO()
    write_aggregated(
        rows[:1],
        input_spec=INPUT,
        output_spec=output,
        out=fraction,
        confidence_format="fraction",
        include_task_id=False,
    )
    assert fraction.getvalue().decode().splitlines()[1] == "https://a.com\tcat\t\t0.875\t"
    as_json = io.BytesIO()
    write_aggregated(rows, input_spec=INPUT, output_spec=output, out=as_json, format="json")
    assert json.loads(as_json.getvalue()) == rows
    as_xlsx = io.BytesIO()
    write_aggregated(rows, input_spec=INPUT, output_spec=output, out=as_xlsx, format="xlsx")
    as_xlsx.seek(0)
    assert CalamineWorkbook.from_filelike(as_xlsx).get_sheet_by_index(0).to_python()[1][3] == "87.50%"
