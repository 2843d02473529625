"""JSON (current and old flat format) and XLSX uploads, including the guide's JSON examples."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from crowdlab.files import read_tasks
from crowdlab.files.xlsx import SheetWriter
from tests.files.files_support import codes, read

OUTPUT = {"result": {"type": "string"}, "like": {"type": "boolean"}}
INPUT = {"image_url": {"type": "url"}}


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2).encode()


def test_guide_json_task_types() -> None:
    data: list[dict[str, Any]] = [
        {"input_values": {"image_url": "https://www.example.com/image1.png"}},
        {
            "input_values": {"image_url": "https://www.example.com/image1.png"},
            "known_solutions": [{"output_values": {"result": "OK", "like": False}}],
        },
        {
            "input_values": {"image_url": "https://www.example.com/image1.png"},
            "known_solutions": [{"output_values": {"result": "OK", "like": False}}],
            "message_on_unknown_solution": "The cat is in a good mood.",
        },
        {
            "input_values": {"image_url": "https://www.example.com/image1.png"},
            "latitude": "12.21",
            "longitude": "24.32",
        },
    ]
    text = _json(data)
    rows = read(text, INPUT, OUTPUT, filename="tasks.json")
    assert [row.kind for row in rows] == ["general", "control", "training", "field"]
    assert all(row.ok for row in rows)
    assert [row.task for row in rows[:3]] == data[:3]
    assert rows[3].task == {"input_values": data[3]["input_values"], "latitude": 12.21, "longitude": 24.32}
    lines = text.decode().splitlines()
    starts = [number for number, line in enumerate(lines, 1) if line == "  {"]
    ends = [number for number, line in enumerate(lines, 1) if line in ("  }", "  },")]
    assert [(row.line, row.line_end) for row in rows] == list(zip(starts, ends, strict=True))


def test_guide_old_flat_json_format() -> None:
    data = [{"INPUT:image_url": f"https://www.example.com/image{n}.png"} for n in (1, 2, 3)]
    rows = read(_json(data), INPUT, OUTPUT)
    assert [row.task for row in rows] == [
        {"input_values": {"image_url": item["INPUT:image_url"]}} for item in data
    ]
    flat_control = [{"INPUT:image_url": "https://a.com", "GOLDEN:result": "OK", "GOLDEN:like": "false"}]
    assert read(_json(flat_control), INPUT, OUTPUT)[0].task == {
        "input_values": {"image_url": "https://a.com"},
        "known_solutions": [{"output_values": {"result": "OK", "like": False}}],
    }


def test_old_flat_format_errors() -> None:
    row = read(_json([{"GOLDEN:result": "OK"}]), INPUT, OUTPUT)[0]
    assert sorted(error["field"] for error in row.errors) == ["GOLDEN:like", "INPUT:image_url"]
    assert codes(row) == ["VALUE_REQUIRED", "VALUE_REQUIRED"]
    with pytest.raises(Exception, match="no input field 'img'"):
        read(_json([{"INPUT:img": "x"}]), INPUT, OUTPUT)


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ({"type": "integer"}, 1),
        ({"type": "float"}, 2.3),
        ({"type": "string"}, 'Text with "qoutes". and ,'),
        ({"type": "string"}, "Text with \n or \t"),
        ({"type": "url"}, "https://site.com"),
        ({"type": "boolean"}, False),
        ({"type": "coordinates"}, "22.3341,32.32"),
        (
            {"type": "json"},
            {"title": "banner", "links": ["https://www.example.com"], "flags": [{"type": "wide"}]},
        ),
        ({"type": "array_float"}, [1, 2.3]),
        ({"type": "array_string"}, ["Hi", "This, but", 'Text with "qoutes".']),
        ({"type": "array_url"}, ["https://www.example.com", "https://site.com"]),
        ({"type": "array_boolean"}, [True, False, True]),
        ({"type": "array_coordinates"}, ["22.3341,32.32", "22.3341,32.32"]),
        ({"type": "array_json"}, [{"title": "banner1"}, {"title": "banner2", "links": ["example.com"]}]),
    ],
)
def test_guide_json_data_types(spec: dict[str, Any], value: Any) -> None:
    rows = read(_json([{"input_values": {"v": value}}]), {"v": spec}, {})
    assert rows[0].errors == []
    assert rows[0].task == {"input_values": {"v": value}}


def test_json_rows_are_validated_against_the_spec() -> None:
    data = [
        {"input_values": {"image_url": "example.com"}},
        {"input_values": {}},
        {"input_values": {"image_url": "https://a.com", "extra": 1}},
        {
            "input_values": {"image_url": "https://a.com"},
            "known_solutions": [{"output_values": {"result": "OK"}}],
        },
        {"input_values": {"image_url": "https://a.com"}, "message_on_unknown_solution": "hint"},
        {"input_values": {"image_url": "https://a.com"}, "latitude": 95, "longitude": 10},
        {"input_values": {"image_url": "https://a.com"}, "surprise": True},
        {"input_values": "https://a.com"},
        {
            "input_values": {"image_url": "https://a.com"},
            "known_solutions": [{"output_values": {"result": "OK", "like": True}, "correctness_weight": 2}],
        },
    ]
    rows = read(_json(data), INPUT, OUTPUT)
    assert [codes(row) for row in rows] == [
        ["INVALID_URL_SYNTAX"],
        ["VALUE_REQUIRED"],
        ["VALUE_NOT_ALLOWED"],
        ["VALUE_REQUIRED"],
        ["VALUE_REQUIRED"],
        ["VALUE_GREATER_THAN_MAX"],
        ["VALUE_NOT_ALLOWED"],
        ["OBJECT_EXPECTED"],
        ["FLOAT_EXPECTED"],
    ]
    assert rows[1].errors[0]["field"] == "input_values.image_url"
    assert rows[3].errors[0]["field"] == "known_solutions.0.output_values.like"


def test_json_single_object_and_json_lines() -> None:
    one = read(b'{"input_values": {"image_url": "https://a.com"}}', INPUT, OUTPUT)
    lines = read(
        b'{"input_values": {"image_url": "https://a.com"}}\n{"input_values": {"image_url": "https://b.com"}}\n',
        INPUT,
        OUTPUT,
        filename="tasks.jsonl",
    )
    assert [row.task for row in one] == [{"input_values": {"image_url": "https://a.com"}}]
    assert [row.line for row in lines] == [1, 2]


def test_json_is_read_in_chunks_with_correct_line_numbers() -> None:
    items = [{"input_values": {"image_url": f"https://a.com/{n}", "pad": "x" * 3000}} for n in range(800)]
    text = "[\n" + ",\n".join(json.dumps(item) for item in items) + "\n]\n"
    assert len(text) > 2 * 1024 * 1024  # more than two read chunks
    spec = INPUT | {"pad": {"type": "string"}}
    rows = list(read_tasks(io.BytesIO(text.encode()), input_spec=spec, output_spec={}))
    assert [row.line for row in rows] == list(range(2, 802))
    assert all(row.ok for row in rows)
    assert rows[-1].task == {"input_values": items[-1]["input_values"]}


def _xlsx(rows: list[list[Any]]) -> bytes:
    sheet = SheetWriter()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    sheet.save(out)
    return out.getvalue()


def test_xlsx_upload_with_typed_cells() -> None:
    spec = {
        "image": {"type": "url"},
        "n": {"type": "integer"},
        "x": {"type": "float"},
        "flag": {"type": "boolean"},
        "tags": {"type": "array_string", "required": False},
        "note": {"type": "string", "required": False},
    }
    data = _xlsx(
        [
            [
                "INPUT:image",
                "INPUT:n",
                "INPUT:x",
                "INPUT:flag",
                "INPUT:tags",
                "INPUT:note",
                "GOLDEN:result",
                "HINT:text",
            ],
            ["https://a.com", 3, 0.5, True, "a,b\\,c", 42, "OK", None],
            [],
            ["https://b.com", "4", "1.5", "false", '["q"]', "=SUM(A1)", None, None],
            ["https://c.com", 2.5, 1, "maybe", None, None, None, "hint without answer"],
        ]
    )
    rows = read(data, spec, {"result": {"type": "string"}}, filename="tasks.xlsx")
    assert rows[0].task == {
        "input_values": {
            "image": "https://a.com",
            "n": 3,
            "x": 0.5,
            "flag": True,
            "tags": ["a", "b,c"],
            "note": "42",
        },
        "known_solutions": [{"output_values": {"result": "OK"}}],
    }
    assert (rows[1].line, rows[1].block) == (4, 1)
    assert rows[1].task == {
        "input_values": {
            "image": "https://b.com",
            "n": 4,
            "x": 1.5,
            "flag": False,
            "tags": ["q"],
            "note": "=SUM(A1)",
        }
    }
    assert sorted(codes(rows[2])) == ["BOOLEAN_EXPECTED", "INTEGER_EXPECTED", "VALUE_REQUIRED"]


def test_xlsx_data_beyond_the_header_is_a_field_count_mismatch() -> None:
    rows = read(_xlsx([["INPUT:image"], ["https://a.com", "stray"]]), filename="t.xlsx")
    assert codes(rows[0]) == ["FIELD_COUNT_MISMATCH"]
    assert (rows[0].errors[0]["expected"], rows[0].errors[0]["found"]) == (1, 2)


def test_xlsx_quotes_are_literal_in_cells() -> None:
    rows = read(_xlsx([["INPUT:q"], ['monitor 24" buy']]), {"q": {"type": "string"}}, {}, filename="t.xlsx")
    assert rows[0].task == {"input_values": {"q": 'monitor 24" buy'}}


def test_xlsx_from_a_stream_that_cannot_seek() -> None:
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            super().__init__()
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = _xlsx([["INPUT:image"], ["https://a.com"]])
    rows = list(
        read_tasks(io.BufferedReader(OneWay(data)), input_spec={"image": {"type": "url"}}, output_spec={})
    )
    assert rows[0].task == {"input_values": {"image": "https://a.com"}}


def test_xlsx_writer_refuses_values_longer_than_a_cell() -> None:
    with pytest.raises(ValueError, match="does not fit in an XLSX cell"):
        _xlsx([["x" * 40_000]])
