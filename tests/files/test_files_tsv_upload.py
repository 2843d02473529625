"""TSV upload: the guide's data-type and task-type examples, headers, line numbers and row errors."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from crowdlab.files import TaskFileError, accepted_rows, processing_log, read_tasks
from crowdlab.files.tasks_in import UploadSummary
from tests.files.files_support import IMAGE_SPEC, RESULT_SPEC, codes, one_field, read

BANNER = {
    "title": "banner",
    "links": ["https://www.example.com", "https://site.com"],
    "priority": True,
    "flags": [{"type": "horizontal"}, {"type": "wide"}],
}


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        ("integer", "1", 1),
        ("float", "1", 1.0),
        ("float", "2.3", 2.3),
        ("string", "Hi", "Hi"),
        ("string", "Very nice", "Very nice"),
        ("string", "This, but", "This, but"),
        ("string", '"Text with ""qoutes""."', 'Text with "qoutes".'),
        ("string", '"Text with \n or \t"', "Text with \n or \t"),
        ("string", '"Text with ""quotes"" and ,"', 'Text with "quotes" and ,'),
        ("url", "https://www.example.com", "https://www.example.com"),
        ("url", "https://site.com", "https://site.com"),
        ("url", "www.example.com/a", "www.example.com/a"),
        ("boolean", "true", True),
        ("boolean", "false", False),
        ("boolean", "TRUE", True),
        ("coordinates", "22.3341,32.32", "22.3341,32.32"),
        (
            "json",
            '"{""title"":""banner"",""links"":[""https://www.example.com"",""https://site.com""],'
            '""priority"":true,""flags"":[{""type"":""horizontal""},{""type"":""wide""}]}"',
            BANNER,
        ),
        (  # "JSON in the training tasks": commas escaped with a backslash
            "json",
            r'"{""title"":""banner""\,""links"":[""https://www.example.com""\,""https://site.com""]\,'
            r'""priority"":true\,""flags"":[{""type"":""horizontal""}\,{""type"":""wide""}]}"',
            BANNER,
        ),
        ("array_float", "1,2.3", [1.0, 2.3]),
        ("array_integer", "1,2,3", [1, 2, 3]),
        (
            "array_string",
            '"Hi,Very nice,""This, but"",Text with ""quotes"".,Text with \\n or \\t,'
            '""Text with """"quotes"""" and ,"""',
            [
                "Hi",
                "Very nice",
                "This, but",
                'Text with "quotes".',
                "Text with \\n or \\t",
                'Text with "quotes" and ,',
            ],
        ),
        ("array_string", r"a\,b,c\\d", ["a,b", "c\\d"]),
        (
            "array_url",
            '"https://www.example.com,https://site.com"',
            ["https://www.example.com", "https://site.com"],
        ),
        ("array_boolean", "true,false,true", [True, False, True]),
        (
            "array_coordinates",
            '"""22.3341,32.32"",""22.3341,32.32"",""22.3341,32.32"""',
            ["22.3341,32.32"] * 3,
        ),
        (
            "array_json",
            '"{""title"":""banner1"",""links"":[""https://www.example.com"",""https://site.com""],'
            '""priority"":true,""flags"":[{""type"":""horizontal""},{""type"":""wide""}]},'
            '{""title"":""banner2"",""links"":[""https://www.example.com"",""https://site.com""],'
            '""priority"":false,""flags"":[{""type"":""vertical""},{""type"":""narrow""}]}"',
            [
                BANNER | {"title": "banner1"},
                BANNER
                | {
                    "title": "banner2",
                    "priority": False,
                    "flags": [{"type": "vertical"}, {"type": "narrow"}],
                },
            ],
        ),
        (  # "Array of JSON in the training tasks"
            "array_json",
            r'"{""title"":""banner1""\,""links"":[""https://www.example.com""\,""https://site.com""]\,'
            r'""priority"":true\,""flags"":[{""type"":""horizontal""}\,{""type"":""wide""}]},'
            r'{""title"":""banner2""\,""links"":[""https://www.example.com""\,""https://site.com""]\,'
            r'""priority"":false\,""flags"":[{""type"":""vertical""}\,{""type"":""narrow""}]}"',
            [
                BANNER | {"title": "banner1"},
                BANNER
                | {
                    "title": "banner2",
                    "priority": False,
                    "flags": [{"type": "vertical"}, {"type": "narrow"}],
                },
            ],
        ),
        ("array_string", '"[""a"", ""b""]"', ["a", "b"]),  # a JSON array, as our exporters write
    ],
)
def test_guide_data_type_examples(kind: str, cell: str, value: Any) -> None:
    row = one_field(kind, cell)
    assert row.errors == []
    assert row.task == {"input_values": {"value": value}}


