"""Aggregation benchmark: crowdlab's methods next to crowd-kit's on the same simulated crowds.

For every size (answers) and method it prints our wall time -- end to end from a crowd-kit style
DataFrame to pandas results, and the core fit alone -- our accuracy against the simulated truth,
crowd-kit's time and accuracy in the same run, label agreement, and the speed-up (crowd-kit time /
our end-to-end time). crowd-kit runs whose estimated time (scaled linearly from the previous size)
exceeds ``--budget`` seconds are skipped and marked as such.

    .venv/bin/python benchmarks/aggregation.py                      # 50k, 500k, 1M answers
    .venv/bin/python benchmarks/aggregation.py --sizes 50000 --families categorical
    .venv/bin/python benchmarks/aggregation.py --memory 10000000    # peak memory of a 10M-answer run

Needs the test extra (pandas, crowd-kit). Crowd-kit's MACE runs with ``n_restarts=1``: its ten
default restarts all reuse ``random_state=0``, i.e. repeat one identical run.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from crowdlab.aggregation import (
    GLAD,
    MACE,
    ROVER,
    Answers,
    BoxMedian,
    BradleyTerry,
    DawidSkene,
    GoldMajorityVote,
    MajorityVote,
    NoisyBradleyTerry,
    OneCoinDawidSkene,
    SegmentationEM,
    Wawa,
    ZeroBasedSkill,
    box_iou,
)
from crowdlab.aggregation.frame import (
    DataFrameAggregator,
    aggregate_segmentations,
    aggregate_texts,
    encode_frame,
    pairwise_scores,
)

warnings.simplefilter("ignore")  # crowd-kit under pandas 2 is chatty

import pandas as pd  # noqa: E402 - after the warnings filter on purpose
from crowdkit import aggregation as ck  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402

DEFAULT_SIZES = (50_000, 500_000, 1_000_000)


# ---------------------------------------------------------------------------------------------- crowds


@dataclass
class Crowd:
    frame: Any
    truth: Any
    gold: Any


def categorical_crowd(n_answers: int, seed: int = 0, n_labels: int = 3, overlap: int = 5) -> Crowd:
    """Shuffled answers; honest workers U(0.55, 0.95) accurate, 10% biased to label 0, 15% spammers."""
    rng = np.random.default_rng(seed)
    n_tasks = n_answers // overlap
    n_workers = max(20, n_answers // 400)
    truth = rng.choice(n_labels, n_tasks, p=np.r_[0.45, np.full(n_labels - 1, 0.55 / (n_labels - 1))])
    accuracy = rng.uniform(0.55, 0.95, n_workers)
    kind = rng.choice(3, n_workers, p=[0.75, 0.15, 0.10])
    activity = rng.lognormal(0.0, 0.8, n_workers)
    task = np.repeat(np.arange(n_tasks), overlap)
    worker = rng.choice(n_workers, task.size, p=activity / activity.sum())
    keys = np.unique(task.astype(np.int64) * n_workers + worker)  # one answer per (task, worker)
    task, worker = keys // n_workers, keys % n_workers
    correct = rng.random(task.size) < accuracy[worker]
    wrong = (truth[task] + rng.integers(1, n_labels, task.size)) % n_labels
    wrong = np.where((kind[worker] == 2) & (truth[task] != 0), 0, wrong)
    label = np.where(correct, truth[task], wrong)
    label = np.where(kind[worker] == 1, rng.integers(0, n_labels, task.size), label)
    order = rng.permutation(task.size)
    frame = pd.DataFrame({"task": task[order], "worker": worker[order], "label": label[order]})
    truth_series = pd.Series(truth, index=pd.RangeIndex(n_tasks, name="task"))
    gold = truth_series.sample(frac=0.1, random_state=seed)
    return Crowd(frame, truth_series, gold)


def pairwise_crowd(n_comparisons: int, seed: int = 0, n_items: int = 1000) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 1.5, n_items)
    n_workers = max(10, n_comparisons // 500)
    left = rng.integers(0, n_items, n_comparisons)
    right = (left + rng.integers(1, n_items, n_comparisons)) % n_items
    worker = rng.integers(0, n_workers, n_comparisons)
    biased = rng.random(n_workers) < 0.2
    by_model = rng.random(n_comparisons) < 1 / (1 + np.exp(scores[right] - scores[left]))
    by_bias = rng.random(n_comparisons) < rng.uniform(0.6, 0.9, n_workers)[worker]
    left_won = np.where(biased[worker], by_bias, by_model)
    frame = pd.DataFrame(
        {"worker": worker, "left": left, "right": right, "label": np.where(left_won, left, right)}
    )
    return frame, pd.Series(scores)


def text_crowd(n_answers: int, seed: int = 0, overlap: int = 5) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    n_tasks = n_answers // overlap
    vocabulary = np.array([f"w{index}" for index in range(300)])
    lengths = rng.integers(4, 14, n_tasks)
    sentences = [rng.choice(vocabulary, size=length) for length in lengths]
    tasks, texts = [], []
    for task, sentence in enumerate(sentences):
        for _ in range(overlap):
            keep = rng.random(sentence.size) > 0.05
            words = np.where(
                rng.random(sentence.size) < 0.1, rng.choice(vocabulary, sentence.size), sentence
            )[keep]
            tasks.append(task)
            texts.append(" ".join(words))
    truth = pd.Series([" ".join(sentence) for sentence in sentences])
    return pd.DataFrame({"task": tasks, "worker": np.arange(len(tasks)) % 50, "text": texts}), truth


def segmentation_crowd(n_answers: int, seed: int = 0, overlap: int = 5, size: int = 16) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    n_tasks = n_answers // overlap
    grid_y, grid_x = np.mgrid[0:size, 0:size]
    corner = rng.integers(0, size // 2, (n_tasks, 2))
    extent = rng.integers(3, size // 2, (n_tasks, 2))
    task = np.repeat(np.arange(n_tasks), overlap)
    shift = rng.integers(-2, 3, (task.size, 4))
    x0 = (corner[task, 0] + shift[:, 0])[:, None, None]
    y0 = (corner[task, 1] + shift[:, 1])[:, None, None]
    x1 = (corner[task, 0] + extent[task, 0] + shift[:, 2])[:, None, None]
    y1 = (corner[task, 1] + extent[task, 1] + shift[:, 3])[:, None, None]
    masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
    masks ^= rng.random(masks.shape) < 0.03
    truths = (
        (grid_x >= corner[:, 0, None, None])
        & (grid_x < (corner[:, 0] + extent[:, 0])[:, None, None])
        & (grid_y >= corner[:, 1, None, None])
        & (grid_y < (corner[:, 1] + extent[:, 1])[:, None, None])
    )
    frame = pd.DataFrame({"task": task, "worker": rng.integers(0, 100, task.size)})
    frame["segmentation"] = list(masks)
    return frame, truths


def box_crowd(n_answers: int, seed: int = 0, overlap: int = 5) -> tuple[Any, Any, Any, Any]:
    rng = np.random.default_rng(seed)
    n_tasks = n_answers // overlap
    n_workers = max(20, n_answers // 400)
    corner = rng.uniform(0, 80, (n_tasks, 2))
    truth = np.concatenate([corner, corner + rng.uniform(10, 40, (n_tasks, 2))], axis=1)
    noise = np.where(rng.random(n_workers) < 0.2, 8.0, rng.uniform(0.5, 3.0, n_workers))
    spammer = rng.random(n_workers) < 0.15
    task = np.repeat(np.arange(n_tasks), overlap)
    worker = rng.integers(0, n_workers, task.size)
    boxes = truth[task] + rng.normal(0, 1, (task.size, 4)) * noise[worker][:, None]
    anywhere = rng.uniform(0, 80, (task.size, 2))
    boxes = np.where(spammer[worker][:, None], np.concatenate([anywhere, anywhere + 20], axis=1), boxes)
    boxes = np.concatenate([boxes[:, :2].clip(None, boxes[:, 2:]), boxes[:, 2:].clip(boxes[:, :2])], axis=1)
    return task, worker, boxes, truth


# ---------------------------------------------------------------------------------------------- runs


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = np.inf, None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass
class Row:
    family: str
    size: int
    method: str
    ours: float
    ours_core: float | None
    ours_score: float
    theirs: float | None = None
    theirs_score: float | None = None
    agreement: float | None = None
    note: str = ""


class Budget:
    """Skips crowd-kit runs whose time, scaled from the previous size, would exceed the budget."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.seen: dict[str, tuple[int, float]] = {}

    def estimate(self, method: str, size: int) -> float | None:
        if method not in self.seen:
            return None
        previous_size, previous_time = self.seen[method]
        return previous_time * size / previous_size

    def allows(self, method: str, size: int) -> bool:
        estimate = self.estimate(method, size)
        return estimate is None or estimate <= self.seconds

    def record(self, method: str, size: int, seconds: float) -> None:
        self.seen[method] = (size, seconds)


