"""Whole-file errors: each TaskFileError code, raised before any task of the file is used."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from crowdlab.files import Limits, TaskFileError, read_tasks, write_tasks
from tests.files.files_support import IMAGE_SPEC, RESULT_SPEC, codes, read


class OneWayStream(io.RawIOBase):
    """A non-seekable stream (like an HTTP request body)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), 7))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _error(data: bytes | str, **kwargs: Any) -> TaskFileError:
    with pytest.raises(TaskFileError) as caught:
        read(data, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("text", "code", "header"),
    [
        ("INPUT:image\tFOO:bar\n", "UNKNOWN_HEADER", "FOO:bar"),
        ("INPUT:image\tHINT:comment\n", "UNKNOWN_HEADER", "HINT:comment"),
        ("INPUT:image\tINPUT\n", "UNKNOWN_HEADER", "INPUT"),
        ("INPUT:img\n", "UNKNOWN_FIELD", "INPUT:img"),
        ("INPUT:image\tGOLDEN:answer\n", "UNKNOWN_FIELD", "GOLDEN:answer"),
        ("INPUT:image\tINPUT:image\n", "DUPLICATE_HEADER", "INPUT:image"),
        ("INPUT:image\t\n", "EMPTY_HEADER", ""),
        ("GOLDEN:result\n", "MISSING_HEADER", "INPUT:image"),
        ("INPUT:image\tAl:latitude\n", "MISSING_HEADER", "Al:longitude"),
    ],
)
def test_wrong_header_rejects_the_file_and_names_the_header(text: str, code: str, header: str) -> None:
    error = _error(text + "https://a.com\tx\n")
    assert error.code == code
    assert error.header == header
    if header:
        assert header in error.message


def test_field_names_are_case_sensitive_with_a_hint() -> None:
    error = _error("INPUT:Image\nhttps://a.com\n")
    assert error.code == "UNKNOWN_FIELD"
    assert "Did you mean INPUT:image" in error.message


def test_a_comma_separated_file_gets_a_hint() -> None:
    error = _error("INPUT:image,GOLDEN:result\nhttps://a.com,OK\n")
    assert error.code == "UNKNOWN_FIELD"
    assert "tabs" in error.message and "comma" in error.message


def test_result_file_columns_are_ignored() -> None:
    rows = read(
        "INPUT:image\tOUTPUT:result\tGOLDEN:result\tHINT:text\tASSIGNMENT:assignment_id\t"
        "ACCEPT:verdict\tCONFIDENCE:result\tTASK:id\nhttps://a.com\tOK\t\t\tA1\t+\t99%\tt1\n"
    )
    assert rows[0].task == {"input_values": {"image": "https://a.com"}}


def test_empty_file() -> None:
    assert _error(b"").code == "EMPTY_FILE"
    assert _error(b"\n\n").code == "EMPTY_FILE"
    assert _error(b"  \n", format="json").code == "EMPTY_FILE"


def test_header_only_file_has_no_rows() -> None:
    assert read("INPUT:image\n") == []


def test_not_utf8() -> None:
    error = _error(b"INPUT:image\nhttps://a.com\nhttps://b.com/\xff\xfe.png\n")
    assert error.code == "NOT_UTF8"
    assert "UTF-8" in error.message


def test_unknown_format_name() -> None:
    assert _error("INPUT:image\n", format="csv").code == "UNKNOWN_FORMAT"


def test_too_large_is_refused_before_reading_a_seekable_stream() -> None:
    stream = io.BytesIO(b"INPUT:image\n" + b"https://a.com\n" * 100)
    rows = read_tasks(stream, input_spec=IMAGE_SPEC, output_spec={}, limits=Limits(max_bytes=200))
    with pytest.raises(TaskFileError) as caught:
        next(rows)
    assert caught.value.code == "FILE_TOO_LARGE"
    assert stream.tell() == 0


def test_too_large_is_caught_while_reading_a_stream_that_cannot_seek() -> None:
    data = b"INPUT:image\n" + b"https://a.com\n" * 100
    rows = read_tasks(
        io.BufferedReader(OneWayStream(data)),
        input_spec=IMAGE_SPEC,
        output_spec={},
        limits=Limits(max_bytes=200),
    )
    with pytest.raises(TaskFileError) as caught:
        list(rows)
    assert caught.value.code == "FILE_TOO_LARGE"
    ok = read_tasks(io.BufferedReader(OneWayStream(data)), input_spec=IMAGE_SPEC, output_spec={})
    assert sum(1 for _ in ok) == 100


