"""Seeded simulated crowds for the aggregation tests (categorical, pairwise, texts, masks, boxes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class CategoricalCrowd:
    """Answers as parallel arrays plus the truth they were drawn from."""

    task: IntArray
    worker: IntArray
    label: IntArray
    truth: IntArray
    n_labels: int

    def frame(self) -> Any:
        """crowd-kit style DataFrame with string ids (``t0007``, ``w012``) and integer labels."""
        import pandas as pd

        return pd.DataFrame(
            {
                "task": np.char.add("t", np.char.zfill(self.task.astype(str), 5)),
                "worker": np.char.add("w", np.char.zfill(self.worker.astype(str), 4)),
                "label": self.label,
            }
        )

    def truth_series(self) -> Any:
        """True label per task id, matching :meth:`frame` ids."""
        import pandas as pd

        ids = np.char.add("t", np.char.zfill(np.arange(self.truth.size).astype(str), 5))
        return pd.Series(self.truth, index=pd.Index(ids, name="task"))


def categorical_crowd(
    n_tasks: int,
    n_workers: int,
    n_labels: int = 3,
    overlap: int = 5,
    seed: int = 0,
    spammers: float = 0.15,
    biased: float = 0.1,
) -> CategoricalCrowd:
    """Tasks answered by ``overlap`` distinct workers each.

    Workers: honest ones right with probability U(0.55, 0.95), wrong labels uniform; ``biased``
    ones answer label 0 whenever they are wrong; ``spammers`` answer uniformly at random. Worker
    activity is skewed (log-normal), class frequencies unbalanced.
    """
    rng = np.random.default_rng(seed)
    prior = np.r_[0.45, np.full(n_labels - 1, 0.55 / (n_labels - 1))]
    truth = rng.choice(n_labels, size=n_tasks, p=prior)
    accuracy = rng.uniform(0.55, 0.95, n_workers)
    kind = rng.choice(3, size=n_workers, p=[1 - spammers - biased, spammers, biased])
    activity = rng.lognormal(0.0, 0.8, n_workers)
    activity /= activity.sum()
    overlap = min(overlap, n_workers)
    workers = np.stack(
        [rng.choice(n_workers, size=overlap, replace=False, p=activity) for _ in range(n_tasks)]
    )
    task = np.repeat(np.arange(n_tasks), overlap)
    worker = workers.reshape(-1)
    correct = rng.random(task.size) < accuracy[worker]
    wrong = (truth[task] + rng.integers(1, n_labels, task.size)) % n_labels
    wrong = np.where(kind[worker] == 2, np.where(truth[task] == 0, wrong, 0), wrong)
    label = np.where(correct, truth[task], wrong)
    label = np.where(kind[worker] == 1, rng.integers(0, n_labels, task.size), label)
    order = rng.permutation(task.size)
    return CategoricalCrowd(task[order], worker[order], label[order], truth, n_labels)


@dataclass
class PairwiseCrowd:
    worker: IntArray
    left: IntArray
    right: IntArray
    left_won: npt.NDArray[np.bool_]
    true_scores: FloatArray


def pairwise_crowd(
    n_items: int, n_comparisons: int, n_workers: int, seed: int = 0, biased: float = 0.2
) -> PairwiseCrowd:
    """Bradley-Terry comparisons; a ``biased`` share of workers picks by a position bias instead."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 1.5, n_items)
    left = rng.integers(0, n_items, n_comparisons)
    right = (left + rng.integers(1, n_items, n_comparisons)) % n_items
    worker = rng.integers(0, n_workers, n_comparisons)
    noisy = rng.random(n_workers) < biased
    bias = rng.uniform(0.6, 0.9, n_workers)
    by_model = rng.random(n_comparisons) < 1.0 / (1.0 + np.exp(scores[right] - scores[left]))
    by_bias = rng.random(n_comparisons) < bias[worker]
    return PairwiseCrowd(worker, left, right, np.where(noisy[worker], by_bias, by_model), scores)


