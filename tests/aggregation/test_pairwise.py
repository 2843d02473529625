"""Bradley-Terry and Noisy Bradley-Terry: parity with crowd-kit, correctness and properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.optimize import check_grad
from scipy.special import logit
from scipy.stats import kendalltau

from crowdlab.aggregation import BradleyTerry, Comparisons, NoisyBradleyTerry, encode_comparisons
from crowdlab.aggregation.frame import pairwise_scores
from crowdlab.aggregation.noisy_bt import _NoisyBTProblem

from .crowd import pairwise_crowd, pairwise_frame
from .crowdkit_runner import crowdkit_aggregation, quietly

pd = pytest.importorskip("pandas")


def bt_log_likelihood(scores: np.ndarray, comparisons: Comparisons) -> float:
    winner, loser = comparisons.winners(), comparisons.losers()
    safe = np.maximum(scores, 1e-300)
    return float(np.sum(np.log(safe[winner]) - np.log(safe[winner] + safe[loser])))


def tau(scores: pd.Series, truth: np.ndarray) -> float:
    return float(kendalltau(scores.to_numpy(), truth).statistic)


@pytest.mark.parametrize("seed", [0, 1])
def test_bradley_terry_reaches_the_likelihood_maximum_and_ranks_better_than_crowdkit(seed: int) -> None:
    # crowd-kit 1.4.2 stops after two MM steps (its p_old aliases p_new), so "the same result" would
    # mean an unconverged one: we require a likelihood at least as high and a ranking at least as good.
    ck = crowdkit_aggregation()
    crowd = pairwise_crowd(100, 5000, 20, seed=seed, biased=0.0)
    frame = pairwise_frame(crowd)
    ours = pairwise_scores(BradleyTerry(), frame)
    theirs = quietly(lambda: ck.BradleyTerry(n_iter=100).fit_predict(frame)).reindex(ours.index)
    encoding = encode_comparisons(frame["worker"], frame["left"], frame["right"], frame["label"])
    assert bt_log_likelihood(ours.to_numpy(), encoding.comparisons) >= bt_log_likelihood(
        theirs.to_numpy(), encoding.comparisons
    )
    truth = crowd.true_scores
    assert tau(ours, truth) >= tau(theirs, truth)
    assert ours.sum() == pytest.approx(1.0)


def test_noisy_bradley_terry_fits_and_ranks_better_than_crowdkit() -> None:
    # crowd-kit 1.4.2 hands L-BFGS-B a gradient with misplaced indices, so it stops far from the
    # optimum; ours must reach a higher likelihood and rank the items at least as well.
    ck = crowdkit_aggregation()
    crowd = pairwise_crowd(50, 4000, 30, seed=0)
    frame = pairwise_frame(crowd)
    encoding = encode_comparisons(frame["worker"], frame["left"], frame["right"], frame["label"])
    ours = NoisyBradleyTerry().fit(encoding.comparisons)
    model = quietly(lambda: ck.NoisyBradleyTerry())
    theirs = quietly(lambda: model.fit_predict(frame)).reindex(encoding.item_ids)
    problem = _NoisyBTProblem(encoding.comparisons, regularization=0.0)

    def log_likelihood(scores: np.ndarray, biases: np.ndarray, skills: np.ndarray) -> float:
        point = np.concatenate(
            [[0.0], *(logit(np.clip(v, 1e-12, 1 - 1e-12)) for v in (scores, biases, skills))]
        )
        return -problem.negative_log_likelihood(point)[0]

    workers = encoding.worker_ids
    ours_value = log_likelihood(ours.scores_, ours.biases_, ours.skills_)
    theirs_value = log_likelihood(
        theirs.to_numpy(),
        model.biases_.reindex(workers).to_numpy(),
        model.skills_.reindex(workers).to_numpy(),
    )
    assert ours_value >= theirs_value
    ours_scores = pd.Series(ours.scores_, index=encoding.item_ids)
    assert tau(ours_scores, crowd.true_scores) >= tau(theirs, crowd.true_scores)


def test_noisy_bradley_terry_gradient_is_exact() -> None:
    crowd = pairwise_crowd(8, 200, 5, seed=2)
    comparisons = Comparisons(crowd.worker, crowd.left, crowd.right, crowd.left_won, 8, 5)
    problem = _NoisyBTProblem(comparisons, regularization=0.1)
    point = np.random.default_rng(0).normal(size=1 + 8 + 2 * 5)
    error = check_grad(
        lambda x: problem.negative_log_likelihood(x)[0],
        lambda x: problem.negative_log_likelihood(x)[1],
        point,
    )
    assert error < 1e-5


def test_noisy_bradley_terry_spots_the_position_biased_worker() -> None:
    crowd = pairwise_crowd(20, 3000, 6, seed=5, biased=0.0)
    always_left = crowd.worker == 0
    crowd.left_won[always_left] = True
    comparisons = Comparisons(crowd.worker, crowd.left, crowd.right, crowd.left_won, 20, 6)
    model = NoisyBradleyTerry().fit(comparisons)
    assert model.skills_[0] == model.skills_.min()
    assert model.biases_[0] > 0.9


@pytest.mark.parametrize("method", [BradleyTerry, NoisyBradleyTerry], ids=lambda m: m.__name__)
def test_item_winning_every_comparison_ranks_first(method: type) -> None:
    crowd = pairwise_crowd(10, 600, 4, seed=3, biased=0.0)
    involves = (crowd.left == 0) | (crowd.right == 0)
    crowd.left_won[involves] = crowd.left[involves] == 0
    comparisons = Comparisons(crowd.worker, crowd.left, crowd.right, crowd.left_won, 10, 4)
    scores = method().fit_predict(comparisons)
    assert int(np.argmax(scores)) == 0


@pytest.mark.parametrize(
    "method",
    [lambda: BradleyTerry(tol=1e-12, n_iter=2000), lambda: NoisyBradleyTerry(tol=1e-12, n_iter=500)],
    ids=["BradleyTerry", "NoisyBradleyTerry"],
)
def test_scores_follow_item_and_worker_renaming(method: Callable[[], Any]) -> None:
    crowd = pairwise_crowd(15, 800, 5, seed=4)
    frame = pairwise_frame(crowd)
    renaming = {f"i{index:04d}": f"z{(index * 7) % 15:02d}" for index in range(15)}
    renamed = frame.assign(**{column: frame[column].map(renaming) for column in ("left", "right", "label")})
    renamed["worker"] = 10 - renamed["worker"]
    renamed = renamed.sample(frac=1.0, random_state=0)
    original = pairwise_scores(method(), frame)
    moved = pairwise_scores(method(), renamed)
    np.testing.assert_allclose(moved[original.index.map(renaming)].to_numpy(), original.to_numpy(), atol=1e-4)


def test_winner_must_be_one_of_the_pair() -> None:
    with pytest.raises(ValueError, match="label must equal left or right, but row 1"):
        encode_comparisons(["w", "w"], ["a", "a"], ["b", "c"], ["a", "d"])


def test_item_compared_with_itself_is_rejected() -> None:
    with pytest.raises(ValueError, match="compared with itself"):
        Comparisons(np.array([0]), np.array([1]), np.array([1]), np.array([True]), 2, 1)


def test_empty_comparisons_are_rejected() -> None:
    empty = np.array([], dtype=np.int32)
    with pytest.raises(ValueError, match="empty"):
        Comparisons(empty, empty, empty, np.array([], dtype=bool), 2, 1)
