"""The pandas adapter speaks crowd-kit's columns and returns crowd-kit shaped results."""

from __future__ import annotations

import numpy as np
import pytest

from crowdlab.aggregation import BoxMedian, DawidSkene, MajorityVote, encode
from crowdlab.aggregation.frame import DataFrameAggregator, aggregate_boxes, encode_frame

from .crowd import categorical_crowd

pd = pytest.importorskip("pandas")


def test_results_are_indexed_like_crowdkit() -> None:
    frame = categorical_crowd(50, 10, seed=1).frame()
    model = DataFrameAggregator(DawidSkene()).fit(frame)
    assert model.labels_.name == "agg_label" and model.labels_.index.name == "task"
    assert model.probas_.columns.name == "label" and list(model.probas_.columns) == [0, 1, 2]
    assert model.probas_.index.equals(model.labels_.index)
    assert model.confidences_.equals(model.probas_.max(axis=1).rename("confidence"))


def test_frame_coding_equals_core_coding() -> None:
    frame = categorical_crowd(40, 8, seed=2).frame().sample(frac=1.0, random_state=3)
    from_frame = encode_frame(frame)
    from_columns = encode(frame["task"].tolist(), frame["worker"].tolist(), frame["label"].tolist())
    for name in ("task_ids", "worker_ids", "labels"):
        assert getattr(from_frame, name).tolist() == getattr(from_columns, name).tolist()
    assert from_frame.answers.task_idx.tolist() == from_columns.answers.task_idx.tolist()


def test_known_labels_win_and_may_bring_a_new_label() -> None:
    frame = pd.DataFrame({"task": ["a", "a", "b"], "worker": ["x", "y", "x"], "label": ["cat", "cat", "cat"]})
    gold = pd.Series({"a": "dog"})
    model = DataFrameAggregator(DawidSkene()).fit(frame, gold)
    assert list(model.probas_.columns) == ["cat", "dog"]
    assert model.labels_["a"] == "dog" and model.confidences_["a"] == 1.0


def test_skills_series_weights_the_vote() -> None:
    frame = pd.DataFrame({"task": ["t"] * 3, "worker": ["a", "b", "c"], "label": [1, 1, 2]})
    skills = pd.Series({"a": 0.1, "b": 0.1, "c": 0.9})
    model = DataFrameAggregator(MajorityVote())
    assert model.fit_predict(frame, skills=skills)["t"] == 2
    assert model.skills_.index.name == "worker"
    with pytest.raises(ValueError, match="DawidSkene does not take skills"):
        DataFrameAggregator(DawidSkene()).fit(frame, skills=skills)


def test_missing_columns_and_values_are_named() -> None:
    with pytest.raises(ValueError, match=r"missing \['worker'\]"):
        encode_frame(pd.DataFrame({"task": [1], "label": [1]}))
    frame = pd.DataFrame({"task": ["t", "t"], "worker": ["a", "b"], "label": [1.0, np.nan]})
    with pytest.raises(ValueError, match=r"label has 1 missing values \(None/NaN\), first at row 1"):
        encode_frame(frame)


def test_boxes_frame() -> None:
    frame = pd.DataFrame(
        {
            "task": ["t", "t", "u"],
            "worker": ["a", "b", "a"],
            "box": [[0, 0, 2, 2], [0, 0, 2, 2], [1, 1, 3, 4]],
        }
    )
    result = aggregate_boxes(BoxMedian(), frame)
    assert result.loc["t", ["x_min", "y_min", "x_max", "y_max"]].tolist() == [0, 0, 2, 2]
    assert result.loc["u", "confidence"] == pytest.approx(1.0)
