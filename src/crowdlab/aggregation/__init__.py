"""Aggregation of crowd answers: one label (text, box, mask, score) per task, with a confidence.

Every method is a class with the scikit-learn contract (settings in the constructor, ``fit`` /
``fit_predict`` / ``fit_predict_proba``, fitted attributes ending in ``_``) working on integer-coded
numpy arrays; :mod:`crowdlab.aggregation.frame` adapts crowd-kit style DataFrames.

Quick start::

    from crowdlab.aggregation import DawidSkene, encode

    encoding = encode(tasks, workers, labels)          # sorted, deterministic coding
    model = DawidSkene().fit(encoding.answers, encoding.true_labels(gold), progress=print)
    labels = encoding.decode_labels(model.labels_)      # one label per task id
    confidence = model.confidences_                     # posterior of that label
"""

from .answers import UNKNOWN, Answers
from .base import TIE_TOLERANCE, CategoricalAggregator, Progress
from .bbox import BoxMedian, box_iou
from .bradley_terry import BradleyTerry
from .comparisons import ComparisonEncoding, Comparisons, encode_comparisons
from .dawid_skene import DawidSkene
from .encoding import AnswerEncoder, Encoding, encode
from .glad import GLAD
from .gold_majority_vote import GoldMajorityVote
from .mace import MACE
from .majority_vote import MajorityVote
from .noisy_bt import NoisyBradleyTerry
from .one_coin_dawid_skene import OneCoinDawidSkene
from .registry import CATEGORICAL_METHODS, METHODS, TOLOKA_AGGREGATION_TYPES, create
from .rover import ROVER
from .segmentation import SegmentationEM
from .wawa import Wawa
from .zero_based_skill import ZeroBasedSkill

__all__ = [
    "CATEGORICAL_METHODS",
    "GLAD",
    "MACE",
    "METHODS",
    "ROVER",
    "TIE_TOLERANCE",
    "TOLOKA_AGGREGATION_TYPES",
    "UNKNOWN",
    "AnswerEncoder",
    "Answers",
    "BoxMedian",
    "BradleyTerry",
    "CategoricalAggregator",
    "ComparisonEncoding",
    "Comparisons",
    "DawidSkene",
    "Encoding",
    "GoldMajorityVote",
    "MajorityVote",
    "NoisyBradleyTerry",
    "OneCoinDawidSkene",
    "Progress",
    "SegmentationEM",
    "Wawa",
    "ZeroBasedSkill",
    "box_iou",
    "create",
    "encode",
    "encode_comparisons",
]