@pytest.mark.parametrize(
    ("kind", "cell", "code"),
    [
        ("integer", "2.3", "INTEGER_EXPECTED"),
        ("integer", "9" * 5000, "INTEGER_EXPECTED"),
        ("float", "2,3", "FLOAT_EXPECTED"),
        ("float", "nan", "FLOAT_EXPECTED"),
        ("float", "1e999", "FLOAT_EXPECTED"),
        ("boolean", "yes", "BOOLEAN_EXPECTED"),
        ("url", "example.com", "INVALID_URL_SYNTAX"),
        ("url", "ftp://example.com", "INVALID_URL_SYNTAX"),
        ("coordinates", "north", "INVALID_COORDINATES_SYNTAX"),
        ("json", "{oops}", "INVALID_JSON"),
        ("json", "[" * 100 + "]" * 100, "JSON_TOO_DEEP"),
        ("array_integer", "1,x", "INTEGER_EXPECTED"),
        ("array_string", '"open,b', "UNEXPECTED_END_OF_FILE"),
        ("array_string", '"""a"" b",c', "INVALID_ARRAY_SYNTAX"),
        ("array_string", '"""a"', "INVALID_ARRAY_SYNTAX"),
        ("array_url", "https://a.com,b", "INVALID_URL_SYNTAX"),
    ],
)
def test_values_that_do_not_convert(kind: str, cell: str, code: str) -> None:
    row = one_field(kind, cell)
    assert codes(row) == [code]
    assert row.errors[0].get("field", "INPUT:value") == "INPUT:value"
    assert row.task is None


def test_spec_rules_apply_to_converted_values() -> None:
    assert codes(one_field("string", "CAT", allowed_values=["OK", "BAD"])) == ["VALUE_NOT_ALLOWED"]
    assert codes(one_field("integer", "12", max_value=10)) == ["VALUE_GREATER_THAN_MAX"]
    assert codes(one_field("array_integer", "1,2,3", max_size=2)) == ["ARRAY_SIZE_GREATER_THAN_MAX"]
    assert codes(one_field("string", "ab", min_length=3)) == ["STRING_LENGTH_LESS_THAN_MIN"]


def test_task_types_follow_the_filled_columns() -> None:
    rows = read(
        "INPUT:image\tGOLDEN:result\tHINT:text\tAl:latitude\tAl:longitude\n"
        "https://e.com/1.png\t\t\t\t\n"
        "https://e.com/2.png\tOK\t\t\t\n"
        "https://e.com/3.png\tBAD\tThe cat is in a good mood.\t\t\n"
        "https://e.com/4.png\t\t\t55.75\t37.61\n"
    )
    assert [row.kind for row in rows] == ["general", "control", "training", "field"]
    assert rows[0].task == {"input_values": {"image": "https://e.com/1.png"}}
    assert rows[1].task == {
        "input_values": {"image": "https://e.com/2.png"},
        "known_solutions": [{"output_values": {"result": "OK"}}],
    }
    assert rows[2].task is not None
    assert rows[2].task["message_on_unknown_solution"] == "The cat is in a good mood."
    assert rows[3].task == {
        "input_values": {"image": "https://e.com/4.png"},
        "latitude": 55.75,
        "longitude": 37.61,
    }


def test_header_order_does_not_matter() -> None:
    first = read("INPUT:image\tGOLDEN:result\nhttps://a.com\tOK\n")
    second = read("GOLDEN:result\tINPUT:image\nOK\thttps://a.com\n")
    assert first[0].task == second[0].task
    assert first[0].task is not None