def accuracy(labels: Any, truth: Any) -> float:
    return float((labels.reindex(truth.index) == truth).mean())


def categorical_rows(size: int, budget: Budget, repeat: int, methods: set[str]) -> list[Row]:
    crowd = categorical_crowd(size)
    frame, truth, gold = crowd.frame, crowd.truth, crowd.gold
    skills = pd.Series(np.random.default_rng(1).uniform(0.3, 1.0, frame["worker"].max() + 1))
    plain = truth.index.difference(gold.index)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], dict[str, Any]]] = [
        ("MajorityVote", MajorityVote, ck.MajorityVote, {}),
        ("MajorityVote(skills)", MajorityVote, ck.MajorityVote, {"skills": skills}),
        ("Wawa", Wawa, ck.Wawa, {}),
        ("ZeroBasedSkill", ZeroBasedSkill, ck.ZeroBasedSkill, {}),
        ("GoldMajorityVote", GoldMajorityVote, ck.GoldMajorityVote, {"true_labels": gold}),
        ("DawidSkene", DawidSkene, lambda: ck.DawidSkene(100), {}),
        ("DawidSkene(gold)", DawidSkene, lambda: ck.DawidSkene(100), {"true_labels": gold}),
        ("OneCoinDawidSkene", OneCoinDawidSkene, ck.OneCoinDawidSkene, {}),
        ("GLAD", GLAD, ck.GLAD, {}),
        ("MACE", MACE, lambda: ck.MACE(n_restarts=1), {}),
    ]
    rows = []
    # crowd-kit's GoldMajorityVote fails when a worker has no control answer: keep the others
    gold_workers = frame.loc[frame["task"].isin(gold.index), "worker"].unique()
    with_gold = frame[frame["worker"].isin(gold_workers)]
    for name, ours, theirs, arguments in cases:
        if methods and name.split("(")[0] not in methods:
            continue
        data = with_gold if name == "GoldMajorityVote" else frame
        wrapper = DataFrameAggregator(ours())
        our_time, our_labels = timed(lambda w=wrapper, a=arguments, d=data: w.fit_predict(d, **a), repeat)
        encoding = encode_frame(data, true_labels=arguments.get("true_labels"))
        known = None if "true_labels" not in arguments else encoding.true_labels(gold.to_dict())
        extra = {"skills": encoding.skills(skills.to_dict())} if "skills" in arguments else {}
        core_time, _ = timed(lambda o=ours, c=encoding.answers, k=known, e=extra: o().fit(c, k, **e), repeat)
        scored = plain if "true_labels" in arguments else truth.index
        scored = scored.intersection(our_labels.index)
        row = Row("categorical", size, name, our_time, core_time, accuracy(our_labels, truth[scored]))
        if budget.allows(name, size):
            their_time, their_labels = timed(
                lambda t=theirs, a=arguments, d=data: t().fit_predict(d, *a.values()), 1
            )
            budget.record(name, size, their_time)
            row.theirs, row.theirs_score = their_time, accuracy(their_labels, truth[scored])
            row.agreement = float((our_labels[scored] == their_labels.reindex(scored)).mean())
        else:
            row.note = f"crowd-kit skipped (est. {budget.estimate(name, size):.0f} s)"
        rows.append(show(row))
    return rows


