"""A quality-control experiment: one labeling job run by a simulated crowd on a real server, with no
quality control, with rules, or with rules and dynamic overlap; reports majority-vote accuracy against
the truth and what the requester spent. Used by the end-to-end test and by benchmarks/quality.py.

The job: ``tasks`` images in one of four classes, control tasks mixed in (4 real + 2 control per
suite), suites reviewed by the requester (``auto_accept_solutions: false``). The rules, as toloka-kit
would send them:

- GOLDEN_SET (last 6 control answers): at least 4 answered and under 50 % right -> permanent
  RESTRICTION_V2 on the project, and REJECT_ALL_ASSIGNMENTS (their tasks go back to the pool);
- ASSIGNMENT_SUBMIT_TIME (last 3 suites, faster than ``fast_seconds``): 3 of 3 fast -> the same.

With dynamic overlap, tasks start at overlap 2 and grow up to 5 until the answer's confidence is 0.9.
At the end the requester accepts everything still waiting for review, and the spend is read from the
requester's balance (rewards + platform fee).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from crowdlab.sim.crowd import CrowdConfig, CrowdReport, Truth, run_crowd
from crowdlab.sim.server import EmbeddedServer
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignment_tasks, assignments, tasks, user_restrictions, workers

LABELS = ["bird", "cat", "dog", "fish"]
MODES = ("none", "rules", "rules+dynamic")
PROJECT = {
    "public_name": "What animal is it?",
    "public_description": "Pick the animal in the picture.",
    "task_spec": {
        "input_spec": {"image": {"type": "url", "required": True}},
        "output_spec": {"result": {"type": "string", "required": True, "allowed_values": LABELS}},
    },
}


@dataclass
class Scenario:
    """What to run: the crowd, the job and the quality-control mode."""

    mode: str = "rules"
    tasks: int = 200
    golden: int = 40
    workers: int = 30
    spammers: float = 0.2
    fast_clickers: float = 0.1
    accuracy: tuple[float, float] = (0.7, 0.95)
    seed: int = 1
    think_seconds: float = 0.3
    fast_seconds: float = 0.1
    reward: float = 0.02
    timeout: float = 120.0


@dataclass
class Outcome:
    """What came out: accuracy of the majority vote per task, money, and who was banned when."""

    mode: str
    accuracy: float
    spend: float
    answers: int
    suites: int
    rejected: int
    unfinished_tasks: int
    bad_workers: int
    bad_banned: int
    honest_banned: int
    bad_suites: list[int] = field(default_factory=list)
    seconds: float = 0.0
    report: CrowdReport | None = None

    @property
    def accuracy_per_dollar(self) -> float:
        return self.accuracy / self.spend if self.spend else 0.0


def truth_tsv(scenario: Scenario) -> tuple[str, dict[str, str]]:
    """The task file with GOLDEN: answers (real and control tasks) and the real tasks' truth."""
    rng = random.Random(f"truth-{scenario.seed}")
    real = {f"https://img.example/{i}.png": rng.choice(LABELS) for i in range(scenario.tasks)}
    gold = {f"https://img.example/gold-{i}.png": rng.choice(LABELS) for i in range(scenario.golden)}
    text = "INPUT:image\tGOLDEN:result\n" + "".join(f"{k}\t{v}\n" for k, v in {**real, **gold}.items())
    return text, real


