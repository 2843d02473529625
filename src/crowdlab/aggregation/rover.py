"""ROVER: texts aggregated by aligning them into a word transition network and voting per slot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np

from .answers import FloatArray, IntArray, as_index_array
from .base import Progress, report

Slot = dict[str, int]

_CORRECT, _DELETE, _INSERT = 0, 1, 2
_PROGRESS_STEPS = 100


def _split(text: str) -> list[str]:
    return text.split()


def _join(tokens: list[str]) -> str:
    return " ".join(tokens)


class ROVER:
    r"""Recognizer Output Voting Error Reduction (ROVER) for free-text answers.

    The answers of a task are tokenised and aligned one after another into a *word transition
    network*: a sequence of slots, each holding the words the answers put there with their vote
    counts (the empty word ``""`` stands for "nothing here"). Each new answer is aligned to the
    network by dynamic programming with unit costs: a word matches a slot at cost 0 if the slot
    already holds it and 1 otherwise; skipping a slot costs 0 if it already holds ``""``, else 1
    (except along the first row of the table, where every skip costs 1); inserting a word costs 1
    and creates a slot where all earlier answers vote ``""``. Among equal costs the preference is
    match, then skip, then insert. The result takes, in every slot, the word with the most votes
    (ties: the longer word, then the greater string) and drops empty words.

    Answers are aligned in the order they are given for the task, so the result is independent of
    task and worker numbering. ``confidences_`` is the average share of answers that voted for the
    chosen word across the task's slots (1 when all answers are identical). The alignment is
    inherently sequential; each task is a small pure-Python dynamic program.

    Reference: J. G. Fiscus, *A Post-Processing System to Yield Reduced Word Error Rates: Recognizer
    Output Voting Error Reduction (ROVER)*, IEEE ASRU 1997, 347-354.
    https://doi.org/10.1109/ASRU.1997.659110

    Args:
        tokenizer: splits a text into tokens (default: whitespace split).
        detokenizer: joins tokens into a text (default: single spaces).
    """

    texts_: list[str]
    confidences_: FloatArray

    def __init__(
        self,
        tokenizer: Callable[[str], list[str]] = _split,
        detokenizer: Callable[[list[str]], str] = _join,
    ) -> None:
        self.tokenizer = tokenizer
        self.detokenizer = detokenizer

    def fit(
        self,
        task_idx: Any,
        texts: Sequence[str],
        n_tasks: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> Self:
        """Aggregate the ``texts`` answered to each task (``task_idx[i]`` is the task of ``texts[i]``).

        Tasks without answers get an empty text and confidence 0.
        """
        array = np.asarray(task_idx)
        count = n_tasks if n_tasks is not None else (int(array.max()) + 1 if array.size else 0)
        tasks = as_index_array("task_idx", array, max(count, 1), "n_tasks")
        if len(texts) != tasks.size:
            raise ValueError(
                f"task_idx and texts must have the same length, got {tasks.size} and {len(texts)}"
            )
        if not tasks.size:
            raise ValueError("answers are empty: there is nothing to aggregate")
        order: IntArray = np.argsort(tasks, kind="stable").astype(np.int32)
        bounds = np.searchsorted(tasks[order], np.arange(count + 1))
        results = [""] * count
        confidences = np.zeros(count)
        step = max(1, count // _PROGRESS_STEPS)
        for task in range(count):
            rows = order[bounds[task] : bounds[task + 1]].tolist()
            if rows:
                hypotheses = [self._tokens(texts[row], row) for row in rows]
                results[task], confidences[task] = self._aggregate(hypotheses)
            if task % step == 0:
                report(progress, task / count)
        self.texts_ = results
        self.confidences_ = confidences
        report(progress, 1.0)
        return self

    def fit_predict(
        self,
        task_idx: Any,
        texts: Sequence[str],
        n_tasks: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> list[str]:
        """Fit and return the aggregated text of each task."""
        return self.fit(task_idx, texts, n_tasks, progress=progress).texts_

    def _tokens(self, text: Any, row: int) -> list[str]:
        if not isinstance(text, str):
            raise ValueError(f"texts must be strings, got {type(text).__name__} at row {row}")
        return list(self.tokenizer(text))

    def _aggregate(self, hypotheses: list[list[str]]) -> tuple[str, float]:
        network: list[Slot] = [{word: 1} for word in hypotheses[0]]
        for sources, hypothesis in enumerate(hypotheses[1:], start=1):
            network = _align(network, hypothesis, sources)
        words: list[str] = []
        agreement = 0.0
        for slot in network:
            word = max(slot.items(), key=lambda item: (item[1], len(item[0]), item[0]))
            agreement += word[1]
            if word[0] != "":
                words.append(word[0])
        share = agreement / (len(network) * len(hypotheses)) if network else 1.0
        return self.detokenizer(words), share


def _align(network: list[Slot], hypothesis: list[str], sources: int) -> list[Slot]:
    """Align ``hypothesis`` to ``network`` (built from ``sources`` answers) and merge it in."""
    n_slots, n_words = len(network), len(hypothesis)
    has_empty = [("" in slot) for slot in network]
    previous = list(range(n_slots + 1))
    moves: list[list[int]] = [[_DELETE] * (n_slots + 1)]
    for i in range(1, n_words + 1):
        word = hypothesis[i - 1]
        current = [i] + [0] * n_slots
        row = [_INSERT] + [0] * n_slots
        for j in range(1, n_slots + 1):
            best = previous[j - 1] + (0 if word in network[j - 1] else 1)
            move = _CORRECT
            skip = current[j - 1] + (0 if has_empty[j - 1] else 1)
            if skip < best:
                best, move = skip, _DELETE
            if previous[j] + 1 < best:
                best, move = previous[j] + 1, _INSERT
            current[j] = best
            row[j] = move
        moves.append(row)
        previous = current
    merged: list[Slot] = []
    i, j = n_words, n_slots
    while i or j:
        move = moves[i][j] if i and j else (_INSERT if i else _DELETE)
        if move == _CORRECT:
            slot = dict(network[j - 1])
            word = hypothesis[i - 1]
            i, j = i - 1, j - 1
        elif move == _DELETE:
            slot = dict(network[j - 1])
            word = ""
            j -= 1
        else:
            slot = {"": sources}
            word = hypothesis[i - 1]
            i -= 1
        slot[word] = slot.get(word, 0) + 1
        merged.append(slot)
    merged.reverse()
    return merged
