"""A simulated crowd: workers that sign up through the public worker API and label task suites.

Each worker answers from a truth file (a task file with ``INPUT:`` and ``GOLDEN:`` columns) with an
accuracy drawn from a range; spammers answer at random; fast clickers submit at once and at random.
Everything goes over HTTP, exactly like real workers' browsers, so the simulator exercises the server.

Quality control: a worker asked for a captcha (409 CAPTCHA_REQUIRED) answers it with ``captcha_solver``
when one is given (a test can read answers it planted) or else guesses; a worker told its training
answers are wrong (``feedback``) corrects them (honest workers read the hint and answer right, the
others guess again); with ``idle_seconds`` workers keep looking that long for work that comes back
(e.g. a banned worker's rejected suites) before they stop.
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
    captcha_solver: Callable[[dict[str, Any]], str] | None = None
    idle_seconds: float = 0.0


@dataclass
class CrowdReport:
    workers: int = 0
    suites: int = 0
    answers: int = 0
    skipped: int = 0
    errors: int = 0
    blocked_workers: int = 0
    captchas: int = 0
    captchas_failed: int = 0
    corrections: int = 0
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
        last_work = time.monotonic()
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
                    if time.monotonic() - last_work < self.config.idle_seconds:
                        time.sleep(0.2)  # work may come back (reissued tasks, a reopened pool)
                        exhausted.clear()
                        continue
                    break
                current = candidates[0]
            taken = self._request("POST", f"/api/worker/pools/{current}/assignments")
            if taken.status_code != 201:
                code = taken.json().get("code")
                if code in ("POOL_ASSIGNMENTS_EXHAUSTED", "NOT_ENOUGH_BALANCE", "ACCESS_DENIED"):
                    exhausted.add(current)
                    current = None
                    continue
                if code == "CAPTCHA_REQUIRED":
                    self._solve_captcha(current)
                    continue
                self.report.add(errors=1)
                time.sleep(0.05)
                continue
            last_work = time.monotonic()
            assignment = taken.json()
            output_spec = assignment["project"]["output_spec"]
            if self.config.think_seconds and self.kind != "fast":
                time.sleep(self.rng.uniform(0.5, 1.5) * self.config.think_seconds)
            solutions = [{"output_values": self.answer(t, output_spec)} for t in assignment["tasks"]]
            done = self._submit(assignment, solutions, output_spec)
            if done.status_code == 200 and done.json().get("status") != "ACTIVE":
                self.report.add(suites=1, answers=len(solutions))
                self.progress(len(solutions))
            elif done.status_code == 200:  # could not get the training answers right: give it back
                self._request("POST", f"/api/worker/assignments/{assignment['id']}/skip")
                self.report.add(skipped=1)
            else:
                self.report.add(errors=1)
        if was_blocked:
            self.report.add(blocked_workers=1)

    def _submit(
        self, assignment: dict[str, Any], solutions: list[dict[str, Any]], output_spec: dict[str, Any]
    ) -> httpx.Response:
        """Submit; while training feedback says some answers are wrong, correct them and resubmit."""
        path = f"/api/worker/assignments/{assignment['id']}/submit"
        done = self._request("POST", path, json={"solutions": solutions})
        for _ in range(10):
            if done.status_code != 200 or not done.json().get("feedback"):
                break
            for item in done.json()["feedback"]:
                index = item["task_index"]
                task = assignment["tasks"][index]
                if self.kind == "honest":  # the hint tells them what was wrong
                    truth = self.config.truth.answer_for(task["input_values"]) or {}
                    fixed = {name: truth.get(name) for name in output_spec or self.config.truth.labels}
                    solutions[index] = {
                        "output_values": {k: v for k, v in fixed.items() if v is not None}
                        or self.answer(task, output_spec)
                    }
                else:
                    solutions[index] = {"output_values": self.answer(task, output_spec)}
            self.report.add(corrections=1)
            done = self._request("POST", path, json={"solutions": solutions})
        return done

    def _solve_captcha(self, pool_id: str) -> None:
        """Get a captcha for the pool and answer it (with the solver, else with a guess)."""
        captcha = self._request("GET", "/api/worker/captcha", params={"pool_id": pool_id})
        if captcha.status_code != 200:
            self.report.add(errors=1)
            return
        item = captcha.json()
        if self.config.captcha_solver is not None and self.kind == "honest":
            guess = self.config.captcha_solver(item)
        else:
            guess = "".join(self.rng.choice("ACDEFHJKLMNPRTUVWXY34679") for _ in range(5))
        result = self._request("POST", f"/api/worker/captcha/{item['id']}", json={"answer": guess})
        ok = result.status_code == 200 and bool(result.json().get("ok"))
        self.report.add(captchas=1, captchas_failed=0 if ok else 1)


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
