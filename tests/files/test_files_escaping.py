"""Every row of the escaping tables of the Toloka guide "Creating a file with tasks" (TSV/XLSX tab).

Each case is the guide's "Example of transferring data to a file" cell, copied verbatim, its status
("correct" / "loading error") and, when correct, the value the Toloker sees. Three rows of the guide
contradict its own rules (typos); they are marked ``guide_typo`` and tested both as printed (what our
reader does with the literal text) and corrected (the status the guide gives).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.files.files_support import codes, one_field

LOADING_ERROR = object()


def _case(kind: str, cell: str, expected: Any, note: str = "") -> Any:
    return pytest.param(kind, cell, expected, id=f"{kind}: {note or cell[:48]}")


STRING_TABLE = [
    _case("string", '"monitor 24"" buy"', 'monitor 24" buy'),
    _case("string", 'book "All about dogs"', "book All about dogs", "quotes dropped, not displayed"),
    _case("string", '"book “All about dogs”"', "book “All about dogs”"),
    _case("string", 'monitor 24" buy', LOADING_ERROR, "unpaired quote"),
]

JSON_TABLE = [
    # To load data in a field with the JSON type
    _case("json", '"{""query"": ""monitor 24 inch buy""}"', {"query": "monitor 24 inch buy"}),
    _case("json", '"{"query": "monitor 24 inch buy"}"', LOADING_ERROR, "quotes not doubled"),
    # To display a quotation mark inside an object with the JSON type (rows 1 and 2 share the file text)
    _case("json", r'"{""query"": ""monitor 24\"" buy""}"', {"query": 'monitor 24" buy'}, "quote, row 1"),
    _case("json", r'"{""query"": ""monitor 24\"" buy""}"', {"query": 'monitor 24" buy'}, "quote, row 2"),
    _case(
        "json",
        r'"{""query"": ""book \""All about dogs\""""}"',
        {"query": 'book "All about dogs"'},
        "quoted title",
    ),
    _case("json", r'"{""query"": ""monitor 24\"\"" buy""}"', LOADING_ERROR, "backslash-quote twice"),
    _case(
        "json", r'"{"query": "book \"All about dogs\""}"', LOADING_ERROR, "JSON escapes, quotes not doubled"
    ),
    # To display a backslash inside an object with the JSON type
    _case("json", r'"{""query"": ""array A\\B""}"', {"query": "array A\\B"}, "escaped backslash"),
    _case("json", r'"{""query"": ""array A\B""}"', LOADING_ERROR, "lone backslash"),
]

JSON_ARRAY_TABLE = [
    # To load an array of data in a field with the JSON type
    _case(
        "array_json",
        '"{""query"": ""monitor 24 inch buy""},{""query"": ""monitor 19 inch buy""}"',
        [{"query": "monitor 24 inch buy"}, {"query": "monitor 19 inch buy"}],
    ),
    _case(
        "array_json",
        '"{"query": "monitor 24 inch buy"},{"query": "monitor 19 inch buy"}"',
        LOADING_ERROR,
        "quotes not doubled",
    ),
    _case(
        "array_json",
        '"{""query"": ""monitor 24 inch, system unit buy""},'
        '""query"": ""monitor 19 inch, system unit buy""}"',
        LOADING_ERROR,
        "unescaped commas",
    ),
    # To display a quotation mark in an array of data in a field with the JSON type
    _case(
        "array_json",
        r'"{""query"": ""monitor 24\"" inch buy""},{""query"": ""monitor 19\"" buy""}"',
        [{"query": 'monitor 24" inch buy'}, {"query": 'monitor 19" buy'}],
        "quotes",
    ),
    _case(
        "array_json",
        r'"{""query"": ""monitor 24\"" inch buy""},{""query"": ""monitor 19\" buy""}"',
        LOADING_ERROR,
        "one quote not doubled",
    ),
    # To display a backslash in an array of data in a field with the JSON type
    _case(
        "array_json",
        r'"{""query"": ""array A\\B""},{""query"": ""array C\\D"}"',
        LOADING_ERROR,
        "unpaired quote at the end",
    ),
]

# The guide's rows that contradict its own rules, as printed: (kind, cell, guide status, our reading).
GUIDE_TYPOS = [
    pytest.param(
        "array_json",
        r'"{""query"": ""monitor 24 inch\, system unit buy""},'
        r'""query"": ""monitor 19 inch\, system unit buy""}"',
        "correct",
        LOADING_ERROR,
        # the second object has no opening brace: no JSON reader can take it
        r'"{""query"": ""monitor 24 inch\, system unit buy""},'
        r'{""query"": ""monitor 19 inch\, system unit buy""}"',
        [{"query": "monitor 24 inch, system unit buy"}, {"query": "monitor 19 inch, system unit buy"}],
        id="escaped commas, missing brace",
    ),
    pytest.param(
        "array_json",
        r'"{""query"": ""array A\\\B""},{""query"": ""array C\D""}"',
        "correct",
        LOADING_ERROR,
        # item A uses the rule (two more backslashes), item C does not; with the rule applied to C:
        r'"{""query"": ""array A\\\B""},{""query"": ""array C\\\D""}"',
        [{"query": "array A\\B"}, {"query": "array C\\D"}],
        id="backslashes, C not escaped",
    ),
]


def _check(kind: str, cell: str, expected: Any) -> None:
    row = one_field(kind, cell)
    if expected is LOADING_ERROR:
        assert row.errors, f"expected a loading error, got {row.task}"
        assert row.task is None
    else:
        assert row.errors == []
        assert row.task == {"input_values": {"value": expected}}


@pytest.mark.parametrize(("kind", "cell", "expected"), STRING_TABLE)
def test_string_escaping_table(kind: str, cell: str, expected: Any) -> None:
    _check(kind, cell, expected)


@pytest.mark.parametrize(("kind", "cell", "expected"), JSON_TABLE)
def test_json_escaping_tables(kind: str, cell: str, expected: Any) -> None:
    _check(kind, cell, expected)


@pytest.mark.parametrize(("kind", "cell", "expected"), JSON_ARRAY_TABLE)
def test_json_array_escaping_tables(kind: str, cell: str, expected: Any) -> None:
    _check(kind, cell, expected)


@pytest.mark.parametrize(("kind", "printed", "guide_status", "ours", "corrected", "value"), GUIDE_TYPOS)
def test_guide_rows_with_typos(
    kind: str, printed: str, guide_status: str, ours: Any, corrected: str, value: Any
) -> None:
    assert guide_status == "correct"
    _check(kind, printed, ours)
    _check(kind, corrected, value)


def test_unpaired_quote_reports_the_guide_message() -> None:
    row = one_field("string", 'monitor 24" buy')
    assert codes(row) == ["UNEXPECTED_END_OF_FILE"]
    assert row.errors[0]["message"].startswith(
        "unexpected end of file while reading quoted column beginning on line 2 and ending on line 2"
    )


def test_unescaped_commas_inside_objects_are_accepted_like_the_guides_array_example() -> None:
    # The guide's own "Array of JSON" example leaves commas inside objects unescaped; we split only at
    # commas outside brackets, so the escaped and unescaped forms read the same.
    plain = one_field("array_json", '"{""q"": ""a, b"", ""n"": 1},{""q"": ""c""}"')
    escaped = one_field("array_json", r'"{""q"": ""a\, b""\, ""n"": 1},{""q"": ""c""}"')
    assert plain.task == escaped.task == {"input_values": {"value": [{"q": "a, b", "n": 1}, {"q": "c"}]}}
