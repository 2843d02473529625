"""What a project may hold, and the checks on it (specs, view spec envelope)."""

from __future__ import annotations

import json
from typing import Any

from crowdlab.domain.specs import FieldError, validate_spec

WRITABLE = (
    "public_name",
    "public_description",
    "public_instructions",
    "private_comment",
    "task_spec",
    "assignments_issuing_type",
    "assignments_issuing_view_config",
    "assignments_automerge_enabled",
    "max_active_assignments_count",
    "quality_control",
    "metadata",
    "localization_config",
)


def clean_project(body: Any) -> tuple[dict[str, Any], dict[str, FieldError]]:
    """Keep the writable fields of a project body and check them; returns (doc, errors)."""
    if not isinstance(body, dict):
        return {}, {"": FieldError("OBJECT_EXPECTED", "The request body must be a JSON object")}
    doc = {k: body[k] for k in WRITABLE if body.get(k) is not None}
    errors: dict[str, FieldError] = {}
    if not isinstance(doc.get("public_name"), str) or not doc["public_name"].strip():
        errors["public_name"] = FieldError("VALUE_REQUIRED", "A project needs a public_name")
    for key in ("public_description", "public_instructions", "private_comment"):
        if key in doc and not isinstance(doc[key], str):
            errors[key] = FieldError("STRING_EXPECTED", f"{key} must be a string")
    doc.setdefault("assignments_issuing_type", "AUTOMATED")
    if doc["assignments_issuing_type"] not in ("AUTOMATED", "MAP_SELECTOR"):
        errors["assignments_issuing_type"] = FieldError(
            "UNKNOWN_ENUM_VALUE", "assignments_issuing_type must be AUTOMATED or MAP_SELECTOR"
        )
    spec = doc.get("task_spec")
    if spec is None:
        errors["task_spec"] = FieldError("VALUE_REQUIRED", "A project needs a task_spec")
    elif not isinstance(spec, dict):
        errors["task_spec"] = FieldError("OBJECT_EXPECTED", "task_spec must be an object")
    else:
        errors.update(validate_spec(spec.get("input_spec"), "task_spec.input_spec"))
        if not spec.get("output_spec"):
            errors["task_spec.output_spec"] = FieldError("VALUE_REQUIRED", "task_spec needs an output_spec")
        else:
            errors.update(validate_spec(spec.get("output_spec"), "task_spec.output_spec"))
        view_spec = spec.get("view_spec")
        if view_spec is not None:
            errors.update(_check_view_spec(view_spec))
    return doc, errors


def _check_view_spec(view_spec: Any) -> dict[str, FieldError]:
    path = "task_spec.view_spec"
    if not isinstance(view_spec, dict):
        return {path: FieldError("OBJECT_EXPECTED", "view_spec must be an object")}
    kind = view_spec.get("type")
    if kind == "tb":
        config = view_spec.get("config")
        if not isinstance(config, str):
            return {
                f"{path}.config": FieldError(
                    "STRING_EXPECTED", "A Template Builder config must be a JSON string"
                )
            }
        try:
            parsed = json.loads(config)
        except json.JSONDecodeError as exc:
            return {
                f"{path}.config": FieldError(
                    "JSON_EXPECTED",
                    f"The config is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                )
            }
        if not isinstance(parsed, dict) or not isinstance(parsed.get("view"), dict):
            return {f"{path}.config": FieldError("VALUE_REQUIRED", "The config needs a 'view' component")}
        lock = view_spec.setdefault("lock", {})
        if not isinstance(lock, dict):
            return {f"{path}.lock": FieldError("OBJECT_EXPECTED", "lock must be an object")}
        lock.setdefault("core", "1.0.0")
        bad = [k for k, v in lock.items() if not str(v).startswith("1.")]
        if bad:
            return {
                f"{path}.lock": FieldError(
                    "INVALID_VALUE", f"Only 1.x component versions exist: {', '.join(bad)}"
                )
            }
        view_spec.setdefault("inferDataSpec", False)
        return {}
    if kind == "classic":
        if not isinstance(view_spec.get("markup", ""), str):
            return {f"{path}.markup": FieldError("STRING_EXPECTED", "markup must be a string")}
        return {}
    return {f"{path}.type": FieldError("UNKNOWN_ENUM_VALUE", "view_spec.type must be 'tb' or 'classic'")}


def tb_config(project_doc: dict[str, Any]) -> dict[str, Any] | None:
    """The decoded Template Builder config of a project, or None for classic/no view spec."""
    view_spec = (project_doc.get("task_spec") or {}).get("view_spec") or {}
    if view_spec.get("type") != "tb":
        return None
    try:
        parsed = json.loads(view_spec.get("config") or "null")
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None
