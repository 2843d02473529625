"""Pure quality-control rules: every condition operator, every collector's statistics, actions'
parameters, answer checking, dynamic overlap confidence, and the captcha drawing."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from crowdlab.domain import captcha
from crowdlab.domain import quality_control as qc

NOW = datetime(2030, 1, 1, 12, 0, 0)


# ---------------------------------------------------------------------------------------------
# Conditions


@pytest.mark.parametrize(
    ("operator", "have", "want", "holds"),
    [
        ("EQ", 5, 5, True),
        ("EQ", 5, 5.0, True),
        ("EQ", 5, 6, False),
        ("NE", 5, 6, True),
        ("NE", 5, 5, False),
        ("GT", 60.0, 50, True),
        ("GT", 50.0, 50, False),
        ("GTE", 50.0, 50, True),
        ("GTE", 49.9, 50, False),
        ("LT", 40, 50, True),
        ("LT", 50, 50, False),
        ("LTE", 50, 50, True),
        ("LTE", 51, 50, False),
        ("EQ", "REJECT", "REJECT", True),
        ("EQ", "ACCEPT", "REJECT", False),
        ("NE", "ACCEPT", "REJECT", True),
        ("EQ", False, False, True),
        ("EQ", True, False, False),
        ("EQ", False, "false", True),
        ("NE", True, False, True),
        ("GT", "ACCEPT", 1, False),  # incomparable: never holds
        ("GT", True, 0, False),  # booleans are not numbers here
        ("EQ", None, None, True),
        ("GT", None, 1, False),
        ("BETWEEN", 1, 1, False),  # unknown operator
    ],
)
def test_condition_operators(operator: str, have: Any, want: Any, holds: bool) -> None:
    assert qc.condition_holds({"key": "k", "operator": operator, "value": want}, {"k": have}) is holds


def test_condition_on_a_key_the_collector_does_not_have_never_holds() -> None:
    assert not qc.condition_holds({"key": "other", "operator": "EQ", "value": 0}, {"k": 0})
    assert not qc.condition_holds({"operator": "EQ", "value": 0}, {"k": 0})


def test_rule_conditions_are_anded_and_an_empty_rule_never_fires() -> None:
    stats = {"total_answers_count": 5, "correct_answers_rate": 40.0}
    rule = {
        "conditions": [
            {"key": "total_answers_count", "operator": "GTE", "value": 5},
            {"key": "correct_answers_rate", "operator": "LT", "value": 50},
        ]
    }
    assert qc.rule_fires(rule, stats)
    assert not qc.rule_fires(rule, {**stats, "total_answers_count": 4})
    assert not qc.rule_fires({"conditions": []}, stats)
    assert not qc.rule_fires({}, stats)


def test_collector_configs_and_rule_keys() -> None:
    doc = {
        "configs": [
            {"collector_config": {"type": "GOLDEN_SET", "uuid": "u-1", "parameters": {"history_size": 5}}},
            "garbage",
            {"collector_config": {"type": "ANSWER_COUNT"}},
        ]
    }
    configs = qc.collector_configs(doc)
    assert [i for i, _ in configs] == [0, 2]
    assert qc.collector_type(configs[0][1]) == "GOLDEN_SET"
    assert qc.collector_parameters(configs[0][1]) == {"history_size": 5}
    assert qc.collector_parameters(configs[1][1]) == {}
    assert qc.rule_key(7, 0, configs[0][1], 1) == "7:u-1:1"
    assert qc.rule_key(7, 2, configs[1][1], 0) == "7:#2:0"
    assert qc.collector_configs(None) == []


def test_check_config_names_incompatible_keys_and_missing_parameters() -> None:
    doc = {
        "configs": [
            {
                "collector_config": {"type": "CAPTCHA"},
                "rules": [
                    {
                        "conditions": [
                            {"key": "fail_rate", "operator": "GT", "value": 20},
                            {"key": "fast_submitted_count", "operator": "GT", "value": 1},
                        ],
                        "action": {"type": "SET_SKILL", "parameters": {"skill_id": "1"}},
                    }
                ],
            }
        ]
    }
    problems = qc.check_config(doc)
    assert set(problems) == {
        "quality_control.configs.0.rules.0.conditions.1.key",
        "quality_control.configs.0.rules.0.action.parameters.skill_value",
    }


def test_every_collector_lists_its_events_and_keys() -> None:
    assert set(qc.COLLECTOR_KEYS) == set(qc.COLLECTOR_EVENTS)
    assert len(qc.COLLECTOR_KEYS) == 11


# ---------------------------------------------------------------------------------------------
# Actions' parameters


@pytest.mark.parametrize(
    ("action", "ends"),
    [
        (
            {"type": "RESTRICTION", "parameters": {"scope": "POOL", "duration_days": 2}},
            NOW + timedelta(days=2),
        ),
        ({"type": "RESTRICTION", "parameters": {"scope": "POOL"}}, None),
        (
            {
                "type": "RESTRICTION_V2",
                "parameters": {"scope": "PROJECT", "duration": 15, "duration_unit": "MINUTES"},
            },
            NOW + timedelta(minutes=15),
        ),
        (
            {
                "type": "RESTRICTION_V2",
                "parameters": {"scope": "PROJECT", "duration": 3, "duration_unit": "HOURS"},
            },
            NOW + timedelta(hours=3),
        ),
        (
            {
                "type": "RESTRICTION_V2",
                "parameters": {"scope": "PROJECT", "duration": 1, "duration_unit": "DAYS"},
            },
            NOW + timedelta(days=1),
        ),
        (
            {"type": "RESTRICTION_V2", "parameters": {"scope": "ALL_PROJECTS", "duration_unit": "PERMANENT"}},
            None,
        ),
        ({"type": "RESTRICTION_V2", "parameters": {"scope": "ALL_PROJECTS"}}, None),
    ],
)
def test_restriction_end(action: dict[str, Any], ends: datetime | None) -> None:
    assert qc.restriction_end(action, NOW) == ends


def test_restriction_scope_defaults_to_project() -> None:
    assert qc.restriction_scope({"parameters": {"scope": "POOL"}}) == "POOL"
    assert qc.restriction_scope({"parameters": {"scope": "ALL_PROJECTS"}}) == "ALL_PROJECTS"
    assert qc.restriction_scope({}) == "PROJECT"
    assert qc.restriction_scope({"parameters": {"scope": "SYSTEM"}}) == "PROJECT"


# ---------------------------------------------------------------------------------------------
# Answers


def test_is_correct_matches_any_known_solution_on_its_fields() -> None:
    known = [{"output_values": {"result": "cat"}}, {"output_values": {"result": "lion"}}]
    assert qc.is_correct({"result": "Cat "}, known)
    assert qc.is_correct({"result": "lion", "extra": 1}, known)
    assert not qc.is_correct({"result": "dog"}, known)
    assert not qc.is_correct({"result": "cat"}, None)
    assert qc.is_correct({"n": 3}, [{"output_values": {"n": 3.0}}])
    assert not qc.is_correct({"flag": 1}, [{"output_values": {"flag": True}}])


def test_answer_keys_and_majority() -> None:
    assert qc.answer_key({"a": "Cat", "b": 1}) == qc.answer_key({"b": 1, "a": " cat "})
    assert qc.answer_key({"a": "x", "b": 1}, ["a"]) == qc.answer_key({"a": "x", "b": 2}, ["a"])
    assert qc.majority_answer(["x", "x", "y"], 2) == "x"
    assert qc.majority_answer(["x", "y"], 2) is None
    assert qc.majority_answer(["x", "x", "y", "y"], 2) is None  # a tie has no majority
    assert qc.majority_answer([], 1) is None


# ---------------------------------------------------------------------------------------------
# Collectors' statistics


def test_golden_set_stats() -> None:
    stats = qc.golden_set_stats([True, False, False, True], [True])
    assert stats == {
        "total_answers_count": 5,
        "correct_answers_rate": 60.0,
        "incorrect_answers_rate": 40.0,
        "golden_set_answers_count": 4,
        "golden_set_correct_answers_rate": 50.0,
        "golden_set_incorrect_answers_rate": 50.0,
    }
    empty = qc.golden_set_stats([], [])
    assert empty["total_answers_count"] == 0 and empty["correct_answers_rate"] == 0.0


def test_majority_vote_stats() -> None:
    assert qc.majority_vote_stats([True, True, False, True]) == {
        "total_answers_count": 4,
        "correct_answers_rate": 75.0,
        "incorrect_answers_rate": 25.0,
    }


def test_submit_time_stats() -> None:
    assert qc.submit_time_stats([1.0, 30.0, 4.9, 5.0], 5) == {
        "total_submitted_count": 4,
        "fast_submitted_count": 2,
    }


def test_skipped_in_row_counts_skips_and_expiries_until_a_done_suite() -> None:
    assert qc.skipped_in_row(["SKIPPED", "EXPIRED", "SKIPPED", "ACCEPTED", "SKIPPED"]) == {
        "skipped_in_row_count": 3
    }
    assert qc.skipped_in_row(["SUBMITTED", "SKIPPED"]) == {"skipped_in_row_count": 0}
    assert qc.skipped_in_row([]) == {"skipped_in_row_count": 0}


def test_answer_count_assessment_and_acceptance_rate() -> None:
    assert qc.answer_count_stats(7) == {"assignments_accepted_count": 7}
    assert qc.assessment_stats(["SUBMITTED", "ACCEPTED", "REJECTED", "ACCEPTED", "SKIPPED"], "REJECT") == {
        "pending_assignments_count": 1,
        "accepted_assignments_count": 2,
        "rejected_assignments_count": 1,
        "assessment_event": "REJECT",
    }
    assert qc.acceptance_rate_stats(["ACCEPTED", "REJECTED", "ACCEPTED", "ACCEPTED"]) == {
        "total_assignments_count": 4,
        "accepted_assignments_rate": 75.0,
        "rejected_assignments_rate": 25.0,
    }


def test_income_captcha_training_and_users_assessment() -> None:
    assert qc.income_stats(2_500_000) == {"income_sum_for_last_24_hours": 2.5}
    assert qc.captcha_stats([True, False, False, False]) == {
        "stored_results_count": 4,
        "success_rate": 25.0,
        "fail_rate": 75.0,
    }
    assert qc.training_stats(2, [True, True, False, True], False) == {
        "submitted_assignments_count": 2,
        "total_answers_count": 4,
        "correct_answers_rate": 75.0,
        "incorrect_answers_rate": 25.0,
        "next_assignment_available": False,
    }
    assert qc.users_assessment_stats("RESTRICTION", None) == {
        "pool_access_revoked_reason": "RESTRICTION",
        "skill_id": None,
    }
    assert qc.training_score([True, False, True, True]) == 75.0
    assert qc.training_score([]) == 0.0


# ---------------------------------------------------------------------------------------------
# Dynamic overlap


def test_posterior_confidence_grows_with_agreement_and_accuracy() -> None:
    one, c1 = qc.posterior_confidence([("a", 0.8)], 2)
    two, c2 = qc.posterior_confidence([("a", 0.8), ("a", 0.8)], 2)
    assert one == two == "a"
    assert c1 == pytest.approx(0.8)
    assert c2 == pytest.approx(0.64 / (0.64 + 0.04))
    _, split = qc.posterior_confidence([("a", 0.8), ("b", 0.8)], 2)
    assert split == pytest.approx(0.5)
    best, weighted = qc.posterior_confidence([("a", 0.95), ("b", 0.6)], 2)
    assert best == "a" and weighted > 0.9
    # more possible answers: agreement is stronger evidence
    _, four = qc.posterior_confidence([("a", 0.8), ("a", 0.8)], 4)
    assert four > c2
    assert qc.posterior_confidence([], 2) == (None, 0.0)


def test_posterior_ignores_workers_below_chance() -> None:
    _, alone = qc.posterior_confidence([("a", 0.9)], 2)
    _, with_spammer = qc.posterior_confidence([("a", 0.9), ("b", 0.1)], 2)
    assert with_spammer == pytest.approx(alone)


def test_accuracy_estimate_is_pulled_to_the_prior() -> None:
    assert qc.accuracy_estimate(0, 0) == pytest.approx(qc.PRIOR_ACCURACY)
    assert qc.accuracy_estimate(10, 10) > 0.9
    assert qc.accuracy_estimate(0, 10) < 0.2


@pytest.mark.parametrize(
    ("answers", "overlap", "confidence", "step"),
    [(1, 2, 0.99, "wait"), (2, 2, 0.95, "done"), (2, 2, 0.5, "raise"), (4, 4, 0.5, "done")],
)
def test_dynamic_overlap_step(answers: int, overlap: int, confidence: float, step: str) -> None:
    assert qc.dynamic_overlap_step(answers, overlap, 4, confidence, 0.9) == step


# ---------------------------------------------------------------------------------------------
# Captcha


def test_captcha_image_does_not_contain_the_answer() -> None:
    rng = random.Random(3)
    for _ in range(20):
        text = captcha.new_text(rng)
        assert len(text) == captcha.LENGTH and set(text) <= set(captcha.ALPHABET)
        svg = captcha.render_svg(text, rng)
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert "<text" not in svg and text not in svg
        url = captcha.data_url(svg)
        assert url.startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(url.split(",", 1)[1]).decode() == svg


def test_captcha_answer_hash_normalizes_case_and_spaces() -> None:
    stored = captcha.answer_hash("salt", "AC4FX")
    assert captcha.answer_hash("salt", " ac4 fx ") == stored
    assert captcha.answer_hash("other", "AC4FX") != stored
    assert captcha.answer_hash("salt", "AC4FY") != stored
