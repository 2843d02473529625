"""What a pool may hold, and the checks on it: money, durations, overlap defaults, mixer, filter,
quality control. Pure: the caller provides the project and looks up the skills."""

from __future__ import annotations

import uuid
from typing import Any

from crowdlab.domain.clock import parse_dt
from crowdlab.domain.filters import validate_filter
from crowdlab.domain.money import to_micro
from crowdlab.domain.quality_control import check_config
from crowdlab.domain.specs import FieldError

WRITABLE = (
    "project_id",
    "private_name",
    "private_comment",
    "public_description",
    "public_instructions",
    "may_contain_adult_content",
    "reward_per_assignment",
    "assignment_max_duration_seconds",
    "will_expire",
    "auto_close_after_complete_delay_seconds",
    "auto_accept_solutions",
    "auto_accept_period_day",
    "assignments_issuing_config",
    "priority",
    "defaults",
    "mixer_config",
    "training_config",
    "dynamic_overlap_config",
    "dynamic_pricing_config",
    "speed_quality_balance",
    "filter",
    "quality_control",
    "metadata",
)
MIXER_COUNTS = ("real_tasks_count", "golden_tasks_count", "training_tasks_count")
COLLECTORS = (
    "CAPTCHA",
    "ASSIGNMENT_SUBMIT_TIME",
    "GOLDEN_SET",
    "MAJORITY_VOTE",
    "SKIPPED_IN_ROW_ASSIGNMENTS",
    "ANSWER_COUNT",
    "ASSIGNMENTS_ASSESSMENT",
    "USERS_ASSESSMENT",
    "INCOME",
    "ACCEPTANCE_RATE",
    "TRAINING",
)
ACTIONS = (
    "RESTRICTION",
    "RESTRICTION_V2",
    "SET_SKILL",
    "SET_SKILL_FROM_OUTPUT_FIELD",
    "CHANGE_OVERLAP",
    "REJECT_ALL_ASSIGNMENTS",
    "APPROVE_ALL_ASSIGNMENTS",
)
OPERATORS = ("EQ", "NE", "GT", "GTE", "LT", "LTE")
CAPTCHA_FREQUENCIES = ("LOW", "MEDIUM", "HIGH")
MAX_DURATION = 7 * 24 * 3600


TRAINING_WRITABLE = (
    "project_id",
    "private_name",
    "private_comment",
    "may_contain_adult_content",
    "assignment_max_duration_seconds",
    "mix_tasks_in_creation_order",
    "shuffle_tasks_in_task_suite",
    "training_tasks_in_task_suite_count",
    "task_suites_required_to_pass",
    "retry_training_after_days",
    "inherited_instructions",
    "public_instructions",
    "metadata",
)


def _int_field(doc: dict[str, Any], key: str, low: int, high: int, errors: dict[str, FieldError]) -> None:
    value = doc.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors[key] = FieldError("INTEGER_EXPECTED", f"{key} must be an integer")
    elif not low <= value <= high:
        errors[key] = FieldError(
            "VALUE_OUT_OF_BOUNDS", f"{key} must be between {low} and {high}, not {value}"
        )


