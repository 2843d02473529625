"""Worker profiles: what a worker declares about themself, and what pool filters look at."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from crowdlab.domain.errors import ValidationFailed
from crowdlab.domain.specs import FieldError

EDUCATION = ("BASIC", "MIDDLE", "HIGH")
GENDERS = ("MALE", "FEMALE")
DEVICES = ("PERSONAL_COMPUTER", "SMARTPHONE", "TABLET", "WEARABLE_COMPUTER")
_LANGUAGE = re.compile(r"^[A-Z]{2}(-[A-Z]{2,4})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def clean_profile(raw: Any) -> dict[str, Any]:
    """Validate and normalise a profile object; raises ValidationFailed naming each bad field."""
    if not isinstance(raw, dict):
        raise ValidationFailed({"profile": FieldError("OBJECT_EXPECTED", "The profile must be an object")})
    errors: dict[str, FieldError] = {}
    clean: dict[str, Any] = {}
    languages = raw.get("languages", [])
    if isinstance(languages, str):
        languages = [part for part in re.split(r"[,\s]+", languages) if part]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        errors["profile.languages"] = FieldError(
            "ARRAY_EXPECTED", "languages must be a list such as ['EN', 'FR']"
        )
    else:
        upper = [x.strip().upper() for x in languages]
        bad = [x for x in upper if not _LANGUAGE.match(x)]
        if bad:
            errors["profile.languages"] = FieldError(
                "INVALID_VALUE", f"Unknown language code(s): {', '.join(bad)}"
            )
        clean["languages"] = sorted(set(upper))
    for key, pattern, allowed in (
        ("country", _COUNTRY, None),
        ("citizenship", _COUNTRY, None),
        ("education", None, EDUCATION),
        ("gender", None, GENDERS),
        ("device_category", None, DEVICES),
    ):
        value = raw.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            errors[f"profile.{key}"] = FieldError("STRING_EXPECTED", f"{key} must be text")
            continue
        value = value.strip().upper()
        if (pattern and not pattern.match(value)) or (allowed and value not in allowed):
            hint = f"one of {', '.join(allowed)}" if allowed else "a two-letter ISO code such as US"
            errors[f"profile.{key}"] = FieldError("INVALID_VALUE", f"{key} must be {hint}, not {value!r}")
            continue
        clean[key] = value
    birth_year = raw.get("birth_year")
    if birth_year not in (None, ""):
        this_year = datetime.now(UTC).year
        if (
            isinstance(birth_year, bool)
            or not isinstance(birth_year, int | str)
            or not str(birth_year).isdigit()
        ):
            errors["profile.birth_year"] = FieldError(
                "INTEGER_EXPECTED", "birth_year must be a year such as 1990"
            )
        elif not this_year - 120 <= int(birth_year) <= this_year - 14:
            errors["profile.birth_year"] = FieldError(
                "VALUE_OUT_OF_BOUNDS", f"birth_year must be between {this_year - 120} and {this_year - 14}"
            )
        else:
            clean["birth_year"] = int(birth_year)
    if raw.get("verified") is not None:
        errors["profile.verified"] = FieldError(
            "VALUE_NOT_ALLOWED", "verified is set by the platform, not by workers"
        )
    for key in ("adult_allowed",):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, bool):
            errors[f"profile.{key}"] = FieldError("BOOLEAN_EXPECTED", f"{key} must be true or false")
        else:
            clean[key] = value
    city = raw.get("city")
    if city not in (None, ""):
        if isinstance(city, bool) or not isinstance(city, int):
            errors["profile.city"] = FieldError("INTEGER_EXPECTED", "city must be a region id (a number)")
        else:
            clean["city"] = city
    if errors:
        raise ValidationFailed(errors)
    return clean


def filter_attributes(profile: dict[str, Any]) -> dict[str, Any]:
    """The values pool filters compare, keyed by filter key (profile and computed categories)."""
    attrs = dict(profile)
    if "birth_year" in profile:
        attrs["date_of_birth"] = int(datetime(profile["birth_year"], 1, 1, tzinfo=UTC).timestamp())
    attrs.setdefault("adult_allowed", False)
    attrs.setdefault("client_type", "BROWSER")
    return attrs
