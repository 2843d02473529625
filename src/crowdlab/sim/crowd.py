"""A simulated crowd: workers that sign up through the public worker API and label task suites.

Each worker answers from a truth file (a task file with ``INPUT:`` and ``GOLDEN:`` columns) with an
accuracy drawn from a range; spammers answer at random; fast clickers submit at once and at random.
Everything goes over HTTP, exactly like real workers' browsers, so the simulator exercises the server.
"""

from __future__ import annotations

import csv
import io
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def _key(values: dict[str, Any]) -> str:
    return json.dumps({k: str(v) for k, v in sorted(values.items())}, sort_keys=True)


@dataclass
class Truth:
    """Correct answers by task input, and the label set of each output field."""

    answers: dict[str, dict[str, Any]]
    labels: dict[str, list[Any]]

    @classmethod
    def from_tsv(cls, text: str) -> Truth:
        """Read a TSV task file whose GOLDEN: columns hold the true answers."""
        reader = csv.DictReader(io.StringIO(text), delimiter="\t")
        header = reader.fieldnames or []
        inputs = [h for h in header if h.startswith("INPUT:")]
        goldens = [h for h in header if h.startswith("GOLDEN:")]
        if not inputs or not goldens:
            raise ValueError("the truth file needs INPUT: and GOLDEN: columns")
        answers: dict[str, dict[str, Any]] = {}
        labels: dict[str, set[Any]] = {g.removeprefix("GOLDEN:"): set() for g in goldens}
        for line, row in enumerate(reader, start=2):
            values = {h.removeprefix("INPUT:"): row[h] for h in inputs}
            gold = {g.removeprefix("GOLDEN:"): row[g] for g in goldens if row.get(g) not in (None, "")}
            if not gold:
                raise ValueError(f"line {line}: no GOLDEN: value")
            answers[_key(values)] = gold
            for name, value in gold.items():
                labels[name].add(value)
        return cls(answers, {k: sorted(v) for k, v in labels.items()})

    @classmethod
    def from_file(cls, path: Path) -> Truth:
        return cls.from_tsv(path.read_text(encoding="utf-8"))

    def answer_for(self, input_values: dict[str, Any]) -> dict[str, Any] | None:
        return self.answers.get(_key(input_values))


@dataclass
class CrowdConfig:
    url: str
    truth: Truth
    workers: int = 30
    accuracy: tuple[float, float] = (0.7, 0.95)
    spammers: float = 0.0
    fast_clickers: float = 0.0
    languages: list[str] = field(default_factory=lambda: ["EN"])
    pool_id: str | None = None
    seed: int = 0
    timeout: float = 600.0
    think_seconds: float = 0.0
    name_prefix: str = "sim"


@dataclass
class CrowdReport:
    workers: int = 0
    suites: int = 0
    answers: int = 0
    skipped: int = 0
    errors: int = 0
    blocked_workers: int = 0
    kinds: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for key, value in counts.items():
                setattr(self, key, getattr(self, key) + value)


class SimulatedWorker:
    """One simulated person: signs up, then takes and submits suites until nothing is left."""

    def __init__(self, config: CrowdConfig, index: int, report: CrowdReport, progress: Callable[[int], None]):
        self.config = config
        self.report = report
        self.progress = progress
        self.rng = random.Random(f"{config.seed}-{index}")
        roll = self.rng.random()
        if roll < config.spammers:
            self.kind, self.accuracy = "spammer", None
        elif roll < config.spammers + config.fast_clickers:
            self.kind, self.accuracy = "fast", None
        else:
            self.kind, self.accuracy = "honest", self.rng.uniform(*config.accuracy)
        self.name = f"{config.name_prefix}-{config.seed}-{index}-{uuid.uuid4().hex[:10]}"
        self.client = httpx.Client(base_url=config.url.rstrip("/"), timeout=30.0)

    def _label(self, name: str, truth: Any) -> Any:
        labels = self.config.truth.labels.get(name) or [truth]
        if self.kind in ("spammer", "fast") or truth is None:
            return self.rng.choice(labels)
        assert self.accuracy is not None
        if self.rng.random() < self.accuracy:
            return truth
        others = [label for label in labels if label != truth]
        return self.rng.choice(others) if others else truth

    def answer(self, task: dict[str, Any], output_spec: dict[str, Any]) -> dict[str, Any]:
        truth = self.config.truth.answer_for(task["input_values"]) or {}
        values = {}
        for name in output_spec or self.config.truth.labels:
            values[name] = self._label(name, truth.get(name))
        return values

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(5):
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TransportError:
                time.sleep(0.2 * (attempt + 1))
                continue
            if response.status_code >= 500:
                self.report.add(errors=1)
                time.sleep(0.2 * (attempt + 1))
                continue
            return response
        raise RuntimeError(f"{method} {path} kept failing")

    def run(self, deadline: float) -> None:
        try:
            self._work(deadline)
        finally:
            self.client.close()

    def _work(self, deadline: float) -> None:
        password = f"pw-{self.rng.randrange(10**12)}-x"
        response = self._request(
            "POST",
            "/api/worker/signup",
            json={"name": self.name, "password": password, "profile": {"languages": self.config.languages}},
        )
        if response.status_code != 201:
            self.report.add(errors=1)
            return
        self.client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        self.report.add(workers=1)
        with self.report.lock:
            self.report.kinds[self.name] = self.kind
        exhausted: set[str] = set()
        was_blocked = False
        current: str | None = None  # a worker keeps taking from the same pool while it has work
        while time.monotonic() < deadline:
            if current is None:
                pools = self._request("GET", "/api/worker/pools").json()["items"]
                if self.config.pool_id:
                    pools = [p for p in pools if p["pool_id"] == self.config.pool_id]
                if any(not p["available"] and "blocked" in (p.get("reason") or "") for p in pools):
                    was_blocked = True
                candidates = [p["pool_id"] for p in pools if p["available"] and p["pool_id"] not in exhausted]
                if not candidates:
                    break
                current = candidates[0]
            taken = self._request("POST", f"/api/worker/pools/{current}/assignments")
            if taken.status_code != 201:
                code = taken.json().get("code")
                if code in ("POOL_ASSIGNMENTS_EXHAUSTED", "NOT_ENOUGH_BALANCE", "ACCESS_DENIED"):
                    exhausted.add(current)
                    current = None
                    continue
                self.report.add(errors=1)
                time.sleep(0.05)
                continue
            assignment = taken.json()
            output_spec = assignment["project"]["output_spec"]
            if self.config.think_seconds and self.kind != "fast":
                time.sleep(self.rng.uniform(0.5, 1.5) * self.config.think_seconds)
            solutions = [{"output_values": self.answer(t, output_spec)} for t in assignment["tasks"]]
            done = self._request(
                "POST", f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
            )
            if done.status_code == 200:
                self.report.add(suites=1, answers=len(solutions))
                self.progress(len(solutions))
            else:
                self.report.add(errors=1)
        if was_blocked:
            self.report.add(blocked_workers=1)


def run_crowd(config: CrowdConfig, progress: Callable[[int], None] | None = None) -> CrowdReport:
    """Run the whole simulated crowd concurrently until no pool has work for anyone (or timeout)."""
    report = CrowdReport()
    deadline = time.monotonic() + config.timeout
    members = [
        SimulatedWorker(config, i, report, progress or (lambda _n: None)) for i in range(config.workers)
    ]
    with ThreadPoolExecutor(max_workers=max(1, config.workers)) as pool:
        for future in [pool.submit(m.run, deadline) for m in members]:
            future.result()
    return report
