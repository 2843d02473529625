"""pandas adapter: crowd-kit's DataFrame columns in, pandas results out.

The core methods work on integer-coded arrays and never import pandas; this module translates, for
callers (and tests) that hold DataFrames shaped like crowd-kit's:

* categorical answers -- columns ``task``, ``worker``, ``label``; known labels as a Series indexed by
  task; skills as a Series indexed by worker;
* pairwise comparisons -- ``worker``, ``left``, ``right``, ``label`` (the preferred item);
* texts -- ``task``, ``worker``, ``text``; segmentations -- ``task``, ``worker``, ``segmentation``;
  boxes -- ``task``, ``worker``, ``box`` (``[x_min, y_min, x_max, y_max]``).

Results are indexed like crowd-kit's: ``labels_`` is a Series named ``agg_label`` indexed by
``task``; ``probas_`` a DataFrame with a column per label. pandas is imported lazily, so the rest of
the package works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import numpy as np

from .answers import Answers
from .base import CategoricalAggregator, Progress
from .bbox import BoxMedian
from .bradley_terry import BradleyTerry
from .comparisons import Comparisons
from .encoding import Encoding, recode_labels
from .majority_vote import MajorityVote
from .noisy_bt import NoisyBradleyTerry
from .rover import ROVER
from .segmentation import SegmentationEM

if TYPE_CHECKING:
    import pandas as pd


def _require(data: Any, columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in getattr(data, "columns", ())]
    if missing:
        raise ValueError(f"data needs columns {list(columns)}; missing {missing}")


def _factorize(frame_column: Any, name: str) -> tuple[Any, Any]:
    import pandas as pd

    try:
        codes, uniques = pd.factorize(frame_column, sort=True)
    except TypeError as error:
        raise ValueError(f"{name} values cannot be ordered (mixed types?): {error}") from error
    missing = codes < 0
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(f"{name} has {int(missing.sum())} missing values (None/NaN), first at row {first}")
    return codes.astype(np.int32), np.asarray(uniques)


def encode_frame(data: pd.DataFrame, *, true_labels: pd.Series | None = None) -> Encoding:
    """Code a crowd-kit style answers DataFrame (labels of ``true_labels`` join the label set)."""
    _require(data, ("task", "worker", "label"))
    if not len(data):
        raise ValueError("answers are empty: there is nothing to aggregate")
    task_idx, task_ids = _factorize(data["task"], "task")
    worker_idx, worker_ids = _factorize(data["worker"], "worker")
    label_idx, seen = _factorize(data["label"], "label")
    universe = None
    if true_labels is not None and len(true_labels):
        _, extra = _factorize(true_labels, "true label")
        universe = np.union1d(seen, extra) if np.setdiff1d(extra, seen).size else None
    label_idx, labels = recode_labels(label_idx, seen, universe)
    answers = Answers(
        task_idx=task_idx,
        worker_idx=worker_idx,
        label_idx=label_idx,
        n_tasks=len(task_ids),
        n_workers=len(worker_ids),
        n_labels=len(labels),
        weight=data["weight"].to_numpy(dtype=np.float64) if "weight" in data.columns else None,
    )
    return Encoding(answers, task_ids, worker_ids, labels)


class DataFrameAggregator:
    """Run a categorical method on a crowd-kit style DataFrame and get pandas results back.

    Example: ``DataFrameAggregator(DawidSkene()).fit_predict(df, true_labels=gold)``.
    """

    labels_: pd.Series
    probas_: pd.DataFrame
    confidences_: pd.Series
    encoding_: Encoding

    def __init__(self, method: CategoricalAggregator) -> None:
        self.method = method

    def fit(
        self,
        data: pd.DataFrame,
        true_labels: pd.Series | None = None,
        *,
        skills: pd.Series | None = None,
        progress: Progress | None = None,
    ) -> Self:
        """Encode ``data``, fit the method and translate its results to pandas."""
        import pandas as pd

        encoding = encode_frame(data, true_labels=true_labels)
        known = None if true_labels is None else encoding.true_labels(true_labels.to_dict())
        if skills is None:
            self.method.fit(encoding.answers, known, progress=progress)
        elif isinstance(self.method, MajorityVote):
            self.method.fit(
                encoding.answers, known, skills=encoding.skills(skills.to_dict()), progress=progress
            )
        else:
            raise ValueError(f"{type(self.method).__name__} does not take skills; use MajorityVote")
        tasks = pd.Index(encoding.task_ids, name="task")
        self.labels_ = pd.Series(encoding.labels[self.method.labels_], index=tasks, name="agg_label")
        self.probas_ = pd.DataFrame(
            self.method.probas_, index=tasks, columns=pd.Index(encoding.labels, name="label")
        )
        self.confidences_ = pd.Series(self.method.confidences_, index=tasks, name="confidence")
        self.encoding_ = encoding
        return self

    @property
    def skills_(self) -> pd.Series:
        """The method's per-worker skills, indexed by worker."""
        import pandas as pd

        skills = getattr(self.method, "skills_", None)
        if skills is None:
            raise AttributeError(f"{type(self.method).__name__} has no skills_")
        return pd.Series(skills, index=pd.Index(self.encoding_.worker_ids, name="worker"), name="skill")

    def fit_predict(
        self,
        data: pd.DataFrame,
        true_labels: pd.Series | None = None,
        *,
        skills: pd.Series | None = None,
        progress: Progress | None = None,
    ) -> pd.Series:
        """Fit and return the label of each task (Series ``agg_label`` indexed by task)."""
        return self.fit(data, true_labels, skills=skills, progress=progress).labels_

    def fit_predict_proba(
        self,
        data: pd.DataFrame,
        true_labels: pd.Series | None = None,
        *,
        skills: pd.Series | None = None,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Fit and return each task's label distribution (DataFrame indexed by task)."""
        return self.fit(data, true_labels, skills=skills, progress=progress).probas_


def pairwise_scores(method: BradleyTerry | NoisyBradleyTerry, data: pd.DataFrame) -> pd.Series:
    """Item scores from comparisons with columns ``worker, left, right, label``."""
    import pandas as pd

    _require(data, ("worker", "left", "right", "label"))
    size = len(data)
    codes, items = _factorize(
        pd.concat([data["left"], data["right"], data["label"]], ignore_index=True), "item"
    )
    left, right, winner = codes[:size], codes[size : 2 * size], codes[2 * size :]
    stray = (winner != left) & (winner != right)
    if stray.any():
        raise ValueError(
            f"label must equal left or right, but row {int(np.flatnonzero(stray)[0])} names another item"
        )
    workers, worker_ids = _factorize(data["worker"], "worker")
    comparisons = Comparisons(workers, left, right, winner == left, max(len(items), 2), len(worker_ids))
    scores = method.fit_predict(comparisons)
    return pd.Series(scores[: len(items)], index=pd.Index(items, name="label"), name="agg_score")


def aggregate_texts(method: ROVER, data: pd.DataFrame) -> pd.Series:
    """Aggregated text per task from columns ``task, worker, text``."""
    import pandas as pd

    _require(data, ("task", "worker", "text"))
    task_idx, task_ids = _factorize(data["task"], "task")
    texts = method.fit_predict(task_idx, data["text"].tolist(), len(task_ids))
    return pd.Series(texts, index=pd.Index(task_ids, name="task"), name="agg_text")


def aggregate_segmentations(method: SegmentationEM, data: pd.DataFrame) -> pd.Series:
    """Aggregated boolean mask per task from columns ``task, worker, segmentation``."""
    import pandas as pd

    _require(data, ("task", "worker", "segmentation"))
    task_idx, task_ids = _factorize(data["task"], "task")
    masks = method.fit_predict(task_idx, data["segmentation"].tolist(), len(task_ids))
    result = pd.Series(index=pd.Index(task_ids, name="task"), dtype=object, name="agg_segmentation")
    result[:] = masks
    return result


def aggregate_boxes(method: BoxMedian, data: pd.DataFrame) -> pd.DataFrame:
    """Aggregated box and confidence per task from columns ``task, worker, box``."""
    import pandas as pd

    _require(data, ("task", "worker", "box"))
    task_idx, task_ids = _factorize(data["task"], "task")
    worker_idx, worker_ids = _factorize(data["worker"], "worker")
    boxes = np.asarray(data["box"].tolist(), dtype=np.float64)
    method.fit(task_idx, worker_idx, boxes, len(task_ids), len(worker_ids))
    result = pd.DataFrame(
        method.boxes_, index=pd.Index(task_ids, name="task"), columns=["x_min", "y_min", "x_max", "y_max"]
    )
    result["confidence"] = method.confidences_
    return result
