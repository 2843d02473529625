"""Quality-control rules as pure functions: collectors' statistics, conditions, actions' parameters,
answer checking, and the confidence used by dynamic overlap.

A pool's ``quality_control.configs`` is a list of collectors, each with rules; a rule's conditions are
AND-ed over the collector's statistics for one worker and, when all hold, its action fires. The services
layer reads the stored facts (answers, reviews, captcha results) and hands them to the functions here,
so every statistic is recomputed from facts and never kept as a counter that could drift.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

_UNIT_SECONDS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}

#: Condition keys each collector exposes (toloka-kit's ``_compatible_conditions``).
COLLECTOR_KEYS: dict[str, tuple[str, ...]] = {
    "CAPTCHA": ("stored_results_count", "success_rate", "fail_rate"),
    "ASSIGNMENT_SUBMIT_TIME": ("total_submitted_count", "fast_submitted_count"),
    "GOLDEN_SET": (
        "total_answers_count",
        "correct_answers_rate",
        "incorrect_answers_rate",
        "golden_set_answers_count",
        "golden_set_correct_answers_rate",
        "golden_set_incorrect_answers_rate",
    ),
    "MAJORITY_VOTE": ("total_answers_count", "correct_answers_rate", "incorrect_answers_rate"),
    "SKIPPED_IN_ROW_ASSIGNMENTS": ("skipped_in_row_count",),
    "ANSWER_COUNT": ("assignments_accepted_count",),
    "ASSIGNMENTS_ASSESSMENT": (
        "pending_assignments_count",
        "accepted_assignments_count",
        "rejected_assignments_count",
        "assessment_event",
    ),
    "USERS_ASSESSMENT": ("pool_access_revoked_reason", "skill_id"),
    "INCOME": ("income_sum_for_last_24_hours",),
    "ACCEPTANCE_RATE": ("total_assignments_count", "accepted_assignments_rate", "rejected_assignments_rate"),
    "TRAINING": (
        "submitted_assignments_count",
        "total_answers_count",
        "correct_answers_rate",
        "incorrect_answers_rate",
        "next_assignment_available",
    ),
}

#: Which event makes each collector evaluate its rules for a worker.
COLLECTOR_EVENTS: dict[str, frozenset[str]] = {
    "CAPTCHA": frozenset({"CAPTCHA"}),
    "ASSIGNMENT_SUBMIT_TIME": frozenset({"SUBMIT"}),
    "GOLDEN_SET": frozenset({"SUBMIT"}),
    "MAJORITY_VOTE": frozenset({"SUBMIT", "MAJORITY"}),
    "SKIPPED_IN_ROW_ASSIGNMENTS": frozenset({"SKIP", "EXPIRE"}),
    "ANSWER_COUNT": frozenset({"SUBMIT"}),
    "ASSIGNMENTS_ASSESSMENT": frozenset({"ACCEPT", "REJECT"}),
    "USERS_ASSESSMENT": frozenset({"REVOKED"}),
    "INCOME": frozenset({"SUBMIT"}),
    "ACCEPTANCE_RATE": frozenset({"ACCEPT", "REJECT"}),
    "TRAINING": frozenset({"TRAINING"}),
}

#: Suites a worker takes in a pool between two captchas, by ``captcha_frequency``.
CAPTCHA_EVERY: dict[str, int] = {"LOW": 20, "MEDIUM": 10, "HIGH": 5}

#: Accuracy assumed for a worker with no skill and no control answers (dynamic overlap), and how many
#: control answers that prior is worth.
PRIOR_ACCURACY = 0.75
PRIOR_WEIGHT = 2.0


# ---------------------------------------------------------------------------------------------
# Answers


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def is_correct(output_values: Mapping[str, Any], known_solutions: Sequence[Mapping[str, Any]] | None) -> bool:
    """Whether an answer matches one of the known solutions on every field that solution gives."""
    for solution in known_solutions or []:
        expected = solution.get("output_values") or {}
        if expected and all(_same(output_values.get(k), v) for k, v in expected.items()):
            return True
    return False


def answer_key(output_values: Mapping[str, Any] | None, fields: Sequence[str] | None = None) -> str:
    """A canonical text for an answer (restricted to ``fields`` when given), so answers can be counted."""
    values = dict(output_values or {})
    if fields:
        values = {name: values.get(name) for name in fields}
    normal = {k: (v.strip().casefold() if isinstance(v, str) else v) for k, v in values.items()}
    return json.dumps(normal, sort_keys=True, default=str)


def majority_answer(keys: Sequence[str], threshold: int) -> str | None:
    """The answer at least ``threshold`` workers gave (the most popular; None on a tie or below it)."""
    counts = Counter(keys).most_common()
    if not counts or counts[0][1] < max(1, threshold):
        return None
    if len(counts) > 1 and counts[1][1] == counts[0][1]:
        return None
    return counts[0][0]


# ---------------------------------------------------------------------------------------------
# Conditions and rules


def condition_holds(condition: Mapping[str, Any], stats: Mapping[str, Any]) -> bool:
    """One rule condition (``{key, operator, value}``) against the collector statistics.

    EQ/NE compare any value (booleans, enum strings, numbers); GT/GTE/LT/LTE compare numbers. A key the
    collector does not expose, or a comparison between incomparable values, never holds.
    """
    key = condition.get("key")
    if not isinstance(key, str) or key not in stats:
        return False
    have = stats[key]
    want = condition.get("value")
    op = condition.get("operator")
    if op == "EQ":
        return _equal(have, want)
    if op == "NE":
        return not _equal(have, want)
    if have is None or want is None or isinstance(have, bool) or isinstance(want, bool):
        return False
    try:
        a, b = float(have), float(want)
    except (TypeError, ValueError):
        return False
    if op == "GT":
        return a > b
    if op == "GTE":
        return a >= b
    if op == "LT":
        return a < b
    if op == "LTE":
        return a <= b
    return False


def _equal(have: Any, want: Any) -> bool:
    if isinstance(have, bool) or isinstance(want, bool):
        return have is want or (isinstance(want, str) and str(have).lower() == want.lower())
    if isinstance(have, int | float) and isinstance(want, int | float):
        return float(have) == float(want)
    if have is None or want is None:
        return have is want
    return str(have) == str(want)


def rule_fires(rule: Mapping[str, Any], stats: Mapping[str, Any]) -> bool:
    """All of a rule's conditions hold (a rule with no conditions never fires)."""
    conditions = rule.get("conditions") or []
    return bool(conditions) and all(condition_holds(c, stats) for c in conditions)