def test_hidden_optional_fields_may_be_given_or_left_out() -> None:
    spec = {"image": {"type": "url"}, "secret": {"type": "string", "required": False, "hidden": True}}
    rows = read("INPUT:image\tINPUT:secret\nhttps://a.com\tid-7\nhttps://b.com\t\n", spec)
    assert [row.task for row in rows] == [
        {"input_values": {"image": "https://a.com", "secret": "id-7"}},
        {"input_values": {"image": "https://b.com"}},
    ]
    assert read("INPUT:image\nhttps://c.com\n", spec)[0].ok


def test_quoted_empty_cell_is_an_empty_string_and_an_empty_cell_is_absent() -> None:
    spec = {"image": {"type": "url"}, "note": {"type": "string", "required": False}}
    rows = read('INPUT:image\tINPUT:note\nhttps://a.com\t""\nhttps://b.com\t\n', spec)
    assert rows[0].task == {"input_values": {"image": "https://a.com", "note": ""}}
    assert rows[1].task == {"input_values": {"image": "https://b.com"}}


def test_value_required_for_an_empty_required_cell() -> None:
    rows = read("INPUT:image\n\t\n", {"image": {"type": "url"}, "x": {"type": "string", "required": False}})
    assert rows == []  # a line of empty cells is a blank line
    rows = read("INPUT:image\tINPUT:x\n\tsomething\n", {"image": {"type": "url"}, "x": {"type": "string"}})
    assert rows[0].errors == [
        {
            "code": "VALUE_REQUIRED",
            "message": "Value must be present and not equal to null",
            "field": "INPUT:image",
        }
    ]


def test_control_task_needs_every_required_output_field() -> None:
    output = {"result": {"type": "string"}, "like": {"type": "boolean"}}
    rows = read(
        "INPUT:image\tGOLDEN:result\tGOLDEN:like\nhttps://a.com\tOK\t\nhttps://b.com\tOK\tfalse\n",
        None,
        output,
    )
    assert codes(rows[0]) == ["VALUE_REQUIRED"]
    assert rows[0].errors[0]["field"] == "GOLDEN:like"
    assert rows[1].task is not None
    assert rows[1].task["known_solutions"] == [{"output_values": {"result": "OK", "like": False}}]


def test_hint_without_an_answer_is_an_error() -> None:
    rows = read("INPUT:image\tHINT:text\nhttps://a.com\tlook closer\n")
    assert codes(rows[0]) == ["VALUE_REQUIRED"]
    assert rows[0].kind == "training"


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [("91", "10", "VALUE_GREATER_THAN_MAX"), ("x", "10", "FLOAT_EXPECTED"), ("10", "", "VALUE_REQUIRED")],
)
def test_field_task_coordinates_are_checked(lat: str, lon: str, code: str) -> None:
    rows = read(f"INPUT:image\tAl:latitude\tAl:longitude\nhttps://a.com\t{lat}\t{lon}\n")
    assert codes(rows[0]) == [code]


def test_task_overlap_column() -> None:
    rows = read("INPUT:image\tTASK:overlap\nhttps://a.com\t3\nhttps://b.com\t0\nhttps://c.com\t²\n")
    assert rows[0].task == {"input_values": {"image": "https://a.com"}, "overlap": 3}
    assert codes(rows[1]) == codes(rows[2]) == ["INTEGER_EXPECTED"]


def test_field_count_mismatch_names_both_counts() -> None:
    # The guide's example: one input column, and two extra tabs after the link.
    rows = read("INPUT:image\nhttps://tlk.s3.yandex.net/wsdm2020/photos/2d5f.jpg\t\t\n")
    assert codes(rows[0]) == ["FIELD_COUNT_MISMATCH"]
    error = rows[0].errors[0]
    assert (error["expected"], error["found"]) == (1, 3)
    assert "3 fields" in error["message"] and "header has 1" in error["message"]
    short = read("INPUT:image\tGOLDEN:result\nhttps://a.com\n")
    assert (short[0].errors[0]["expected"], short[0].errors[0]["found"]) == (2, 1)


