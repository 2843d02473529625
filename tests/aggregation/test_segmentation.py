"""SegmentationEM against crowd-kit, and its properties."""

from __future__ import annotations

import numpy as np
import pytest

from crowdlab.aggregation import SegmentationEM
from crowdlab.aggregation.frame import aggregate_segmentations

from .crowd import segmentation_crowd
from .crowdkit_runner import crowdkit_aggregation, quietly

pd = pytest.importorskip("pandas")


def iou(first: np.ndarray, second: np.ndarray) -> float:
    return float((first & second).sum() / max((first | second).sum(), 1))


@pytest.mark.parametrize("seed", [0, 1])
def test_same_masks_as_crowdkit_or_closer_to_truth(seed: int) -> None:
    ck = crowdkit_aggregation()
    tasks, workers, masks, truths = segmentation_crowd(80, 5, seed=seed)
    frame = pd.DataFrame({"task": tasks, "worker": workers, "segmentation": masks})
    ours = aggregate_segmentations(SegmentationEM(), frame)
    theirs = quietly(lambda: ck.SegmentationEM().fit_predict(frame)).reindex(ours.index)
    pixel_agreement = np.mean([np.mean(a == b) for a, b in zip(ours, theirs, strict=True)])
    ours_iou = np.mean([iou(mask, truth) for mask, truth in zip(ours, truths, strict=True)])
    theirs_iou = np.mean([iou(mask, truth) for mask, truth in zip(theirs, truths, strict=True)])
    assert pixel_agreement >= 0.995 or ours_iou >= theirs_iou


def test_aggregate_is_closer_to_truth_than_the_average_answer() -> None:
    tasks, _, masks, truths = segmentation_crowd(60, 5, seed=2)
    model = SegmentationEM().fit(tasks, masks)
    ours = np.mean([iou(mask, truth) for mask, truth in zip(model.segmentations_, truths, strict=True)])
    single = np.mean([iou(mask, truths[task]) for task, mask in zip(tasks, masks, strict=True)])
    assert ours > single


def test_unanimous_masks_win() -> None:
    mask = np.zeros((6, 5), dtype=bool)
    mask[1:4, 2:5] = True
    model = SegmentationEM().fit([0, 0, 0], [mask, mask.copy(), mask.copy()])
    np.testing.assert_array_equal(model.segmentations_[0], mask)


def test_posteriors_are_probabilities_and_shapes_are_kept() -> None:
    tasks, _, masks, _ = segmentation_crowd(10, 4, size=12, seed=4)
    masks[0] = np.zeros((12, 12), dtype=bool)
    model = SegmentationEM().fit(tasks, masks)
    for posterior, segmentation in zip(model.posteriors_, model.segmentations_, strict=True):
        assert posterior.shape == segmentation.shape == (12, 12)
        assert np.all((posterior >= 0) & (posterior <= 1))


def test_task_numbering_and_answer_order_do_not_matter() -> None:
    tasks, _, masks, _ = segmentation_crowd(30, 4, size=10, seed=6)
    original = SegmentationEM().fit(tasks, masks)
    renumber = np.random.default_rng(2).permutation(30)
    order = np.random.default_rng(3).permutation(len(masks))
    moved = SegmentationEM().fit(renumber[tasks][order], [masks[row] for row in order])
    for task in range(30):
        np.testing.assert_allclose(moved.posteriors_[renumber[task]], original.posteriors_[task], atol=1e-9)


def test_tasks_with_different_image_sizes_are_fine() -> None:
    small, large = np.ones((3, 3), dtype=bool), np.zeros((8, 4), dtype=bool)
    model = SegmentationEM().fit([0, 1, 0, 1], [small, large, small, large])
    assert model.segmentations_[0].all() and not model.segmentations_[1].any()


def test_mismatched_shapes_within_a_task_are_rejected() -> None:
    with pytest.raises(ValueError, match="masks of task 0 differ in shape"):
        SegmentationEM().fit([0, 0], [np.ones((2, 2), bool), np.ones((3, 2), bool)])


def test_task_without_masks_is_rejected() -> None:
    with pytest.raises(ValueError, match="task 1 has no masks"):
        SegmentationEM().fit([0, 2], [np.ones((2, 2), bool)] * 2)