def collector_configs(quality_control: Mapping[str, Any] | None) -> list[tuple[int, dict[str, Any]]]:
    """The (index, config) pairs of a ``quality_control`` object, skipping malformed entries."""
    out = []
    for index, config in enumerate((quality_control or {}).get("configs") or []):
        if isinstance(config, dict) and isinstance(config.get("collector_config"), dict):
            out.append((index, config))
    return out


def collector_type(config: Mapping[str, Any]) -> str:
    """The collector type of one config."""
    return str((config.get("collector_config") or {}).get("type") or "")


def collector_parameters(config: Mapping[str, Any]) -> dict[str, Any]:
    """The collector's parameters (``{}`` when it has none)."""
    return dict((config.get("collector_config") or {}).get("parameters") or {})


def rule_key(pool_id: int, index: int, config: Mapping[str, Any], rule_index: int) -> str:
    """A stable name for one rule: pool, collector uuid (or position) and rule position."""
    uuid = (config.get("collector_config") or {}).get("uuid") or f"#{index}"
    return f"{pool_id}:{uuid}:{rule_index}"[:200]


def check_config(quality_control: Any) -> dict[str, str]:
    """Conditions whose key the collector does not expose, and missing action parameters, by path."""
    problems: dict[str, str] = {}
    for index, config in collector_configs(quality_control if isinstance(quality_control, dict) else {}):
        kind = collector_type(config)
        keys = COLLECTOR_KEYS.get(kind, ())
        for j, rule in enumerate(config.get("rules") or []):
            if not isinstance(rule, dict):
                continue
            for k, condition in enumerate(rule.get("conditions") or []):
                if isinstance(condition, dict) and condition.get("key") not in keys:
                    problems[f"quality_control.configs.{index}.rules.{j}.conditions.{k}.key"] = (
                        f"{kind} offers {', '.join(keys)}; not {condition.get('key')}"
                    )
            action: dict[str, Any] = rule["action"] if isinstance(rule.get("action"), dict) else {}
            needed = {
                "SET_SKILL": ("skill_id", "skill_value"),
                "SET_SKILL_FROM_OUTPUT_FIELD": ("skill_id", "from_field"),
                "CHANGE_OVERLAP": ("delta",),
                "RESTRICTION": ("scope",),
                "RESTRICTION_V2": ("scope",),
            }.get(str(action.get("type")), ())
            parameters = action.get("parameters") or {}
            for name in needed:
                if parameters.get(name) is None:
                    problems[f"quality_control.configs.{index}.rules.{j}.action.parameters.{name}"] = (
                        f"{action.get('type')} needs {name}"
                    )
    return problems


