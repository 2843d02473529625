"""Coding raw answers into integer arrays: deterministic, order-free, streaming-equivalent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdlab.aggregation import UNKNOWN, AnswerEncoder, encode

ROWS = [("t2", "bob", "cat"), ("t1", "amy", "dog"), ("t2", "amy", "cat"), ("t1", "cid", "cat")]


def columns(rows: list[tuple[str, str, str]]) -> tuple[list[str], list[str], list[str]]:
    tasks, workers, labels = zip(*rows, strict=True)
    return list(tasks), list(workers), list(labels)


def test_ids_and_labels_are_coded_in_sorted_order() -> None:
    encoding = encode(*columns(ROWS))
    assert encoding.task_ids.tolist() == ["t1", "t2"]
    assert encoding.worker_ids.tolist() == ["amy", "bob", "cid"]
    assert encoding.labels.tolist() == ["cat", "dog"]
    assert encoding.answers.task_idx.tolist() == [1, 0, 1, 0]
    assert encoding.answers.worker_idx.tolist() == [1, 0, 0, 2]
    assert encoding.answers.label_idx.tolist() == [0, 1, 0, 0]
    assert encoding.answers.task_idx.dtype == np.int32


def test_a_table_with_crowdkit_columns_is_accepted() -> None:
    tasks, workers, labels = columns(ROWS)
    table = {"task": tasks, "worker": workers, "label": labels}
    assert (
        encode(table).answers.label_idx.tolist() == encode(tasks, workers, labels).answers.label_idx.tolist()
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.text("ab", min_size=1, max_size=2), st.integers(0, 3)), min_size=1
    ),
    st.randoms(use_true_random=False),
    st.integers(1, 5),
)
def test_row_order_and_chunking_do_not_change_the_coding(rows: list, random: object, chunk: int) -> None:
    reference = encode(*zip(*rows, strict=True))
    shuffled = list(rows)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    streamed = AnswerEncoder()
    for start in range(0, len(shuffled), chunk):
        part = shuffled[start : start + chunk]
        streamed.add(*zip(*part, strict=True))
    result = streamed.finish()
    for name in ("task_ids", "worker_ids", "labels"):
        assert getattr(result, name).tolist() == getattr(reference, name).tolist()
    coded = sorted(
        zip(
            result.task_ids[result.answers.task_idx].tolist(),
            result.worker_ids[result.answers.worker_idx].tolist(),
            result.labels[result.answers.label_idx].tolist(),
            strict=True,
        )
    )
    assert coded == sorted(rows)


def test_int_and_string_ids_are_not_merged() -> None:
    with pytest.raises(ValueError, match="task values cannot be ordered"):
        encode([1, "1"], ["a", "b"], ["x", "y"])


def test_missing_labels_are_reported_with_their_row() -> None:
    with pytest.raises(ValueError, match=r"label has 1 missing values \(None/NaN\), first at row 2"):
        encode(["t", "t", "t"], ["a", "b", "c"], [1.0, 0.0, float("nan")])
    with pytest.raises(ValueError, match=r"worker has 1 missing values \(None/NaN\), first at row 0"):
        encode(["t"], [None], ["x"])


def test_columns_of_different_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="same length, got 2, 2 and 1"):
        encode(["t", "u"], ["a", "b"], ["x"])


def test_empty_answers_are_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        encode([], [], [])
    with pytest.raises(ValueError, match="empty"):
        AnswerEncoder().finish()


def test_label_values_add_labels_nobody_chose() -> None:
    encoding = encode(["t"], ["a"], ["yes"], label_values=["no", "maybe", "yes"])
    assert encoding.labels.tolist() == ["maybe", "no", "yes"]
    assert encoding.answers.n_labels == 3
    assert encoding.answers.label_idx.tolist() == [2]
    with pytest.raises(ValueError, match=r"labels \['yes'\] are not among label_values"):
        encode(["t"], ["a"], ["yes"], label_values=["no"])


def test_true_labels_and_skills_use_the_same_coding() -> None:
    encoding = encode(*columns(ROWS))
    assert encoding.true_labels({"t2": "cat", "unanswered": "dog"}).tolist() == [UNKNOWN, 0]
    assert np.isnan(encoding.skills({"amy": 0.9})).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="true label 'fish' of task 't1' is not among the labels"):
        encoding.true_labels({"t1": "fish"})


def test_weights_follow_the_answers() -> None:
    encoding = encode(["t", "t"], ["a", "b"], ["x", "y"], weights=[0.5, 2.0])
    assert encoding.answers.weights().tolist() == [0.5, 2.0]
    with pytest.raises(ValueError, match="weight has negative values"):
        encode(["t"], ["a"], ["x"], weights=[-1.0])
