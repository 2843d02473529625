"""BoxMedian: crowd-kit has no box method, so it is checked against the truth and baselines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdlab.aggregation import BoxMedian, box_iou
from crowdlab.aggregation.bbox import weighted_median

from .crowd import box_crowd


@pytest.mark.parametrize("seed", [0, 1])
def test_closer_to_truth_than_plain_median_and_mean(seed: int) -> None:
    tasks, workers, boxes, truth = box_crowd(400, 30, 5, seed=seed)
    model = BoxMedian().fit(tasks, workers, boxes)
    median = np.stack([np.median(boxes[tasks == task], axis=0) for task in range(400)])
    mean = np.stack([boxes[tasks == task].mean(axis=0) for task in range(400)])
    ours = box_iou(model.boxes_, truth).mean()
    assert ours > box_iou(median, truth).mean()
    assert ours > box_iou(mean, truth).mean()
    spammer_like = model.skills_ < 0.3
    assert 0 < spammer_like.sum() < 30


def test_unanimous_boxes_win_with_full_confidence() -> None:
    box = [1.0, 2.0, 5.0, 7.5]
    model = BoxMedian().fit([0, 0, 0], [0, 1, 2], [box, box, box])
    np.testing.assert_allclose(model.boxes_[0], box)
    assert model.confidences_[0] == pytest.approx(1.0)


def test_renaming_workers_and_tasks_changes_nothing() -> None:
    tasks, workers, boxes, _ = box_crowd(50, 12, 4, seed=3)
    original = BoxMedian().fit(tasks, workers, boxes)
    rng = np.random.default_rng(1)
    task_map, worker_map, order = rng.permutation(50), rng.permutation(12), rng.permutation(tasks.size)
    moved = BoxMedian().fit(task_map[tasks][order], worker_map[workers][order], boxes[order])
    np.testing.assert_allclose(moved.boxes_[task_map], original.boxes_)
    np.testing.assert_allclose(moved.confidences_[task_map], original.confidences_)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.floats(-100, 100), min_size=1, max_size=6), min_size=1, max_size=5))
def test_weighted_median_with_equal_weights_is_the_median(groups: list[list[float]]) -> None:
    values = np.concatenate([np.asarray(group) for group in groups])
    tasks = np.concatenate([np.full(len(group), index) for index, group in enumerate(groups)])
    result = weighted_median(values, tasks.astype(np.int32), np.ones(values.size), len(groups))
    np.testing.assert_allclose(result, [np.median(group) for group in groups], atol=1e-9)


def test_iou_of_identical_and_disjoint_boxes() -> None:
    first = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    second = np.array([[0.0, 0.0, 2.0, 2.0], [2.0, 2.0, 3.0, 3.0], [1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_allclose(box_iou(first, second), [1.0, 0.0, 1.0])


def test_inverted_box_is_rejected() -> None:
    with pytest.raises(ValueError, match="first bad box at row 1"):
        BoxMedian().fit([0, 0], [0, 1], [[0, 0, 1, 1], [3, 0, 1, 1]])


def test_boxes_need_four_coordinates() -> None:
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        BoxMedian().fit([0], [0], [[0, 0, 1]])