def pairwise_frame(crowd: PairwiseCrowd) -> Any:
    """crowd-kit style comparisons DataFrame (``worker, left, right, label``) with string item ids."""
    import pandas as pd

    def item(index: Any) -> Any:
        return np.char.add("i", np.char.zfill(np.asarray(index).astype(str), 4))

    return pd.DataFrame(
        {
            "worker": crowd.worker,
            "left": item(crowd.left),
            "right": item(crowd.right),
            "label": item(np.where(crowd.left_won, crowd.left, crowd.right)),
        }
    )


VOCABULARY = [f"w{index}" for index in range(40)]


def text_crowd(n_tasks: int, overlap: int, seed: int = 0) -> tuple[list[int], list[str], list[str]]:
    """Sentences transcribed with random substitutions, deletions and insertions."""
    rng = np.random.default_rng(seed)
    tasks: list[int] = []
    texts: list[str] = []
    truths: list[str] = []
    for task in range(n_tasks):
        sentence = list(rng.choice(VOCABULARY, size=int(rng.integers(3, 12))))
        truths.append(" ".join(sentence))
        for _ in range(overlap):
            noise = rng.uniform(0.0, 0.3)
            words: list[str] = []
            for word in sentence:
                roll = rng.random()
                if roll < noise / 3:
                    continue
                words.append(str(rng.choice(VOCABULARY)) if roll < 2 * noise / 3 else str(word))
                if rng.random() < noise / 3:
                    words.append(str(rng.choice(VOCABULARY)))
            tasks.append(task)
            texts.append(" ".join(words))
    return tasks, texts, truths


def segmentation_crowd(
    n_tasks: int, overlap: int, size: int = 16, seed: int = 0
) -> tuple[IntArray, IntArray, list[npt.NDArray[np.bool_]], list[npt.NDArray[np.bool_]]]:
    """Rectangles as true masks; answers shift their edges and flip a few pixels."""
    rng = np.random.default_rng(seed)
    grid_y, grid_x = np.mgrid[0:size, 0:size]
    tasks: list[int] = []
    workers: list[int] = []
    masks: list[npt.NDArray[np.bool_]] = []
    truths: list[npt.NDArray[np.bool_]] = []
    for task in range(n_tasks):
        x0, y0 = rng.integers(0, size // 2, 2)
        x1, y1 = x0 + rng.integers(3, size // 2, 2)
        truth = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
        truths.append(truth)
        for worker in rng.choice(3 * overlap, size=overlap, replace=False):
            dx0, dy0, dx1, dy1 = rng.integers(-2, 3, 4) * (1 if worker % 3 else 0)
            mask = (grid_x >= x0 + dx0) & (grid_x < x1 + dx1) & (grid_y >= y0 + dy0) & (grid_y < y1 + dy1)
            mask ^= rng.random((size, size)) < (0.15 if worker % 5 == 0 else 0.02)
            tasks.append(task)
            workers.append(int(worker))
            masks.append(mask)
    return np.asarray(tasks), np.asarray(workers), masks, truths


def box_crowd(
    n_tasks: int, n_workers: int, overlap: int, seed: int = 0
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """True boxes; careful workers jitter them, sloppy ones jitter a lot, spammers draw anywhere."""
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 80, (n_tasks, 2))
    truth = np.concatenate([corner, corner + rng.uniform(10, 40, (n_tasks, 2))], axis=1)
    noise = np.where(rng.random(n_workers) < 0.2, 8.0, rng.uniform(0.5, 3.0, n_workers))
    spammer = rng.random(n_workers) < 0.15
    task = np.repeat(np.arange(n_tasks), overlap)
    worker = np.concatenate([rng.choice(n_workers, overlap, replace=False) for _ in range(n_tasks)])
    boxes = truth[task] + rng.normal(0, 1, (task.size, 4)) * noise[worker][:, None]
    random_corner = rng.uniform(0, 80, (task.size, 2))
    random_boxes = np.concatenate([random_corner, random_corner + rng.uniform(5, 40, (task.size, 2))], axis=1)
    boxes = np.where(spammer[worker][:, None], random_boxes, boxes)
    boxes = np.concatenate(
        [np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1
    )
    return task, worker, boxes, truth