def clean_pool(body: Any) -> tuple[dict[str, Any], dict[str, FieldError]]:
    """Keep the writable fields of a Pool body and check them; returns (doc, errors)."""
    if not isinstance(body, dict):
        return {}, {"": FieldError("OBJECT_EXPECTED", "The request body must be a JSON object")}
    doc = {k: body[k] for k in WRITABLE if body.get(k) is not None}
    errors: dict[str, FieldError] = {}
    if not isinstance(doc.get("project_id"), str | int):
        errors["project_id"] = FieldError("VALUE_REQUIRED", "A pool needs the project_id it belongs to")
    else:
        doc["project_id"] = str(doc["project_id"])
    if not isinstance(doc.get("private_name"), str) or not doc["private_name"].strip():
        errors["private_name"] = FieldError("VALUE_REQUIRED", "A pool needs a private_name")
    reward = doc.get("reward_per_assignment")
    if reward is None:
        errors["reward_per_assignment"] = FieldError(
            "VALUE_REQUIRED", "A pool needs reward_per_assignment (USD)"
        )
    else:
        try:
            micro = to_micro(reward)
            if micro < 0 or micro > 100_000_000:
                errors["reward_per_assignment"] = FieldError(
                    "VALUE_OUT_OF_BOUNDS", "reward_per_assignment must be between 0 and 100"
                )
        except ValueError as exc:
            errors["reward_per_assignment"] = FieldError("FLOAT_EXPECTED", str(exc))
    if doc.get("assignment_max_duration_seconds") is None:
        errors["assignment_max_duration_seconds"] = FieldError(
            "VALUE_REQUIRED", "A pool needs assignment_max_duration_seconds"
        )
    _int_field(doc, "assignment_max_duration_seconds", 1, MAX_DURATION, errors)
    _int_field(doc, "auto_close_after_complete_delay_seconds", 0, 259200, errors)
    _int_field(doc, "auto_accept_period_day", 1, 21, errors)
    _int_field(doc, "priority", -100, 100, errors)
    for key in ("auto_accept_solutions", "may_contain_adult_content"):
        if key in doc and not isinstance(doc[key], bool):
            errors[key] = FieldError("BOOLEAN_EXPECTED", f"{key} must be true or false")
    if "will_expire" in doc:
        try:
            parse_dt(str(doc["will_expire"]))
        except ValueError as exc:
            errors["will_expire"] = FieldError("INVALID_DATE_TIME_SYNTAX", str(exc))
    defaults = doc.get("defaults")
    if defaults is not None:
        if not isinstance(defaults, dict):
            errors["defaults"] = FieldError("OBJECT_EXPECTED", "defaults must be an object")
        else:
            for key in ("default_overlap_for_new_task_suites", "default_overlap_for_new_tasks"):
                sub: dict[str, FieldError] = {}
                _int_field(defaults, key, 0, 100_000, sub)
                errors.update({f"defaults.{k}": v for k, v in sub.items()})
    errors.update(_check_mixer(doc.get("mixer_config")))
    errors.update(validate_filter(doc.get("filter")))
    errors.update(_check_quality_control(doc))
    if not errors:
        errors.update(
            {
                path: FieldError("VALUE_NOT_ALLOWED", message)
                for path, message in check_config(doc["quality_control"]).items()
            }
        )
    return doc, errors


def _check_mixer(mixer: Any) -> dict[str, FieldError]:
    if mixer is None:
        return {}
    if not isinstance(mixer, dict):
        return {"mixer_config": FieldError("OBJECT_EXPECTED", "mixer_config must be an object")}
    errors: dict[str, FieldError] = {}
    for key in (*MIXER_COUNTS, "min_real_tasks_count", "min_golden_tasks_count", "min_training_tasks_count"):
        sub: dict[str, FieldError] = {}
        _int_field(mixer, key, 0, 1000, sub)
        errors.update({f"mixer_config.{k}": v for k, v in sub.items()})
    if not errors and sum(mixer.get(k) or 0 for k in MIXER_COUNTS) == 0:
        errors["mixer_config.real_tasks_count"] = FieldError(
            "VALUE_LESS_THAN_MIN", "A task suite needs at least one task: set real_tasks_count"
        )
    return errors


