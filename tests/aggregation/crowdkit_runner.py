"""Running crowd-kit (a test-only dependency) quietly, and a pandas view of our results."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest


def crowdkit_aggregation() -> Any:
    """The ``crowdkit.aggregation`` module, or skip the test when crowd-kit is not installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("crowdkit.aggregation")


def quietly(call: Callable[[], Any]) -> Any:
    """Run crowd-kit code with its pandas deprecation and copy warnings silenced.

    The test suite turns warnings into errors; crowd-kit 1.4.2 emits FutureWarning and
    SettingWithCopyWarning under pandas 2, which are not ours to fix.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def canonical_order(frame: Any) -> Any:
    """Rows sorted by worker, labels renamed so their first appearance follows sorted order.

    crowd-kit 1.4.2's MACE indexes its parameters by order of first appearance but builds the
    strategy counts sorted by worker and label, so on arbitrary row order it mixes up workers. In
    this order both coincide, and the comparison checks the algorithm rather than that bug.
    Returns the reordered frame and the renaming ``{old label: new label}``.
    """
    ordered = frame.sort_values(["worker", "task"], kind="stable").reset_index(drop=True)
    appearance = list(dict.fromkeys(ordered["label"].tolist()))
    renaming = dict(zip(appearance, sorted(appearance), strict=True))
    ordered["label"] = ordered["label"].map(renaming)
    return ordered, renaming
