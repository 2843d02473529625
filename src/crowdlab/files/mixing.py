"""Putting uploaded tasks into task suites: "smart mixing" and the manual ways.

Smart mixing (the Toloka guide, "Ways to group tasks in suites"): tasks are divided into general,
control and training lists; every suite takes ``real`` general tasks, ``control`` control tasks and
``training`` training tasks, and the tasks of a suite are shuffled. General tasks are used once each,
in file order (or shuffled when ``in_creation_order`` is false). Control and training tasks are reused
across suites — in the guide they get infinite overlap — drawn from a shuffled deck so that they are
spread evenly and never repeat inside one suite. A last suite with fewer general tasks is kept when it
has at least ``min_real`` of them; leftover general tasks are returned as ``unused``.

A pool made only of control/training tasks (``real == 0``, e.g. a training pool) uses each of them
once instead.

The functions are generic over the task objects; kinds are the strings of
:class:`crowdlab.files.tasks_in.ParsedRow` (``general`` and ``field`` tasks both count as general).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
_REAL_KINDS = frozenset({"general", "field"})


class MixingError(ValueError):
    """The settings cannot be met by the tasks at hand (too few control or training tasks)."""


@dataclass(frozen=True)
class MixerConfig:
    """Tasks of each type per suite (Toloka's ``mixer_config``); ``min_real`` None means 1."""

    real: int
    control: int = 0
    training: int = 0
    min_real: int | None = None

    def __post_init__(self) -> None:
        if min(self.real, self.control, self.training) < 0:
            raise MixingError("Task counts per suite cannot be negative")
        if self.real + self.control + self.training == 0:
            raise MixingError("A suite needs at least one task")
        if self.min_real is not None and not 0 <= self.min_real <= self.real:
            raise MixingError("min_real must be between 0 and real")


@dataclass
class Mix(Generic[T]):
    """Composed suites and the general tasks that did not make a suite."""

    suites: list[list[T]]
    unused: list[T] = field(default_factory=list)


class _Deck(Generic[T]):
    """Draws distinct items for one suite, reshuffling the whole list whenever it runs out."""

    def __init__(self, items: Sequence[T], rng: random.Random) -> None:
        self._items = list(items)
        self._rng = rng
        self._order: list[int] = []

    def draw(self, count: int) -> list[T]:
        chosen: list[int] = []
        taken: set[int] = set()
        put_back: list[int] = []
        while len(chosen) < count:
            if not self._order:
                self._order = list(range(len(self._items)))
                self._rng.shuffle(self._order)
            index = self._order.pop()
            if index in taken:  # a new round started inside this suite; keep it for the next suite
                put_back.append(index)
                continue
            taken.add(index)
            chosen.append(index)
        if put_back:
            self._order[:0] = put_back
        return [self._items[index] for index in chosen]


def compose_suites(
    tasks: Iterable[tuple[str, T]],
    config: MixerConfig,
    *,
    shuffle: bool = True,
    in_creation_order: bool = True,
    seed: int | None = None,
) -> Mix[T]:
    """Smart mixing of ``(kind, task)`` pairs into suites per ``config``.

    ``shuffle`` mixes the tasks inside each suite; ``in_creation_order`` takes general tasks in the
    order given (else in random order). ``seed`` makes the result reproducible. Raises MixingError when
    a suite needs more distinct control or training tasks than there are.
    """
    rng = random.Random(seed)
    real: list[T] = []
    control: list[T] = []
    training: list[T] = []
    for kind, task in tasks:
        if kind in _REAL_KINDS:
            real.append(task)
        elif kind == "control":
            control.append(task)
        elif kind == "training":
            training.append(task)
        else:
            raise MixingError(f"Unknown task kind {kind!r}")
    if config.real == 0:
        return Mix(_consume_once(control, training, config, rng, shuffle))
    for name, needed, available in (
        ("control", config.control, control),
        ("training", config.training, training),
    ):
        if needed > len(available):
            raise MixingError(
                f"Each suite needs {needed} {name} task(s) but only {len(available)} were uploaded"
            )
    if not in_creation_order:
        rng.shuffle(real)
    control_deck, training_deck = _Deck(control, rng), _Deck(training, rng)
    min_real = 1 if config.min_real is None else max(config.min_real, 1)
    suites: list[list[T]] = []
    unused: list[T] = []
    for start in range(0, len(real), config.real):
        chunk = real[start : start + config.real]
        if len(chunk) < config.real and len(chunk) < min_real:
            unused = chunk
            break
        suite = chunk + control_deck.draw(config.control) + training_deck.draw(config.training)
        if shuffle:
            rng.shuffle(suite)
        suites.append(suite)
    return Mix(suites, unused)


def _consume_once(
    control: list[T], training: list[T], config: MixerConfig, rng: random.Random, shuffle: bool
) -> list[list[T]]:
    suites: list[list[T]] = []
    c = t = 0
    while c < len(control) or t < len(training):
        suite = control[c : c + config.control] + training[t : t + config.training]
        if not suite:
            break  # the remaining kind has a count of 0 per suite
        c += config.control
        t += config.training
        if shuffle:
            rng.shuffle(suite)
        suites.append(suite)
    return suites


def split_in_order(tasks: Sequence[T], per_suite: int) -> list[list[T]]:
    """ "Set manually": suites of ``per_suite`` tasks in file order (the last one may be shorter)."""
    if per_suite < 1:
        raise MixingError("A suite needs at least one task")
    return [list(tasks[start : start + per_suite]) for start in range(0, len(tasks), per_suite)]


def split_by_blocks(rows: Iterable[tuple[int, T]]) -> list[list[T]]:
    """Suites marked by blank lines in the file: ``(block, task)`` pairs, as ParsedRow.block numbers them."""
    suites: list[list[T]] = []
    current: int | None = None
    for block, task in rows:
        if block != current:
            suites.append([])
            current = block
        suites[-1].append(task)
    return suites
