"""ROVER: identical to crowd-kit's texts, plus its own properties."""

from __future__ import annotations

import numpy as np
import pytest

from crowdlab.aggregation import ROVER
from crowdlab.aggregation.frame import aggregate_texts

from .crowd import text_crowd
from .crowdkit_runner import crowdkit_aggregation, quietly

pd = pytest.importorskip("pandas")


@pytest.mark.parametrize("seed", [0, 1])
def test_same_texts_as_crowdkit(seed: int) -> None:
    ck = crowdkit_aggregation()
    tasks, texts, _ = text_crowd(150, 5, seed=seed)
    frame = pd.DataFrame({"task": tasks, "worker": np.arange(len(tasks)) % 9, "text": texts})
    ours = aggregate_texts(ROVER(lambda text: text.split(" "), " ".join), frame)
    theirs = quietly(lambda: ck.ROVER(lambda text: text.split(" "), " ".join).fit_predict(frame))
    assert (ours == theirs.reindex(ours.index)).mean() >= 0.995


def test_rover_beats_a_single_answer() -> None:
    tasks, texts, truths = text_crowd(200, 7, seed=2)
    rover = ROVER().fit(tasks, texts)
    exact = np.mean([ours == truth for ours, truth in zip(rover.texts_, truths, strict=True)])
    first_answer = np.mean([texts[7 * task] == truths[task] for task in range(200)])
    assert exact > first_answer + 0.2


def test_unanimous_texts_win_with_full_confidence() -> None:
    rover = ROVER().fit([0, 0, 0, 1], ["the cat sat", "the cat sat", "the cat sat", "hello"])
    assert rover.texts_ == ["the cat sat", "hello"]
    np.testing.assert_allclose(rover.confidences_, [1.0, 1.0])


def test_majority_word_wins_each_slot() -> None:
    texts = ["a big dog", "a big dog", "a small dog", "a dog"]
    rover = ROVER().fit([0] * 4, texts)
    assert rover.texts_ == ["a big dog"]
    assert 0.5 < rover.confidences_[0] < 1.0


def test_task_numbering_does_not_matter() -> None:
    tasks, texts, _ = text_crowd(40, 4, seed=3)
    original = ROVER().fit_predict(tasks, texts)
    renumber = np.random.default_rng(0).permutation(40)
    renamed = ROVER().fit_predict([int(renumber[task]) for task in tasks], texts)
    assert [renamed[int(renumber[task])] for task in range(40)] == original


def test_texts_must_be_strings() -> None:
    with pytest.raises(ValueError, match="texts must be strings, got NoneType at row 1"):
        ROVER().fit([0, 0], ["fine", None])  # type: ignore[list-item]


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="same length"):
        ROVER().fit([0, 1], ["only one"])