def _check_quality_control(doc: dict[str, Any]) -> dict[str, FieldError]:
    qc = doc.get("quality_control")
    if qc is None:
        doc["quality_control"] = {"configs": []}
        return {}
    if not isinstance(qc, dict):
        return {"quality_control": FieldError("OBJECT_EXPECTED", "quality_control must be an object")}
    errors: dict[str, FieldError] = {}
    frequency = qc.get("captcha_frequency")
    if frequency is not None and frequency not in CAPTCHA_FREQUENCIES:
        errors["quality_control.captcha_frequency"] = FieldError(
            "UNKNOWN_ENUM_VALUE", "captcha_frequency must be LOW, MEDIUM or HIGH"
        )
    configs = qc.setdefault("configs", [])
    if not isinstance(configs, list):
        return {"quality_control.configs": FieldError("ARRAY_EXPECTED", "configs must be a list")}
    for i, config in enumerate(configs):
        path = f"quality_control.configs.{i}"
        collector = config.get("collector_config") if isinstance(config, dict) else None
        if not isinstance(collector, dict) or collector.get("type") not in COLLECTORS:
            errors[f"{path}.collector_config.type"] = FieldError(
                "UNKNOWN_ENUM_VALUE", f"collector type must be one of {', '.join(COLLECTORS)}"
            )
            continue
        if collector.get("uuid") is None:
            collector["uuid"] = str(uuid.uuid4())
        for j, rule in enumerate(config.get("rules") or []):
            rpath = f"{path}.rules.{j}"
            action = rule.get("action") if isinstance(rule, dict) else None
            if not isinstance(action, dict) or action.get("type") not in ACTIONS:
                errors[f"{rpath}.action.type"] = FieldError(
                    "UNKNOWN_ENUM_VALUE", f"action type must be one of {', '.join(ACTIONS)}"
                )
            for k, condition in enumerate(rule.get("conditions") or [] if isinstance(rule, dict) else []):
                if not isinstance(condition, dict) or not isinstance(condition.get("key"), str):
                    errors[f"{rpath}.conditions.{k}.key"] = FieldError(
                        "VALUE_REQUIRED", "A condition needs a key"
                    )
                elif condition.get("operator") not in OPERATORS:
                    errors[f"{rpath}.conditions.{k}.operator"] = FieldError(
                        "UNKNOWN_ENUM_VALUE", f"operator must be one of {', '.join(OPERATORS)}"
                    )
    return errors


def clean_training(body: Any) -> tuple[dict[str, Any], dict[str, FieldError]]:
    """Keep the writable fields of a Training body and check them; returns (doc, errors)."""
    if not isinstance(body, dict):
        return {}, {"": FieldError("OBJECT_EXPECTED", "The request body must be a JSON object")}
    doc = {k: body[k] for k in TRAINING_WRITABLE if body.get(k) is not None}
    errors: dict[str, FieldError] = {}
    if not isinstance(doc.get("project_id"), str | int):
        errors["project_id"] = FieldError("VALUE_REQUIRED", "A training needs the project_id it belongs to")
    else:
        doc["project_id"] = str(doc["project_id"])
    if not isinstance(doc.get("private_name"), str) or not doc["private_name"].strip():
        errors["private_name"] = FieldError("VALUE_REQUIRED", "A training needs a private_name")
    if doc.get("assignment_max_duration_seconds") is None:
        errors["assignment_max_duration_seconds"] = FieldError(
            "VALUE_REQUIRED", "A training needs assignment_max_duration_seconds"
        )
    _int_field(doc, "assignment_max_duration_seconds", 1, MAX_DURATION, errors)
    _int_field(doc, "training_tasks_in_task_suite_count", 1, 1000, errors)
    _int_field(doc, "task_suites_required_to_pass", 1, 1000, errors)
    _int_field(doc, "retry_training_after_days", 1, 365, errors)
    for key in (
        "may_contain_adult_content",
        "mix_tasks_in_creation_order",
        "shuffle_tasks_in_task_suite",
        "inherited_instructions",
    ):
        if key in doc and not isinstance(doc[key], bool):
            errors[key] = FieldError("BOOLEAN_EXPECTED", f"{key} must be true or false")
    doc.setdefault("training_tasks_in_task_suite_count", 1)
    doc["reward_per_assignment"] = 0
    return doc, errors


def mixer_of(pool_type: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The suite composition of a pool or training: the mixer config, or the training's task count."""
    if pool_type == "TRAINING":
        return {
            "real_tasks_count": 0,
            "golden_tasks_count": 0,
            "training_tasks_count": doc.get("training_tasks_in_task_suite_count") or 1,
            "shuffle_tasks_in_task_suite": bool(doc.get("shuffle_tasks_in_task_suite")),
        }
    return doc.get("mixer_config") or {"real_tasks_count": 1}