def test_unexpected_end_of_file_gives_the_line_range() -> None:
    # The guide's example message: "... beginning on line 2 and ending on line 4".
    rows = read('INPUT:image\tGOLDEN:result\nhttps://a.com\t"OK\nhttps://b.com\tBAD\nhttps://c.com\tOK\n')
    assert len(rows) == 1
    assert (rows[0].line, rows[0].line_end) == (2, 4)
    error = rows[0].errors[0]
    assert error["code"] == "UNEXPECTED_END_OF_FILE"
    assert "beginning on line 2 and ending on line 4" in error["message"]
    assert (error["quote_line"], error["end_line"]) == (2, 4)


def test_line_numbers_count_physical_lines_and_blocks_count_blank_lines() -> None:
    text = 'INPUT:image\tGOLDEN:result\nhttps://a.com\t"O\nK"\n\nhttps://b.com\tBAD\r\nhttps://c.com\tOK'
    rows = read(text, None, {"result": {"type": "string"}})
    assert [(row.line, row.line_end, row.block) for row in rows] == [(2, 3, 0), (5, 5, 1), (6, 6, 1)]
    assert rows[0].task is not None
    assert rows[0].task["known_solutions"] == [{"output_values": {"result": "O\nK"}}]


def test_utf8_bom_and_crlf_are_accepted() -> None:
    rows = read("\ufeffINPUT:image\r\nhttps://a.com\r\n".encode())
    assert rows[0].task == {"input_values": {"image": "https://a.com"}}


def test_processing_log_has_one_json_line_per_row() -> None:
    text = "INPUT:image\nhttps://a.com\nnot a url\n\nwww.b.com\n"
    log = [
        json.loads(line)
        for line in processing_log(
            read_tasks(io.BytesIO(text.encode()), input_spec=IMAGE_SPEC, output_spec={})
        )
    ]
    assert log == [
        {"line": 2, "success": True},
        {
            "line": 3,
            "success": False,
            "code": "INVALID_URL_SYNTAX",
            "message": "INPUT:image: 'not a url' is not a URL (must start with http://, https:// or www.)",
            "errors": [
                {
                    "code": "INVALID_URL_SYNTAX",
                    "message": "'not a url' is not a URL (must start with http://, https:// or www.)",
                    "field": "INPUT:image",
                }
            ],
        },
        {"line": 5, "success": True},
    ]


def test_processing_log_ends_with_a_file_error() -> None:
    log = list(
        processing_log(read_tasks(io.BytesIO(b"INPUT:nope\nx\n"), input_spec=IMAGE_SPEC, output_spec={}))
    )
    entry = json.loads(log[-1])
    assert entry["success"] is False
    assert entry["code"] == "UNKNOWN_FIELD"
    assert entry["header"] == "INPUT:nope"


def _summary(text: str, skip_invalid: bool) -> tuple[list[int], UploadSummary]:
    summary = UploadSummary(skip_invalid=skip_invalid)
    rows = read_tasks(io.BytesIO(text.encode()), input_spec=IMAGE_SPEC, output_spec=RESULT_SPEC)
    created = [row.line for row in accepted_rows(rows, summary)]
    return created, summary


def test_skip_invalid_rows_creates_the_valid_ones() -> None:
    created, summary = _summary("INPUT:image\nhttps://a.com\nbad\nhttps://c.com\n", skip_invalid=True)
    assert created == [2, 4]
    assert (summary.rows, summary.accepted, summary.failed, summary.refused) == (3, 2, 1, False)


def test_all_or_nothing_refuses_the_file_but_reports_every_error() -> None:
    created, summary = _summary("INPUT:image\nhttps://a.com\nbad\nhttps://c.com\nworse\n", skip_invalid=False)
    assert created == [2]  # what the caller must roll back
    assert summary.refused
    assert [row.line for row in summary.failures] == [3, 5]
    assert summary.as_dict()["failed"] == 2


def test_a_file_error_is_recorded_in_the_summary() -> None:
    created, summary = _summary("INPUT:imag\nhttps://a.com\n", skip_invalid=True)
    assert created == []
    assert summary.refused
    assert summary.file_error is not None and summary.file_error.code == "UNKNOWN_FIELD"


def test_header_errors_reject_the_whole_file() -> None:
    with pytest.raises(TaskFileError) as caught:
        read("INPUT:image\tINPUT:image\nhttps://a.com\thttps://b.com\n")
    assert caught.value.code == "DUPLICATE_HEADER"
    assert caught.value.header == "INPUT:image"