def test_a_value_longer_than_the_limit_is_a_row_error_not_a_memory_problem() -> None:
    limits = Limits(max_value_chars=50)
    long_quoted = 'INPUT:image\n"https://a.com/' + "x" * 200 + '"\nhttps://b.com\n'
    rows = read(long_quoted, limits=limits)
    assert [codes(row) for row in rows] == [["VALUE_TOO_LONG"], []]
    long_line = "INPUT:image\nhttps://a.com/" + "y" * 200 + "\nhttps://c.com\n"
    rows = read(long_line, limits=limits)
    assert [codes(row) for row in rows] == [["VALUE_TOO_LONG"], []]
    runaway = 'INPUT:image\n"' + "z\n" * 200
    rows = read(runaway, limits=limits)
    assert codes(rows[0]) == ["UNEXPECTED_END_OF_FILE"]
    assert rows[0].line_end == 201


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('[\n  {"input_values": {"image": "https://a.com"}}\n  {"input_values": {}}\n]', 3, 3),
        ('[{"input_values": {"image": "https://a.com"}},]', 1, 47),
        ('[{"input_values": {"image": "https://a.com"}}', 1, 46),
        ('[{"input_values": {"image": "https://a.com"}}] extra', 1, 48),
        ('[{"input_values": {"image": "https://a.com"\n}', 2, 2),
        ('[{"input_values": {"image": 1' + "0" * 5000 + "}}]", 1, 2),
    ],
)
def test_bad_json_syntax_names_the_position(text: str, line: int, column: int) -> None:
    error = _error(text, format="json")
    assert error.code == "INVALID_JSON_SYNTAX"
    assert (error.line, error.column) == (line, column)
    assert f"line {line}, column {column}" in error.message


def test_json_must_be_a_list_of_objects() -> None:
    assert _error('"tasks"', format="json").code == "NOT_A_TASK_LIST"
    rows = read('[{"input_values": {"image": "https://a.com"}}, 42]', format="json")
    assert codes(rows[1]) == ["OBJECT_EXPECTED"]


def test_json_depth_limit() -> None:
    deep_value = "[" * 80 + "]" * 80
    rows = read('[{"input_values": {"image": "https://a.com", "extra": ' + deep_value + "}}]", format="json")
    assert codes(rows[0]) == ["JSON_TOO_DEEP"]
    absurd = "[" + "[" * 200_000 + "]" * 200_000 + "]"
    assert _error(absurd, format="json").code == "JSON_TOO_DEEP"


def test_json_element_larger_than_the_value_limit() -> None:
    big = json.dumps([{"input_values": {"image": "https://a.com/" + "x" * 5000}}])
    assert _error(big, format="json", limits=Limits(max_value_chars=1000)).code == "VALUE_TOO_LONG"


def _xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from crowdlab.files.xlsx import SheetWriter

    sheet = SheetWriter()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    sheet.save(out)
    return out.getvalue()


def test_xlsx_that_is_not_a_workbook() -> None:
    assert _error(b"PK\x03\x04 broken", format="xlsx").code == "INVALID_XLSX"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hello.txt", "not a workbook")
    assert _error(archive.getvalue(), filename="tasks.xlsx").code == "INVALID_XLSX"


def test_xlsx_zip_bomb_is_refused_from_the_zip_directory() -> None:
    data = _xlsx_bytes([["INPUT:image"], ["https://a.com/" + "a" * 30_000]])
    error = _error(data, format="xlsx", limits=Limits(max_xlsx_uncompressed_bytes=30_000))
    assert error.code == "FILE_TOO_LARGE"
    assert "expands" in error.message
    assert read(data, format="xlsx")[0].ok


def test_xlsx_too_large_and_empty() -> None:
    data = _xlsx_bytes([["INPUT:image"], ["https://a.com"]])
    assert _error(data, format="xlsx", limits=Limits(max_bytes=len(data) - 1)).code == "FILE_TOO_LARGE"
    assert _error(_xlsx_bytes([]), format="xlsx").code == "EMPTY_FILE"
    assert _error(_xlsx_bytes([["INPUT:image", "Foo:bar"]]), format="xlsx").code == "UNKNOWN_HEADER"


def test_writer_refuses_two_known_solutions_in_tsv() -> None:
    task = {
        "input_values": {"image": "https://a.com"},
        "known_solutions": [{"output_values": {"result": "OK"}}, {"output_values": {"result": "BAD"}}],
    }
    with pytest.raises(ValueError, match="one known solution"):
        write_tasks([task], input_spec=IMAGE_SPEC, output_spec=RESULT_SPEC, out=io.BytesIO())
