"""Every categorical method against crowd-kit 1.4.2 on seeded simulated crowds.

Pass rule (from the issue): the same label on at least 99.5% of tasks, or a better accuracy
against the simulated truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from crowdlab.aggregation import (
    GLAD,
    MACE,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    ZeroBasedSkill,
)
from crowdlab.aggregation.frame import DataFrameAggregator

from .crowd import categorical_crowd
from .crowdkit_runner import canonical_order, crowdkit_aggregation, quietly

pd = pytest.importorskip("pandas")
ck = crowdkit_aggregation()

AGREEMENT = 0.995


@dataclass
class Case:
    name: str
    ours: Callable[[], Any]
    theirs: Callable[[], Any]
    n_tasks: int = 1500
    gold: bool = False
    skills: bool = False
    canonical: bool = False
    score_gold_tasks: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("MajorityVote", MajorityVote, ck.MajorityVote),
    Case("MajorityVote-weighted", MajorityVote, ck.MajorityVote, skills=True),
    Case("Wawa", Wawa, ck.Wawa),
    Case("ZeroBasedSkill", ZeroBasedSkill, ck.ZeroBasedSkill, n_tasks=600),
    Case("GoldMajorityVote", GoldMajorityVote, ck.GoldMajorityVote, gold=True, score_gold_tasks=False),
    Case("DawidSkene", DawidSkene, lambda: ck.DawidSkene(100)),
    Case("DawidSkene-gold", DawidSkene, lambda: ck.DawidSkene(100), gold=True),
    Case("OneCoinDawidSkene", OneCoinDawidSkene, ck.OneCoinDawidSkene),
    Case("GLAD", GLAD, ck.GLAD, n_tasks=100),
    # crowd-kit's 10 "restarts" all reuse random_state=0, i.e. one run repeated; one is the same
    Case("MACE", MACE, lambda: ck.MACE(n_restarts=1), n_tasks=500, canonical=True),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_same_labels_as_crowdkit_or_more_accurate(case: Case, seed: int) -> None:
    crowd = categorical_crowd(
        case.n_tasks, n_workers=max(20, case.n_tasks // 25), n_labels=2 + seed, seed=seed
    )
    frame, truth = crowd.frame(), crowd.truth_series()
    if case.canonical:
        frame, renaming = canonical_order(frame)
        truth = truth.map(renaming)
    arguments: dict[str, Any] = {}
    if case.gold:
        arguments["true_labels"] = truth.sample(frac=0.2, random_state=seed)
    if case.skills:
        workers = np.unique(frame["worker"])
        arguments["skills"] = pd.Series(
            np.random.default_rng(seed).uniform(0.1, 1, workers.size), index=workers
        )

    ours = DataFrameAggregator(case.ours()).fit(frame, **arguments)
    theirs = quietly(lambda: case.theirs().fit_predict(frame, *arguments.values()))

    scored = ours.labels_.index
    if not case.score_gold_tasks:
        scored = scored.difference(arguments["true_labels"].index)
    our_labels, their_labels = ours.labels_[scored], theirs.reindex(scored)
    agreement = float((our_labels == their_labels).mean())
    our_accuracy = float((our_labels == truth[scored]).mean())
    their_accuracy = float((their_labels == truth[scored]).mean())
    assert agreement >= AGREEMENT or our_accuracy >= their_accuracy, (
        f"{case.name}: agreement {agreement:.4f}, accuracy ours {our_accuracy:.4f} vs crowd-kit {their_accuracy:.4f}"
    )
    np.testing.assert_allclose(ours.probas_.sum(axis=1), 1.0, atol=1e-9)


def test_vote_shares_equal_crowdkit_probabilities() -> None:
    crowd = categorical_crowd(400, 30, n_labels=4, seed=3)
    frame = crowd.frame()
    ours = DataFrameAggregator(MajorityVote()).fit_predict_proba(frame)
    theirs = quietly(lambda: ck.MajorityVote().fit_predict_proba(frame))
    theirs = theirs.reindex(index=ours.index, columns=ours.columns).fillna(0.0)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-12)


def test_dawid_skene_posteriors_close_to_crowdkit() -> None:
    crowd = categorical_crowd(800, 40, n_labels=3, seed=4)
    frame = crowd.frame()
    ours = DataFrameAggregator(DawidSkene(tol=1e-9, diagonal_prior=0.0)).fit_predict_proba(frame)
    theirs = quietly(lambda: ck.DawidSkene(200, tol=1e-9).fit_predict_proba(frame))
    theirs = theirs.reindex(index=ours.index, columns=ours.columns)
    assert float(np.abs(ours.to_numpy() - theirs.to_numpy()).max()) < 1e-3