def pairwise_rows(size: int, budget: Budget, repeat: int) -> list[Row]:
    frame, truth = pairwise_crowd(size)
    rows = []
    for name, ours, theirs in (
        ("BradleyTerry", BradleyTerry, lambda: ck.BradleyTerry(n_iter=100)),
        ("NoisyBradleyTerry", NoisyBradleyTerry, ck.NoisyBradleyTerry),
    ):
        our_time, scores = timed(lambda o=ours: pairwise_scores(o(), frame), repeat)
        row = Row(
            "pairwise", size, name, our_time, None, float(kendalltau(scores, truth[scores.index]).statistic)
        )
        if budget.allows(name, size):
            their_time, their_scores = timed(lambda t=theirs: t().fit_predict(frame), 1)
            budget.record(name, size, their_time)
            their_scores = their_scores.reindex(scores.index)
            row.theirs, row.theirs_score = (
                their_time,
                float(kendalltau(their_scores, truth[scores.index]).statistic),
            )
        else:
            row.note = f"crowd-kit skipped (est. {budget.estimate(name, size):.0f} s)"
        rows.append(show(row))
    return rows


def text_rows(size: int, budget: Budget, repeat: int) -> list[Row]:
    frame, truth = text_crowd(size)
    our_time, texts = timed(lambda: aggregate_texts(ROVER(), frame), repeat)
    row = Row("texts", size, "ROVER", our_time, None, float((texts == truth[texts.index]).mean()))
    if budget.allows("ROVER", size):
        rover = ck.ROVER(str.split, " ".join)
        their_time, their_texts = timed(lambda: rover.fit_predict(frame), 1)
        budget.record("ROVER", size, their_time)
        their_texts = their_texts.reindex(texts.index)
        row.theirs, row.theirs_score = their_time, float((their_texts == truth[texts.index]).mean())
        row.agreement = float((their_texts == texts).mean())
    else:
        row.note = f"crowd-kit skipped (est. {budget.estimate('ROVER', size):.0f} s)"
    return [show(row)]


