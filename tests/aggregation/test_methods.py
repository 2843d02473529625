"""Method-specific behaviour: known labels, fitted parameters, progress, registry."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from crowdlab.aggregation import (
    GLAD,
    MACE,
    METHODS,
    TOLOKA_AGGREGATION_TYPES,
    Answers,
    BradleyTerry,
    Comparisons,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
    create,
    encode,
)
from crowdlab.aggregation.registry import CATEGORICAL_METHODS

from .crowd import categorical_crowd, pairwise_crowd


def crowd_answers(seed: int = 0, n_tasks: int = 300) -> tuple[Answers, np.ndarray]:
    crowd = categorical_crowd(n_tasks, 25, n_labels=3, seed=seed)
    return Answers.from_arrays(crowd.task, crowd.worker, crowd.label, n_labels=3), crowd.truth


@pytest.mark.parametrize("name", sorted(CATEGORICAL_METHODS))
def test_known_labels_are_the_result_with_full_confidence(name: str) -> None:
    answers, truth = crowd_answers()
    known = np.full(answers.n_tasks, -1)
    known[::4] = truth[::4]
    method = CATEGORICAL_METHODS[name](
        **({"on_missing_skill": "value", "default_skill": 0.5} if name == "gold_majority_vote" else {})
    )
    method.fit(answers, known)
    np.testing.assert_array_equal(method.labels_[::4], truth[::4])
    np.testing.assert_allclose(method.confidences_[::4], 1.0)


@pytest.mark.parametrize("method", [DawidSkene, OneCoinDawidSkene, GLAD, MACE], ids=lambda m: m.__name__)
def test_control_tasks_improve_accuracy_on_the_other_tasks(method: type) -> None:
    answers, truth = crowd_answers(seed=5, n_tasks=400)
    known = np.full(answers.n_tasks, -1)
    known[:120] = truth[:120]
    blind = method().fit(answers).labels_[120:]
    guided = method().fit(answers, known).labels_[120:]
    assert (guided == truth[120:]).mean() >= (blind == truth[120:]).mean() - 0.005


def test_dawid_skene_confusion_matrices_are_column_stochastic() -> None:
    answers, _ = crowd_answers()
    model = DawidSkene().fit(answers)
    assert model.errors_.shape == (answers.n_workers, 3, 3)
    np.testing.assert_allclose(model.errors_.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(model.priors_.sum(), 1.0)
    assert model.n_iter_ == len(model.loss_history_) <= model.n_iter


def test_dawid_skene_keeps_unanimous_pairs_that_plain_ml_would_split() -> None:
    # crowd-kit's DawidSkene answers 0.5/0.5 here: each worker's never-seen truth column is flat.
    rows = [("t0", "w0", 1), ("t0", "w1", 1), ("t1", "w2", 0), ("t1", "w3", 0)]
    encoding = encode(*zip(*rows, strict=True))
    assert DawidSkene().fit_predict(encoding.answers).tolist() == [1, 0]
    flat = DawidSkene(diagonal_prior=0.0).fit_predict_proba(encoding.answers)
    np.testing.assert_allclose(flat, 0.5)


def test_skills_separate_good_workers_from_spammers() -> None:
    crowd = categorical_crowd(600, 20, n_labels=2, seed=7, spammers=0.3, biased=0.0)
    answers = Answers.from_arrays(crowd.task, crowd.worker, crowd.label)
    accuracy = np.bincount(crowd.worker, crowd.label == crowd.truth[crowd.task]) / np.bincount(crowd.worker)
    for method in (Wawa(), ZeroBasedSkill(), OneCoinDawidSkene(), MACE()):
        skills = method.fit(answers).skills_
        assert np.corrcoef(skills, accuracy)[0, 1] > 0.8, type(method).__name__
    alphas = GLAD().fit(answers).alphas_
    assert np.corrcoef(alphas, accuracy)[0, 1] > 0.8


def test_skill_methods_predict_new_answers_from_the_same_workers() -> None:
    answers, _ = crowd_answers()
    first = answers.select(answers.task_idx < 200)
    later = answers.select(answers.task_idx >= 200)
    for method in (Wawa(), ZeroBasedSkill()):
        method.fit(first)
        np.testing.assert_array_equal(
            method.predict(later)[200:], MajorityVote().fit(later, skills=method.skills_).labels_[200:]
        )
    gold = GoldMajorityVote(on_missing_skill="value", default_skill=0.5)
    gold.fit(first, {task: 0 for task in range(10)})
    assert gold.predict_proba(later).shape == (answers.n_tasks, 3)


def test_mace_restarts_keep_the_best_likelihood() -> None:
    answers, _ = crowd_answers(seed=2)
    single = MACE().fit(answers)
    several = MACE(n_restarts=4, random_state=3).fit(answers)
    assert several.log_marginal_likelihood_ >= single.log_marginal_likelihood_
    em = MACE(method="em").fit(answers)
    np.testing.assert_allclose(em.spamming_.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", sorted(CATEGORICAL_METHODS))
def test_progress_rises_to_one(name: str) -> None:
    answers, truth = crowd_answers(n_tasks=100)
    seen: list[float] = []
    method = create(
        name, **({"on_missing_skill": "value", "default_skill": 0.5} if name == "gold_majority_vote" else {})
    )
    method.fit(answers, {0: int(truth[0])}, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in itertools.pairwise(seen))


def test_raising_from_the_progress_hook_cancels_the_run() -> None:
    answers, _ = crowd_answers()

    def cancel(fraction: float) -> None:
        if fraction > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        DawidSkene().fit(answers, progress=cancel)
    crowd = pairwise_crowd(10, 100, 3)
    comparisons = Comparisons(crowd.worker, crowd.left, crowd.right, crowd.left_won, 10, 3)
    with pytest.raises(KeyboardInterrupt):
        BradleyTerry().fit(comparisons, progress=cancel)


def test_registry_knows_every_method_and_toloka_names() -> None:
    assert set(TOLOKA_AGGREGATION_TYPES.values()) <= set(METHODS)
    assert isinstance(create("DAWID_SKENE", n_iter=5), DawidSkene)
    assert isinstance(create("WEIGHTED_DYNAMIC_OVERLAP"), MajorityVote)
    for name, cls in METHODS.items():
        assert isinstance(create(name), cls)
        assert cls.__doc__ and ("Reference" in cls.__doc__ or cls.__name__ == "BoxMedian")