# ---------------------------------------------------------------------------------------------
# Actions


def restriction_end(action: Mapping[str, Any], now: datetime) -> datetime | None:
    """When a RESTRICTION / RESTRICTION_V2 action's ban ends; None for a permanent ban."""
    parameters = action.get("parameters") or {}
    if action.get("type") == "RESTRICTION":
        days = parameters.get("duration_days")
        return None if days is None else now + timedelta(days=days)
    unit = parameters.get("duration_unit", "PERMANENT")
    duration = parameters.get("duration")
    if unit not in _UNIT_SECONDS or duration is None:
        return None
    return now + timedelta(seconds=int(duration) * _UNIT_SECONDS[unit])


def restriction_scope(action: Mapping[str, Any]) -> str:
    """The scope a restriction action bans from (PROJECT when the rule does not say)."""
    scope = (action.get("parameters") or {}).get("scope") or "PROJECT"
    return scope if scope in ("POOL", "PROJECT", "ALL_PROJECTS") else "PROJECT"


# ---------------------------------------------------------------------------------------------
# Statistics per collector (inputs are newest first, already cut to the history size)


def percent(part: int | float, whole: int | float) -> float:
    """A rate in percent as Toloka's conditions compare it (0 when there is no data)."""
    return 100.0 * part / whole if whole else 0.0


def golden_set_stats(control: Sequence[bool], training: Sequence[bool]) -> dict[str, Any]:
    """GOLDEN_SET: answers to control tasks, and to control + training tasks together."""
    every = [*control, *training]
    right, right_control = sum(every), sum(control)
    return {
        "total_answers_count": len(every),
        "correct_answers_rate": percent(right, len(every)),
        "incorrect_answers_rate": percent(len(every) - right, len(every)),
        "golden_set_answers_count": len(control),
        "golden_set_correct_answers_rate": percent(right_control, len(control)),
        "golden_set_incorrect_answers_rate": percent(len(control) - right_control, len(control)),
    }


def majority_vote_stats(agreements: Sequence[bool]) -> dict[str, Any]:
    """MAJORITY_VOTE: whether each answer agreed with the task's majority (tasks with a majority only)."""
    right = sum(agreements)
    return {
        "total_answers_count": len(agreements),
        "correct_answers_rate": percent(right, len(agreements)),
        "incorrect_answers_rate": percent(len(agreements) - right, len(agreements)),
    }


def submit_time_stats(durations: Sequence[float], threshold_seconds: float) -> dict[str, Any]:
    """ASSIGNMENT_SUBMIT_TIME: suites submitted, and those submitted faster than the threshold."""
    return {
        "total_submitted_count": len(durations),
        "fast_submitted_count": sum(1 for d in durations if d < threshold_seconds),
    }


def skipped_in_row(statuses: Iterable[str]) -> dict[str, Any]:
    """SKIPPED_IN_ROW_ASSIGNMENTS: suites skipped (or left to expire) since the last one done."""
    count = 0
    for status in statuses:
        if status not in ("SKIPPED", "EXPIRED"):
            break
        count += 1
    return {"skipped_in_row_count": count}


def answer_count_stats(completed: int) -> dict[str, Any]:
    """ANSWER_COUNT: suites the worker completed in the pool (submitted or accepted)."""
    return {"assignments_accepted_count": completed}


def assessment_stats(statuses: Iterable[str], event: str | None) -> dict[str, Any]:
    """ASSIGNMENTS_ASSESSMENT: the worker's suites by review state, and the review that just happened."""
    counts = Counter(statuses)
    return {
        "pending_assignments_count": counts["SUBMITTED"],
        "accepted_assignments_count": counts["ACCEPTED"],
        "rejected_assignments_count": counts["REJECTED"],
        "assessment_event": event,
    }