def segmentation_rows(size: int, budget: Budget, repeat: int) -> list[Row]:
    frame, truths = segmentation_crowd(size)

    def mean_iou(masks: Any) -> float:
        stacked = np.stack(list(masks))
        inter = (stacked & truths).sum(axis=(1, 2))
        union = np.maximum((stacked | truths).sum(axis=(1, 2)), 1)
        return float((inter / union).mean())

    our_time, masks = timed(lambda: aggregate_segmentations(SegmentationEM(), frame), repeat)
    row = Row("segmentation", size, "SegmentationEM", our_time, None, mean_iou(masks))
    if budget.allows("SegmentationEM", size):
        their_time, their_masks = timed(lambda: ck.SegmentationEM().fit_predict(frame), 1)
        budget.record("SegmentationEM", size, their_time)
        their_masks = their_masks.reindex(masks.index)
        row.theirs, row.theirs_score = their_time, mean_iou(their_masks)
        row.agreement = float(np.mean([np.mean(a == b) for a, b in zip(masks, their_masks, strict=True)]))
    else:
        row.note = f"crowd-kit skipped (est. {budget.estimate('SegmentationEM', size):.0f} s)"
    return [show(row)]


def box_rows(size: int, repeat: int) -> list[Row]:
    task, worker, boxes, truth = box_crowd(size)
    our_time, model = timed(lambda: BoxMedian().fit(task, worker, boxes), repeat)
    median_iou = float(box_iou(_median_boxes(task, boxes, truth.shape[0]), truth).mean())
    row = Row("boxes", size, "BoxMedian", our_time, our_time, float(box_iou(model.boxes_, truth).mean()))
    row.note = f"no crowd-kit method; plain coordinate median IoU {median_iou:.4f}"
    return [show(row)]


def _median_boxes(task: Any, boxes: Any, n_tasks: int) -> Any:
    order = np.argsort(task, kind="stable")
    overlap = task.size // n_tasks
    return np.median(boxes[order].reshape(n_tasks, overlap, 4), axis=1)


# ---------------------------------------------------------------------------------------------- output


