"""Hypothesis properties every categorical method must keep on arbitrary small crowds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crowdlab.aggregation import (
    GLAD,
    MACE,
    CategoricalAggregator,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
    encode,
)

METHODS: dict[str, Callable[[], CategoricalAggregator]] = {
    "MajorityVote": MajorityVote,
    "Wawa": Wawa,
    "ZeroBasedSkill": ZeroBasedSkill,
    "GoldMajorityVote": lambda: GoldMajorityVote(on_missing_skill="value", default_skill=0.5),
    "DawidSkene": DawidSkene,
    "OneCoinDawidSkene": OneCoinDawidSkene,
    "GLAD": GLAD,
    "MACE": MACE,
}

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Rows = list[tuple[str, str, int]]


@st.composite
def crowds(draw: st.DrawFn, unanimous: bool = False) -> tuple[Rows, int]:
    """Answers ``(task, worker, label)``: up to 7 tasks, 5 workers, 3 labels.

    Every task gets at least one answer -- two when ``unanimous``, since one answer agreeing with
    itself says nothing (Dawid-Skene rightly trusts its prior over a lone worker it knows nothing
    about).
    """
    least = 2 if unanimous else 1
    n_labels = draw(st.integers(1, 3))
    n_workers = draw(st.integers(least, 5))
    n_tasks = draw(st.integers(1, 7))
    rows: Rows = []
    for task in range(n_tasks):
        workers = draw(
            st.lists(st.integers(0, n_workers - 1), min_size=least, max_size=n_workers, unique=True)
        )
        shared = draw(st.integers(0, n_labels - 1))
        for worker in workers:
            label = shared if unanimous else draw(st.integers(0, n_labels - 1))
            rows.append((f"t{task}", f"w{worker}", label))
    return rows, n_labels


def converged(method: CategoricalAggregator) -> bool:
    """Whether an iterative method stopped before its iteration limit (always true otherwise)."""
    return getattr(method, "n_iter_", 0) < getattr(method, "n_iter", 1)


def fit(name: str, rows: Rows) -> tuple[dict[str, int], dict[str, Any], CategoricalAggregator]:
    """Fit method ``name``; results keyed by task id (gold: the first task's first answer)."""
    tasks, workers, labels = zip(*rows, strict=True)
    encoding = encode(list(tasks), list(workers), list(labels))
    method = METHODS[name]()
    gold = None
    if name == "GoldMajorityVote":
        gold = encoding.true_labels({rows[0][0]: rows[0][2]})
    method.fit(encoding.answers, gold)
    ids = encoding.task_ids.tolist()
    chosen = dict(zip(ids, encoding.decode_labels(method.labels_).tolist(), strict=True))
    probas = {
        task: dict(zip(encoding.labels.tolist(), row, strict=True))
        for task, row in zip(ids, method.probas_.tolist(), strict=True)
    }
    return chosen, probas, method


@pytest.mark.parametrize("name", METHODS)
@SETTINGS
@given(crowd=crowds())
def test_probabilities_are_distributions_and_labels_their_mode(name: str, crowd: tuple[Rows, int]) -> None:
    rows, _ = crowd
    _, _, method = fit(name, rows)
    probas = method.probas_
    assert np.all((probas >= 0) & (probas <= 1 + 1e-12))
    np.testing.assert_allclose(probas.sum(axis=1), 1.0, atol=1e-9)
    top = probas.max(axis=1)
    chosen = probas[np.arange(len(probas)), method.labels_]
    np.testing.assert_allclose(chosen, top, atol=1e-9)
    np.testing.assert_allclose(method.confidences_, chosen)
    # ties go to the lowest label index
    for row, label in zip(probas, method.labels_, strict=True):
        assert not np.any(row[:label] >= row.max() - 1e-9)


@pytest.mark.parametrize("name", METHODS)
@SETTINGS
@given(crowd=crowds(), data=st.data())
def test_renaming_workers_and_tasks_changes_nothing(
    name: str, crowd: tuple[Rows, int], data: st.DataObject
) -> None:
    rows, _ = crowd
    task_ids = sorted({task for task, _, _ in rows})
    worker_ids = sorted({worker for _, worker, _ in rows})
    task_map = dict(
        zip(task_ids, data.draw(st.permutations([f"x{i}" for i in range(len(task_ids))])), strict=True)
    )
    worker_map = dict(
        zip(worker_ids, data.draw(st.permutations([f"v{i}" for i in range(len(worker_ids))])), strict=True)
    )
    order = data.draw(st.permutations(range(len(rows))))
    renamed = [(task_map[rows[i][0]], worker_map[rows[i][1]], rows[i][2]) for i in order]
    if name == "GoldMajorityVote":  # keep the same control task first
        first = rows[0]
        renamed.remove((task_map[first[0]], worker_map[first[1]], first[2]))
        renamed.insert(0, (task_map[first[0]], worker_map[first[1]], first[2]))

    labels, probas, method = fit(name, rows)
    renamed_labels, renamed_probas, renamed_method = fit(name, renamed)
    # At a saddle point EM drifts off in a direction set by rounding, which renaming changes;
    # invariance is a property of converged fits.
    assume(converged(method) and converged(renamed_method))
    for task in task_ids:
        assert renamed_labels[task_map[task]] == labels[task]
        for label, value in probas[task].items():
            assert renamed_probas[task_map[task]][label] == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize("name", METHODS)
@SETTINGS
@given(crowd=crowds(unanimous=True))
def test_unanimous_answers_win(name: str, crowd: tuple[Rows, int]) -> None:
    rows, _ = crowd
    labels, probas, _ = fit(name, rows)
    for task, _, label in rows:
        assert labels[task] == label
        assert probas[task][label] == max(probas[task].values())


@pytest.mark.parametrize("name", METHODS)
def test_ties_go_to_the_smallest_label(name: str) -> None:
    rows = [("t", "a", "yes"), ("t", "b", "no")]
    if name == "GoldMajorityVote":  # both workers right on a control task, then split
        rows = [("g", "a", "yes"), ("g", "b", "yes"), *rows]
    labels, probas, _ = fit(name, rows)
    assert labels["t"] == "no"
    if name not in ("Wawa", "ZeroBasedSkill"):  # these then trust the worker who agreed with "no"
        assert probas["t"]["no"] == pytest.approx(probas["t"]["yes"])