def pool_body(scenario: Scenario, project_id: str) -> dict[str, Any]:
    """The pool, as a toloka-kit user would write it for this mode."""
    bad_actions = [
        {
            "type": "RESTRICTION_V2",
            "parameters": {
                "scope": "PROJECT",
                "duration_unit": "PERMANENT",
                "private_comment": "quality rules",
            },
        },
        {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "Too many mistakes"}},
    ]
    golden_rule = [
        {"key": "golden_set_answers_count", "operator": "GTE", "value": 4},
        {"key": "golden_set_correct_answers_rate", "operator": "LT", "value": 50},
    ]
    weak_rule = [
        {"key": "golden_set_answers_count", "operator": "GTE", "value": 10},
        {"key": "golden_set_correct_answers_rate", "operator": "LT", "value": 60},
    ]
    fast_rule = [
        {"key": "total_submitted_count", "operator": "GTE", "value": 3},
        {"key": "fast_submitted_count", "operator": "GTE", "value": 3},
    ]
    configs: list[dict[str, Any]] = []
    if scenario.mode != "none":
        configs = [
            {
                "collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": 6}},
                "rules": [{"conditions": golden_rule, "action": a} for a in bad_actions],
            },
            {
                "collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": 10}},
                "rules": [{"conditions": weak_rule, "action": a} for a in bad_actions],
            },
            {
                "collector_config": {
                    "type": "ASSIGNMENT_SUBMIT_TIME",
                    "parameters": {"fast_submit_threshold_seconds": scenario.fast_seconds, "history_size": 3},
                },
                "rules": [{"conditions": fast_rule, "action": a} for a in bad_actions],
            },
        ]
    overlap = 2 if scenario.mode == "rules+dynamic" else 3
    body: dict[str, Any] = {
        "project_id": project_id,
        "private_name": f"quality lab ({scenario.mode})",
        "reward_per_assignment": scenario.reward,
        "assignment_max_duration_seconds": 300,
        "auto_accept_solutions": False,
        "auto_accept_period_day": 7,
        "defaults": {"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": overlap},
        "mixer_config": {"real_tasks_count": 4, "golden_tasks_count": 2, "training_tasks_count": 0},
        "quality_control": {"configs": configs},
    }
    if scenario.mode == "rules+dynamic":
        body["dynamic_overlap_config"] = {
            "type": "BASIC",
            "max_overlap": 5,
            "min_confidence": 0.9,
            "fields": [{"name": "result"}],
        }
    return body


def majority_accuracy(answers: dict[str, list[str]], truth: dict[str, str]) -> float:
    """Share of tasks whose majority answer is the truth; a tie gives the truth its share of the tie."""
    score = 0.0
    for key, correct in truth.items():
        counts = Counter(answers.get(key, [])).most_common()
        if not counts:
            continue
        top = [label for label, n in counts if n == counts[0][1]]
        score += (correct in top) / len(top)
    return score / len(truth) if truth else 0.0


def run(scenario: Scenario, db_url: str | None = None) -> Outcome:
    """Run the scenario on a fresh server and measure it."""
    if scenario.mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    workdir = None
    if db_url is None:
        workdir = tempfile.mkdtemp(prefix="crowdlab-qlab-")
        db_url = f"sqlite:///{Path(workdir) / 'lab.db'}"
    text, real_truth = truth_tsv(scenario)
    started = time.monotonic()
    with EmbeddedServer(db_url, sweep_interval=0.5) as server:
        api = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"OAuth {server.create_requester('lab', '1000')}"},
            timeout=60,
        )
        project = api.post("/api/v1/projects", json=PROJECT).json()
        pool = api.post("/api/v1/pools", json=pool_body(scenario, project["id"])).json()
        items: list[dict[str, Any]] = [
            {"pool_id": pool["id"], "input_values": {"image": k}} for k in real_truth
        ]
        gold_rows = [line.split("\t") for line in text.splitlines()[1 + scenario.tasks :]]
        items += [
            {
                "pool_id": pool["id"],
                "input_values": {"image": image},
                "known_solutions": [{"output_values": {"result": label}}],
            }
            for image, label in gold_rows
        ]
        created = api.post("/api/v1/tasks", params={"allow_defaults": "true"}, json=items)
        created.raise_for_status()
        api.post(f"/api/v1/pools/{pool['id']}/open").raise_for_status()
        before = float(api.get("/api/v1/requester").json()["balance"])
        report = run_crowd(
            CrowdConfig(
                url=server.url,
                truth=Truth.from_tsv(text),
                workers=scenario.workers,
                accuracy=scenario.accuracy,
                spammers=scenario.spammers,
                fast_clickers=scenario.fast_clickers,
                seed=scenario.seed,
                timeout=scenario.timeout,
                think_seconds=scenario.think_seconds,
                idle_seconds=2.0,
                name_prefix=f"lab-{scenario.mode}",
            )
        )
        waiting = api.get(
            "/api/v1/assignments", params={"pool_id": pool["id"], "status": "SUBMITTED", "limit": 100000}
        ).json()["items"]
        for item in waiting:  # the requester accepts what quality control did not reject
            api.patch(f"/api/v1/assignments/{item['id']}", json={"status": "ACCEPTED"}).raise_for_status()
        spend = before - float(api.get("/api/v1/requester").json()["balance"])
        api.close()
    outcome = _measure(Database(db_url), scenario, real_truth, report, spend)
    outcome.seconds = time.monotonic() - started
    return outcome


