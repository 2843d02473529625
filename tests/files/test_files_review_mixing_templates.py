"""Review results upload, smart mixing and templates."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdlab.domain.specs import check_value
from crowdlab.files import (
    MixerConfig,
    MixingError,
    TaskFileError,
    compose_suites,
    read_review,
    read_tasks,
    split_by_blocks,
    split_in_order,
    write_template,
)
from crowdlab.files.templates import example_value
from crowdlab.files.xlsx import SheetWriter


def _review(text: str | bytes, **kwargs: Any) -> list[Any]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_review(io.BytesIO(data), **kwargs))


def test_review_file_in_tolokas_form() -> None:
    text = (
        "INPUT:image\tOUTPUT:result\tASSIGNMENT:assignment_id\tACCEPT:verdict\tACCEPT:comment\n"
        "https://a.com\tcat\tA1\t+\t\n"
        "https://b.com\tdog\tA1\t\t\n"  # second task of the same suite: left empty
        "https://c.com\tcat\tA2\t-\tThe instructions ask for the breed\n"
        "https://d.com\tcat\tA3\t\t\n"  # not reviewed
        "https://e.com\tcat\tA1\t+\t\n"  # a repeat that agrees
    )
    rows = _review(text)
    assert [(row.line, row.assignment_id, row.verdict, row.comment) for row in rows] == [
        (2, "A1", "ACCEPTED", None),
        (4, "A2", "REJECTED", "The instructions ask for the breed"),
    ]
    assert all(row.ok for row in rows)


def test_review_errors() -> None:
    text = (
        "ASSIGNMENT:assignment_id\tACCEPT:verdict\tACCEPT:comment\n"
        "A1\t?\t\n"
        "A2\t-\t\n"
        "\t+\t\n"
        "A3\t+\t\n"
        "A3\t-\tchanged my mind\n"
        "A4\t+\textra\tcolumn\n"
    )
    rows = _review(text)
    assert [(row.line, [error["code"] for error in row.errors]) for row in rows] == [
        (2, ["INVALID_VERDICT"]),
        (3, ["VALUE_REQUIRED"]),
        (4, ["VALUE_REQUIRED"]),
        (5, []),
        (6, ["CONFLICTING_VERDICT"]),
        (7, ["FIELD_COUNT_MISMATCH"]),
    ]
    assert rows[1].errors[0]["field"] == "ACCEPT:comment"


def test_review_plain_form_and_xlsx() -> None:
    rows = _review("assignment_id\tstatus\tcomment\nA1\tAPPROVED\t\nA2\trejected\tblurry\n")
    assert [(row.assignment_id, row.verdict, row.comment) for row in rows] == [
        ("A1", "ACCEPTED", None),
        ("A2", "REJECTED", "blurry"),
    ]
    sheet = SheetWriter()
    sheet.append(["ASSIGNMENT:assignment_id", "ACCEPT:verdict", "ACCEPT:comment"])
    sheet.append(["A9", "-", "no"])
    out = io.BytesIO()
    sheet.save(out)
    assert [(row.line, row.verdict) for row in _review(out.getvalue(), filename="review.xlsx")] == [
        (2, "REJECTED")
    ]


def test_review_file_errors() -> None:
    with pytest.raises(TaskFileError) as caught:
        _review("ACCEPT:verdict\n+\n")
    assert (caught.value.code, caught.value.header) == ("MISSING_HEADER", "ASSIGNMENT:assignment_id")
    with pytest.raises(TaskFileError) as caught:
        _review("ASSIGNMENT:assignment_id\tASSIGNMENT:status\nA1\tAPPROVED\n")
    assert caught.value.header == "ACCEPT:verdict"
    with pytest.raises(TaskFileError):
        _review("")


def _kinds(real: int, control: int, training: int) -> list[tuple[str, str]]:
    return (
        [("general", f"r{n}") for n in range(real)]
        + [("control", f"c{n}") for n in range(control)]
        + [("training", f"t{n}") for n in range(training)]
    )


def test_smart_mixing_counts_and_order() -> None:
    mix = compose_suites(_kinds(7, 3, 1), MixerConfig(real=3, control=1, training=1), shuffle=False, seed=1)
    assert [len(suite) for suite in mix.suites] == [5, 5, 3]
    assert [suite[:3] for suite in mix.suites[:2]] == [["r0", "r1", "r2"], ["r3", "r4", "r5"]]
    assert mix.suites[2][0] == "r6" and mix.unused == []
    assert all(suite[-1] == "t0" for suite in mix.suites)
    controls = [task for suite in mix.suites for task in suite if task.startswith("c")]
    assert sorted(controls) == ["c0", "c1", "c2"]  # three suites, each control used once


def test_smart_mixing_min_real_leaves_the_rest_unused() -> None:
    mix = compose_suites(_kinds(7, 1, 0), MixerConfig(real=3, control=1, min_real=3), seed=2)
    assert len(mix.suites) == 2 and sorted(mix.unused) == ["r6"]


def test_smart_mixing_is_reproducible_and_shuffles() -> None:
    tasks = _kinds(40, 5, 0)
    config = MixerConfig(real=4, control=1)
    first = compose_suites(tasks, config, seed=7)
    assert first == compose_suites(tasks, config, seed=7)
    assert any(not suite[-1].startswith("c") for suite in first.suites)  # mixed, not appended
    assert compose_suites(tasks, config, seed=7, in_creation_order=False) != first


def test_smart_mixing_errors() -> None:
    with pytest.raises(MixingError, match="2 control task"):
        compose_suites(_kinds(5, 1, 0), MixerConfig(real=2, control=2))
    with pytest.raises(MixingError):
        MixerConfig(real=0)
    with pytest.raises(MixingError):
        compose_suites([("exam", "x")], MixerConfig(real=1))


def test_training_pool_uses_each_task_once() -> None:
    mix = compose_suites(_kinds(0, 0, 5), MixerConfig(real=0, training=2), shuffle=False)
    assert mix.suites == [["t0", "t1"], ["t2", "t3"], ["t4"]]


def test_manual_suites() -> None:
    assert split_in_order(["a", "b", "c"], 2) == [["a", "b"], ["c"]]
    data = "INPUT:image\nhttps://a.com\nhttps://b.com\n\nhttps://c.com\n"
    rows = read_tasks(io.BytesIO(data.encode()), input_spec={"image": {"type": "url"}}, output_spec={})
    suites = split_by_blocks((row.block, row.line) for row in rows)
    assert suites == [[2, 3], [5]]


@settings(max_examples=80, deadline=None)
@given(
    real=st.integers(0, 40),
    control=st.integers(0, 6),
    per_real=st.integers(1, 5),
    per_control=st.integers(0, 3),
    min_real=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_smart_mixing_properties(
    real: int, control: int, per_real: int, per_control: int, min_real: int, seed: int
) -> None:
    config = MixerConfig(real=per_real, control=per_control, min_real=min(min_real, per_real))
    if per_control > control:
        with pytest.raises(MixingError):
            compose_suites(_kinds(real, control, 0), config, seed=seed)
        return
    mix = compose_suites(_kinds(real, control, 0), config, seed=seed)
    used = [task for suite in mix.suites for task in suite if task.startswith("r")]
    assert sorted(used + mix.unused) == sorted(f"r{n}" for n in range(real))
    assert len(used) == len(set(used))
    for suite in mix.suites:
        controls = [task for task in suite if task.startswith("c")]
        assert len(controls) == per_control == len(set(controls))
    counts = Counter(task for suite in mix.suites for task in suite if task.startswith("c"))
    if counts:
        assert max(counts.values()) - min(counts.values()) <= 1 or len(counts) < control


TEMPLATE_INPUT: dict[str, dict[str, Any]] = {
    "image": {"type": "url"},
    "score": {"type": "integer", "min_value": 3, "max_value": 5},
    "ratio": {"type": "float", "min_value": 2},
    "label": {"type": "string", "allowed_values": ["a", "b"]},
    "text": {"type": "string", "min_length": 10, "required": False, "hidden": True},
    "tags": {"type": "array_string", "min_size": 2},
    "where": {"type": "coordinates"},
    "meta": {"type": "json"},
    "flags": {"type": "array_boolean", "max_size": 1},
}
TEMPLATE_OUTPUT: dict[str, dict[str, Any]] = {
    "result": {"type": "string", "allowed_values": ["OK", "BAD"]},
    "sure": {"type": "boolean"},
}


@pytest.mark.parametrize("fmt", ["tsv", "xlsx", "json"])
@pytest.mark.parametrize(
    ("options", "kind"),
    [
        ({}, "general"),
        ({"golden": True}, "control"),
        ({"hint": True}, "training"),
        ({"coordinates": True}, "field"),
    ],
)
def test_templates_upload_without_errors(fmt: str, options: dict[str, bool], kind: str) -> None:
    out = io.BytesIO()
    write_template(out, input_spec=TEMPLATE_INPUT, output_spec=TEMPLATE_OUTPUT, format=fmt, **options)
    out.seek(0)
    rows = list(read_tasks(out, format=fmt, input_spec=TEMPLATE_INPUT, output_spec=TEMPLATE_OUTPUT))
    assert [(row.errors, row.kind) for row in rows] == [([], kind)]


def test_template_headers() -> None:
    out = io.BytesIO()
    write_template(out, input_spec=TEMPLATE_INPUT, output_spec=TEMPLATE_OUTPUT, hint=True)
    header = out.getvalue().decode().splitlines()[0].split("\t")
    assert header == [f"INPUT:{name}" for name in TEMPLATE_INPUT] + [
        "GOLDEN:result",
        "GOLDEN:sure",
        "HINT:text",
    ]


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["string", "integer", "float", "url", "boolean", "coordinates", "json", "file"]),
    array=st.booleans(),
    low=st.none() | st.integers(-5, 5),
    span=st.integers(0, 5),
    sizes=st.none() | st.tuples(st.integers(0, 3), st.integers(0, 3)),
)
def test_example_values_satisfy_their_spec(
    kind: str, array: bool, low: int | None, span: int, sizes: Any
) -> None:
    spec: dict[str, Any] = {"type": f"array_{kind}" if array else kind}
    if low is not None and kind in ("integer", "float"):
        spec |= {"min_value": low, "max_value": low + span}
    if low is not None and kind == "string":
        spec |= {"min_length": abs(low), "max_length": abs(low) + span}
    if sizes is not None and array:
        spec |= {"min_size": min(sizes), "max_size": max(sizes)}
    assert check_value(spec, example_value(spec)) is None