def show(row: Row) -> Row:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:8.3f}"

    def score(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    speedup = f"{row.theirs / row.ours:7.1f}x" if row.theirs is not None else "-"
    print(
        f"{row.family:12} {row.size:>9,} {row.method:22} {seconds(row.ours):>9} {seconds(row.ours_core):>9} "
        f"{score(row.ours_score):>8} {seconds(row.theirs):>9} {score(row.theirs_score):>8} "
        f"{score(row.agreement):>8} {speedup:>9}  {row.note}",
        flush=True,
    )
    return row


HEADER = (
    f"{'family':12} {'answers':>9} {'method':22} {'ours s':>9} {'core s':>9} {'ours acc':>8} "
    f"{'ck s':>9} {'ck acc':>8} {'agree':>8} {'speed-up':>9}"
)


def memory_child(size: int) -> None:
    """Fit Dawid-Skene (and majority vote) on ``size`` answers; print traced and resident peaks."""
    rng = np.random.default_rng(0)
    n_tasks, n_workers, n_labels = size // 5, max(20, size // 400), 3
    truth = rng.integers(0, n_labels, n_tasks).astype(np.int32)
    task = np.repeat(np.arange(n_tasks, dtype=np.int32), 5)
    worker = rng.integers(0, n_workers, task.size, dtype=np.int32)
    accuracy = rng.uniform(0.55, 0.95, n_workers)
    label = np.where(
        rng.random(task.size) < accuracy[worker], truth[task], rng.integers(0, n_labels, task.size)
    )
    answers = Answers(task, worker, label.astype(np.int32), n_tasks, n_workers, n_labels)
    del label, accuracy
    gc.collect()
    input_mb = sum(a.nbytes for a in (answers.task_idx, answers.worker_idx, answers.label_idx)) / 2**20
    for name, method in (("MajorityVote", MajorityVote()), ("DawidSkene", DawidSkene())):
        tracemalloc.start()
        start = time.perf_counter()
        method.fit(answers)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        correct = float((method.labels_ == truth).mean())
        print(
            f"{name:14} {size:>12,} answers: {elapsed:7.2f} s, accuracy {correct:.4f}, "
            f"peak memory allocated during fit {peak / 2**20:5.0f} MB (input arrays {input_mb:.0f} MB)",
            flush=True,
        )
        del method
        gc.collect()
    print(
        f"process peak RSS {peak_rss_mb():.0f} MB (interpreter, pandas and the generated data included)",
        flush=True,
    )


def peak_rss_mb() -> float:
    """This process's resident-memory high-water mark (``VmHWM``; ``ru_maxrss`` is inherited on fork)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated answer counts"
    )
    parser.add_argument(
        "--families",
        default="categorical,pairwise,texts,segmentation,boxes",
        help="which method families to run",
    )
    parser.add_argument("--methods", default="", help="only these categorical methods (comma-separated)")
    parser.add_argument("--budget", type=float, default=180.0, help="max estimated seconds per crowd-kit run")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs for our methods")
    parser.add_argument("--memory", type=int, default=0, help="also measure memory on this many answers")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.memory_child:
        memory_child(options.memory_child)
        return
    sizes = [int(size) for size in options.sizes.split(",") if size]
    families = set(options.families.split(","))
    methods = {method for method in options.methods.split(",") if method}
    budget = Budget(options.budget)
    print(HEADER)
    rows: list[Row] = []
    for size in sizes:
        produced: list[Row] = []
        if "categorical" in families:
            produced += categorical_rows(size, budget, options.repeat, methods)
        if "pairwise" in families:
            produced += pairwise_rows(size, budget, options.repeat)
        if "texts" in families:
            produced += text_rows(size, budget, options.repeat)
        if "segmentation" in families:
            produced += segmentation_rows(size, budget, options.repeat)
        if "boxes" in families:
            produced += box_rows(size, options.repeat)
        rows += produced
    for row in rows:
        if row.method == "DawidSkene" and row.size == max(sizes) and row.theirs is not None:
            print(
                f"\nDawid-Skene at {row.size:,} answers: {row.theirs / row.ours:.1f}x faster than crowd-kit end to "
                f"end ({row.theirs / row.ours_core:.1f}x on coded arrays), accuracy {row.ours_score:.4f} vs "
                f"{row.theirs_score:.4f}; target >= 20x"
            )
    if options.memory:
        print(f"\nMemory, {options.memory:,} answers (separate process):", flush=True)
        subprocess.run([sys.executable, __file__, "--memory-child", str(options.memory)], check=True)


if __name__ == "__main__":
    main()
