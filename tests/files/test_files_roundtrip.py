"""Round trips: tasks written by our exporters read back identical (Hypothesis), and
upload -> assignments export -> upload gives the uploaded tasks again, in all three formats."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crowdlab.domain.specs import check_value
from crowdlab.files import read_tasks, write_assignments, write_tasks

FORMATS = ("tsv", "xlsx", "json")
SCALARS = ("string", "url", "integer", "float", "boolean", "coordinates", "json", "file")
KINDS = SCALARS + tuple(f"array_{kind}" for kind in SCALARS)
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# No surrogates (not encodable), nothing else excluded: tabs, line breaks, quotes, backslashes, "\," ...
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
# An XLSX cell cannot tell an empty string from an empty cell.
xlsx_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30)
url_tail = st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=20)
urls = st.builds(
    lambda scheme, tail: scheme + tail, st.sampled_from(["http://", "https://", "www."]), url_tail
)
coordinates = st.builds(
    lambda a, b, c, d: f"{a}.{b},{c}.{d}",
    st.integers(-89, 89),
    st.integers(0, 999_999),
    st.integers(-179, 179),
    st.integers(0, 999_999),
)
finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=8,
)


def scalar_values(kind: str, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return {
        "string": text,
        "file": text,
        "url": urls,
        "integer": st.integers(),
        "float": finite,
        "boolean": st.booleans(),
        "coordinates": coordinates,
        "json": json_values.filter(lambda value: value is not None),
    }[kind]


def values_for(kind: str, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    if kind.startswith("array_"):
        item = kind.removeprefix("array_")
        items = (
            json_values.filter(lambda v: v is not None) if item == "json" else scalar_values(item, any_text)
        )
        return st.lists(items, max_size=4)
    return scalar_values(kind, text)


names = st.sampled_from(["image", "text", "n_1", "with-dash", "x", "label"])


@st.composite
def specs(draw: Any, min_fields: int, max_fields: int) -> dict[str, dict[str, Any]]:
    fields = draw(st.lists(names, min_size=min_fields, max_size=max_fields, unique=True))
    return {
        name: {
            "type": draw(st.sampled_from(KINDS)),
            "required": draw(st.booleans()),
            "hidden": draw(st.booleans()),
        }
        for name in fields
    }


def _values(draw: Any, spec: dict[str, dict[str, Any]], text: st.SearchStrategy[str]) -> dict[str, Any]:
    values = {}
    for name, field in spec.items():
        if field["required"] or draw(st.booleans()):
            values[name] = draw(values_for(field["type"], text))
            assert check_value(field, values[name]) is None
    return values


@st.composite
def task_files(draw: Any, fmt: str) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """An input spec with a required field (so no row is blank), an output spec, and valid tasks."""
    text = xlsx_text if fmt == "xlsx" else any_text
    input_spec = draw(specs(1, 4))
    first = next(iter(input_spec))
    input_spec[first]["required"] = True
    output_spec = draw(specs(0, 2))
    if output_spec:
        output_spec[next(iter(output_spec))]["required"] = True
    tasks = []
    for _ in range(draw(st.integers(0, 5))):
        task: dict[str, Any] = {"input_values": _values(draw, input_spec, text)}
        solutions = draw(st.integers(0, 2 if fmt == "json" else 1)) if output_spec else 0
        if solutions:
            task["known_solutions"] = []
            for _ in range(solutions):
                solution: dict[str, Any] = {"output_values": _values(draw, output_spec, text)}
                if fmt == "json" and draw(st.booleans()):
                    solution["correctness_weight"] = draw(st.floats(0, 1))
                task["known_solutions"].append(solution)
            if draw(st.booleans()):
                task["message_on_unknown_solution"] = draw(xlsx_text)
        if draw(st.booleans()):
            task["latitude"] = draw(st.floats(-90, 90))
            task["longitude"] = draw(st.floats(-180, 180))
        if draw(st.booleans()):
            task["overlap"] = draw(st.integers(1, 1000))
        tasks.append(task)
    return input_spec, output_spec, tasks


def _read_back(data: bytes, fmt: str, input_spec: dict[str, Any], output_spec: dict[str, Any]) -> list[Any]:
    rows = list(read_tasks(io.BytesIO(data), format=fmt, input_spec=input_spec, output_spec=output_spec))
    assert [row.errors for row in rows] == [[] for _ in rows]
    return [row.task for row in rows]


def _write(
    tasks: list[dict[str, Any]], fmt: str, input_spec: dict[str, Any], output_spec: dict[str, Any]
) -> bytes:
    out = io.BytesIO()
    assert write_tasks(tasks, input_spec=input_spec, output_spec=output_spec, format=fmt, out=out) == len(
        tasks
    )
    return out.getvalue()


@PROFILE
@given(task_files("tsv"))
def test_tsv_task_files_read_back_identical(case: Any) -> None:
    input_spec, output_spec, tasks = case
    assert _read_back(_write(tasks, "tsv", input_spec, output_spec), "tsv", input_spec, output_spec) == tasks


@PROFILE
@given(task_files("json"))
def test_json_task_files_read_back_identical(case: Any) -> None:
    input_spec, output_spec, tasks = case
    assert (
        _read_back(_write(tasks, "json", input_spec, output_spec), "json", input_spec, output_spec) == tasks
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task_files("xlsx"))
def test_xlsx_task_files_read_back_identical(case: Any) -> None:
    input_spec, output_spec, tasks = case
    assert (
        _read_back(_write(tasks, "xlsx", input_spec, output_spec), "xlsx", input_spec, output_spec) == tasks
    )


@PROFILE
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=60))
def test_any_string_survives_tsv(text: str) -> None:
    spec = {"key": {"type": "string"}, "value": {"type": "string"}}
    tasks = [{"input_values": {"key": "k", "value": text}}]
    assert _read_back(_write(tasks, "tsv", spec, {}), "tsv", spec, {}) == tasks


def _assignments(tasks: list[dict[str, Any]], output_spec: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for number, task in enumerate(tasks):
        row = dict(task)
        row.pop("latitude", None)
        row.pop("longitude", None)
        row.pop("overlap", None)
        row["output_values"] = {
            name: "answer" for name, field in output_spec.items() if field["type"] == "string"
        }
        row["link"] = f"https://crowdlab.example/task/1/{number}"
        row["assignment"] = {
            "id": f"a{number}",
            "user_id": "w1",
            "status": "ACCEPTED",
            "created": "2024-05-01T10:03:11",
        }
        rows.append(row)
    return rows


def _export_cases(fmt: str) -> Any:
    return task_files(fmt).filter(lambda case: all(len(t.get("known_solutions", [])) <= 1 for t in case[2]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FORMATS).flatmap(lambda fmt: st.tuples(st.just(fmt), _export_cases(fmt))))
def test_upload_export_upload_gives_the_same_tasks(case: Any) -> None:
    fmt, (input_spec, output_spec, tasks) = case
    uploaded = _read_back(_write(tasks, fmt, input_spec, output_spec), fmt, input_spec, output_spec)
    exported = io.BytesIO()
    rows = _assignments(uploaded, output_spec)
    assert write_assignments(
        rows, input_spec=input_spec, output_spec=output_spec, format=fmt, out=exported
    ) == len(rows)
    again = _read_back(exported.getvalue(), fmt, input_spec, output_spec)
    expected = [
        {key: value for key, value in task.items() if key not in ("latitude", "longitude", "overlap")}
        for task in uploaded
    ]
    if fmt == "json":
        assert again == expected
    else:  # TSV/XLSX results carry the first known solution without its weight
        assert again == [_first_solution(task) for task in expected]


def _first_solution(task: dict[str, Any]) -> dict[str, Any]:
    if "known_solutions" in task:
        task = task | {"known_solutions": [{"output_values": task["known_solutions"][0]["output_values"]}]}
    return task


def test_guide_example_file_round_trip() -> None:
    spec = {"image": {"type": "url"}, "tags": {"type": "array_string", "required": False}}
    output = {"result": {"type": "string", "allowed_values": ["OK", "BAD"]}}
    text = (
        "INPUT:image\tINPUT:tags\tGOLDEN:result\tHINT:text\n"
        'https://e.com/a.png\t"Hi,""This, but"""\t\t\n'
        "https://e.com/b.png\t\tOK\t\n"
        'https://e.com/c.png\t\tBAD\t"A ""bad"" one:\tlook"\n'
    )
    uploaded = _read_back(text.encode(), "tsv", spec, output)
    for fmt in FORMATS:
        assert _read_back(_write(uploaded, fmt, spec, output), fmt, spec, output) == uploaded
    assert uploaded[0]["input_values"]["tags"] == ["Hi", "This, but"]
    assert uploaded[2]["message_on_unknown_solution"] == 'A "bad" one:\tlook'