def acceptance_rate_stats(reviewed: Sequence[str]) -> dict[str, Any]:
    """ACCEPTANCE_RATE: share of the worker's reviewed suites that were accepted / rejected."""
    accepted = sum(1 for s in reviewed if s == "ACCEPTED")
    rejected = sum(1 for s in reviewed if s == "REJECTED")
    total = accepted + rejected
    return {
        "total_assignments_count": total,
        "accepted_assignments_rate": percent(accepted, total),
        "rejected_assignments_rate": percent(rejected, total),
    }


def income_stats(earned_micro: int) -> dict[str, Any]:
    """INCOME: what the worker earned from this requester in the last 24 hours, in USD."""
    return {"income_sum_for_last_24_hours": earned_micro / 1_000_000}


def captcha_stats(results: Sequence[bool]) -> dict[str, Any]:
    """CAPTCHA: captchas answered, and the share answered right / wrong."""
    right = sum(results)
    return {
        "stored_results_count": len(results),
        "success_rate": percent(right, len(results)),
        "fail_rate": percent(len(results) - right, len(results)),
    }


def training_stats(submitted: int, first_try: Sequence[bool], next_available: bool) -> dict[str, Any]:
    """TRAINING: suites done in the training, and the share of its tasks answered right the first time."""
    right = sum(first_try)
    return {
        "submitted_assignments_count": submitted,
        "total_answers_count": len(first_try),
        "correct_answers_rate": percent(right, len(first_try)),
        "incorrect_answers_rate": percent(len(first_try) - right, len(first_try)),
        "next_assignment_available": next_available,
    }


def users_assessment_stats(reason: str, skill_id: str | None) -> dict[str, Any]:
    """USERS_ASSESSMENT: why the worker just lost access to the pool (RESTRICTION or SKILL_CHANGE)."""
    return {"pool_access_revoked_reason": reason, "skill_id": skill_id}


def training_score(first_try: Sequence[bool]) -> float:
    """A training result: the percentage of training tasks answered right at the first attempt."""
    return percent(sum(first_try), len(first_try))


# ---------------------------------------------------------------------------------------------
# Dynamic overlap


def accuracy_estimate(correct: int, total: int) -> float:
    """A worker's accuracy from control answers, pulled toward PRIOR_ACCURACY when they are few:
    ``(correct + w * prior) / (total + w)``."""
    return (correct + PRIOR_WEIGHT * PRIOR_ACCURACY) / (total + PRIOR_WEIGHT)


def posterior_confidence(votes: Sequence[tuple[str, float]], n_labels: int) -> tuple[str | None, float]:
    """The most probable answer and the probability that it is right, given each vote's accuracy.

    With a uniform prior over ``L = max(n_labels, answers seen, 2)`` possible answers and a worker of
    accuracy ``q`` who picks any wrong answer with equal chance, the posterior of answer ``a`` is
    proportional to ``prod_{votes for a} q * prod_{other votes} (1 - q) / (L - 1)``. Accuracies are
    clipped to ``[1/L, 0.99]``: a worker below chance carries no evidence, none is certain.
    """
    if not votes:
        return None, 0.0
    seen = sorted({key for key, _ in votes})
    labels = max(n_labels, len(seen), 2)
    logs: dict[str, float] = {}
    unseen = 0.0
    for key in seen:
        total = 0.0
        for vote, q in votes:
            q = min(max(q, 1.0 / labels), 0.99)
            total += math.log(q) if vote == key else math.log((1.0 - q) / (labels - 1))
        logs[key] = total
    for _, q in votes:
        q = min(max(q, 1.0 / labels), 0.99)
        unseen += math.log((1.0 - q) / (labels - 1))
    top = max(logs.values())
    mass = {k: math.exp(v - top) for k, v in logs.items()}
    norm = sum(mass.values()) + (labels - len(seen)) * math.exp(unseen - top)
    best = max(seen, key=lambda k: mass[k])
    return best, mass[best] / norm


def dynamic_overlap_step(
    answers: int, overlap: int, max_overlap: int, confidence: float, min_confidence: float
) -> str:
    """What a task needs after an answer: ``"wait"`` for the answers already issued, ``"done"`` when
    confident enough or at the maximum overlap, else ``"raise"`` (one more answer)."""
    if answers < overlap:
        return "wait"
    if confidence >= min_confidence or overlap >= max_overlap:
        return "done"
    return "raise"
