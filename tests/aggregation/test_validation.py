"""Bad input gets a ValueError that names what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from crowdlab.aggregation import (
    Answers,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    Wawa,
    create,
)


def answers(**changes: object) -> Answers:
    fields: dict[str, object] = {
        "task_idx": np.array([0, 0, 1]),
        "worker_idx": np.array([0, 1, 1]),
        "label_idx": np.array([0, 1, 1]),
        "n_tasks": 2,
        "n_workers": 2,
        "n_labels": 2,
    }
    fields.update(changes)
    return Answers(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "task_idx": np.array([], dtype=int),
                "worker_idx": np.array([], dtype=int),
                "label_idx": np.array([], dtype=int),
            },
            "empty",
        ),
        ({"label_idx": np.array([0, 1])}, "same length, got 3, 3 and 2"),
        ({"worker_idx": np.array([0, -1, 1])}, r"worker_idx has negative values \(first at position 1\)"),
        ({"task_idx": np.array([0, 0, 2])}, r"task_idx has values >= n_tasks=2 \(first at position 2\)"),
        ({"label_idx": np.array([0.0, np.nan, 1.0])}, "label_idx must hold integers, got dtype float64"),
        ({"task_idx": np.array([[0, 0, 1]])}, "task_idx must be a 1-D array"),
        ({"n_labels": 0}, "n_labels must be between 1 and"),
        ({"n_tasks": 2.5}, "n_tasks must be an integer"),
        (
            {"weight": np.array([1.0, np.inf, 1.0])},
            r"weight has NaN or infinite values \(first at position 1\)",
        ),
        ({"weight": np.array([1.0, 1.0])}, r"weight must have shape \(3,\)"),
    ],
)
def test_bad_answers(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        answers(**changes)


def test_true_labels_are_checked() -> None:
    with pytest.raises(ValueError, match=r"true_labels must have shape \(2,\)"):
        DawidSkene().fit(answers(), np.array([0]))
    with pytest.raises(
        ValueError, match=r"true_labels must be -1 \(unknown\) or a label index below n_labels=2"
    ):
        DawidSkene().fit(answers(), np.array([5, -1]))
    with pytest.raises(ValueError, match="true_labels keys has values >= n_tasks=2"):
        DawidSkene().fit(answers(), {7: 0})


def test_skills_are_checked() -> None:
    with pytest.raises(ValueError, match=r"skills must have shape \(2,\)"):
        MajorityVote().fit(answers(), skills=[1.0])
    with pytest.raises(ValueError, match=r"skills has negative values \(first at worker 1\)"):
        MajorityVote().fit(answers(), skills=[1.0, -0.5])
    with pytest.raises(ValueError, match=r"1 workers who answered have no skill \(first: worker index 0\)"):
        MajorityVote().fit(answers(), skills=[np.nan, 1.0])


def test_missing_skills_can_be_ignored_or_defaulted() -> None:
    ignored = MajorityVote(on_missing_skill="ignore").fit(answers(), skills=[np.nan, 1.0])
    assert ignored.labels_.tolist() == [1, 1]
    defaulted = MajorityVote(on_missing_skill="value", default_skill=3.0).fit(answers(), skills=[np.nan, 1.0])
    assert defaulted.labels_.tolist() == [0, 1]
    with pytest.raises(ValueError, match="1 tasks have no answer from a worker with a known skill"):
        MajorityVote(on_missing_skill="ignore").fit(answers(), skills=[1.0, np.nan])


def test_gold_majority_vote_needs_gold() -> None:
    with pytest.raises(ValueError, match="GoldMajorityVote needs true_labels"):
        GoldMajorityVote().fit(answers())
    with pytest.raises(ValueError, match="workers who answered have no skill"):
        GoldMajorityVote().fit(answers(), {1: 1})


def test_predict_before_fit_is_explained() -> None:
    with pytest.raises(ValueError, match="Wawa is not fitted yet"):
        Wawa().predict(answers())


def test_bad_settings_are_explained() -> None:
    with pytest.raises(ValueError, match="n_iter must be at least 1"):
        DawidSkene(n_iter=0)
    with pytest.raises(ValueError, match="unknown aggregation method 'dawid'"):
        create("dawid")
    with pytest.raises(ValueError, match=r"dawid_skene has no setting\(s\) \['iterations'\]"):
        create("dawid_skene", iterations=3)
