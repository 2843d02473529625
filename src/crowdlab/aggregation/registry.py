"""Aggregation methods by name, for the operations runner, the API and the CLI.

``create("dawid_skene", n_iter=50)`` builds a method from JSON-like settings with clear errors for
unknown names or settings; :data:`TOLOKA_AGGREGATION_TYPES` maps Toloka's aggregation ``type``
values onto these names.
"""

from __future__ import annotations

import inspect
from typing import Any

from .bbox import BoxMedian
from .bradley_terry import BradleyTerry
from .dawid_skene import DawidSkene
from .glad import GLAD
from .gold_majority_vote import GoldMajorityVote
from .mace import MACE
from .majority_vote import MajorityVote
from .noisy_bt import NoisyBradleyTerry
from .one_coin_dawid_skene import OneCoinDawidSkene
from .rover import ROVER
from .segmentation import SegmentationEM
from .wawa import Wawa
from .zero_based_skill import ZeroBasedSkill

#: Categorical methods: fit on :class:`~crowdlab.aggregation.answers.Answers`.
CATEGORICAL_METHODS: dict[str, type] = {
    "majority_vote": MajorityVote,
    "wawa": Wawa,
    "zero_based_skill": ZeroBasedSkill,
    "gold_majority_vote": GoldMajorityVote,
    "dawid_skene": DawidSkene,
    "one_coin_dawid_skene": OneCoinDawidSkene,
    "glad": GLAD,
    "mace": MACE,
}

#: Every method by name, whatever its input.
METHODS: dict[str, type] = {
    **CATEGORICAL_METHODS,
    "bradley_terry": BradleyTerry,
    "noisy_bradley_terry": NoisyBradleyTerry,
    "rover": ROVER,
    "segmentation_em": SegmentationEM,
    "box_median": BoxMedian,
}

#: Toloka's ``AggregatedSolutionType`` values and the methods that implement them here.
TOLOKA_AGGREGATION_TYPES: dict[str, str] = {
    "DAWID_SKENE": "dawid_skene",
    "WEIGHTED_DYNAMIC_OVERLAP": "majority_vote",
}


def create(method: str, **settings: Any) -> Any:
    """Instantiate the method called ``method`` with constructor ``settings``.

    Raises:
        ValueError: for an unknown method or setting name, or a setting the method rejects.
    """
    name = TOLOKA_AGGREGATION_TYPES.get(method, method)
    cls = METHODS.get(name)
    if cls is None:
        raise ValueError(f"unknown aggregation method {method!r}; known: {sorted(METHODS)}")
    accepted = set(inspect.signature(cls).parameters)
    unknown = sorted(set(settings) - accepted)
    if unknown:
        raise ValueError(f"{name} has no setting(s) {unknown}; it accepts {sorted(accepted)}")
    try:
        return cls(**settings)
    except TypeError as error:
        raise ValueError(f"bad settings for {name}: {error}") from error