def _measure(
    db: Database, scenario: Scenario, truth: dict[str, str], report: CrowdReport, spend: float
) -> Outcome:
    try:
        with db.read() as conn:
            rows = conn.execute(
                sa.select(tasks.c.input_values, assignment_tasks.c.position, assignments.c.solutions)
                .join(assignment_tasks, assignment_tasks.c.task_id == tasks.c.id)
                .join(assignments, assignments.c.id == assignment_tasks.c.assignment_id)
                .where(tasks.c.kind == "general", assignments.c.status.in_(["SUBMITTED", "ACCEPTED"]))
            ).all()
            answers: dict[str, list[str]] = {}
            for row in rows:
                values = (row.solutions[row.position] or {}).get("output_values") or {}
                answers.setdefault(row.input_values["image"], []).append(str(values.get("result")))
            minimum = 2 if scenario.mode == "rules+dynamic" else 3
            unfinished = sum(1 for key in truth if len(answers.get(key, [])) < minimum)
            by_name = dict(conn.execute(sa.select(workers.c.name, workers.c.id)).all())
            banned = set(conn.execute(sa.select(user_restrictions.c.worker_id)).scalars())
            statuses = conn.execute(sa.select(assignments.c.worker_id, assignments.c.status)).all()
    finally:
        db.dispose()
    handed_in: Counter[int] = Counter(w for w, s in statuses if s in ("SUBMITTED", "ACCEPTED", "REJECTED"))
    bad = [by_name[name] for name, kind in report.kinds.items() if kind != "honest" and name in by_name]
    honest = [by_name[name] for name, kind in report.kinds.items() if kind == "honest" and name in by_name]
    return Outcome(
        mode=scenario.mode,
        accuracy=majority_accuracy(answers, truth),
        spend=round(spend, 4),
        answers=sum(len(v) for v in answers.values()),
        suites=sum(handed_in.values()),
        rejected=sum(1 for _, s in statuses if s == "REJECTED"),
        unfinished_tasks=unfinished,
        bad_workers=len(bad),
        bad_banned=sum(1 for w in bad if w in banned),
        honest_banned=sum(1 for w in honest if w in banned),
        bad_suites=sorted(handed_in[w] for w in bad),
        report=report,
    )


def summary(outcome: Outcome) -> str:
    """One line about an outcome."""
    median = statistics.median(outcome.bad_suites) if outcome.bad_suites else 0
    return (
        f"{outcome.mode:14s} accuracy {outcome.accuracy:.3f}  spend ${outcome.spend:.2f}  "
        f"accuracy/$ {outcome.accuracy_per_dollar:.3f}  answers {outcome.answers}  rejected {outcome.rejected}  "
        f"bad banned {outcome.bad_banned}/{outcome.bad_workers} (median suites {median})  "
        f"honest banned {outcome.honest_banned}  unfinished {outcome.unfinished_tasks}  {outcome.seconds:.1f}s"
    )
