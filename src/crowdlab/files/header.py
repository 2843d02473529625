"""The header row of a task file: which column feeds which part of a task.

Recognised headers (the order of columns does not matter):

==========================  ====================================================================
``INPUT:<input field>``     input data; the field must exist in the project's input spec
``GOLDEN:<output field>``   the correct answer of a control task; the field must be an output field
``HINT:text``               the hint of a training task
``Al:latitude``             latitude of a field task (``AI:`` is accepted too); needs ``Al:longitude``
``Al:longitude``            longitude of a field task
``TASK:overlap``            per-task overlap (a positive integer)
``TASK:id``                 ignored (the task id column of an aggregated-results file)
``OUTPUT:*``, ``ASSIGNMENT:*``, ``ACCEPT:*``, ``CONFIDENCE:*``
                            columns of a results file: ignored, so a downloaded results file can be
                            uploaded again
==========================  ====================================================================

Prefixes are matched without regard to case, field names exactly. Anything else rejects the file with
a :class:`~crowdlab.files.errors.TaskFileError` that names the header; so does a missing column for a
required input field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from crowdlab.files.cells import field_kind
from crowdlab.files.errors import (
    DUPLICATE_HEADER,
    EMPTY_HEADER,
    MISSING_HEADER,
    UNKNOWN_FIELD,
    UNKNOWN_HEADER,
    TaskFileError,
)

Role = Literal["input", "golden", "hint", "latitude", "longitude", "overlap"]
Spec = Mapping[str, Mapping[str, Any]]

IGNORED_PREFIXES = frozenset({"OUTPUT", "ASSIGNMENT", "ACCEPT", "CONFIDENCE"})
LATITUDE = "Al:latitude"
LONGITUDE = "Al:longitude"
HINT = "HINT:text"
OVERLAP = "TASK:overlap"


@dataclass(frozen=True, slots=True)
class Column:
    """One used column: its position, header text, role and (for INPUT/GOLDEN) field name and spec."""

    index: int
    header: str
    role: Role
    name: str = ""
    spec: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "string"

    @property
    def required(self) -> bool:
        """Whether the field must have a value (FieldSpec ``required``, true by default)."""
        return bool(self.spec.get("required", True))


@dataclass(frozen=True, slots=True)
class Layout:
    """The used columns of a header, grouped by role, and the header's total width."""

    width: int
    inputs: tuple[Column, ...]
    golden: tuple[Column, ...]
    hint: Column | None
    latitude: Column | None
    longitude: Column | None
    overlap: Column | None
    golden_names: frozenset[str]


def _unknown_field(header: str, name: str, spec: Spec, what: str) -> TaskFileError:
    close = [known for known in spec if known.lower() == name.lower()]
    hint = (
        f" Did you mean {header.split(':', 1)[0]}:{close[0]}? Field names are case-sensitive."
        if close
        else ""
    )
    known = ", ".join(spec) or "none"
    return TaskFileError(
        UNKNOWN_FIELD,
        f"Column {header!r}: the project has no {what} field {name!r} (its {what} fields: {known}).{hint}",
        header=header,
    )


def parse_header(
    headers: Sequence[str],
    input_spec: Spec | None,
    output_spec: Spec | None,
    *,
    line: int = 1,
    require_inputs: bool = True,
) -> Layout:
    """Map header texts to columns; TaskFileError naming the header when one is wrong or missing."""
    input_spec = input_spec or {}
    output_spec = output_spec or {}
    seen: dict[str, int] = {}
    inputs: list[Column] = []
    golden: list[Column] = []
    single: dict[str, Column] = {}
    for index, raw in enumerate(headers):
        header = raw.strip()
        if not header:
            raise TaskFileError(
                EMPTY_HEADER,
                f"Column {index + 1} of the header is empty; "
                "every column needs a header such as INPUT:<field>",
                header="",
                line=line,
            )
        if header in seen:
            raise TaskFileError(
                DUPLICATE_HEADER,
                f"Column {header!r} appears twice (columns {seen[header] + 1} and {index + 1})",
                header=header,
                line=line,
            )
        seen[header] = index
        prefix, _, name = header.partition(":")
        upper = prefix.upper()
        if upper == "INPUT" and name:
            if name not in input_spec:
                raise _unknown_field(header, name, input_spec, "input")
            spec = input_spec[name]
            inputs.append(Column(index, header, "input", name, spec, field_kind(spec)))
        elif upper == "GOLDEN" and name:
            if name not in output_spec:
                raise _unknown_field(header, name, output_spec, "output")
            spec = output_spec[name]
            golden.append(Column(index, header, "golden", name, spec, field_kind(spec)))
        elif upper == "HINT" and name == "text":
            single["hint"] = Column(index, header, "hint")
        elif upper in ("AL", "AI") and name in ("latitude", "longitude"):
            single[name] = Column(index, header, name, kind="float")  # type: ignore[arg-type]
        elif upper == "TASK" and name == "overlap":
            single["overlap"] = Column(index, header, "overlap", kind="integer")
        elif upper == "TASK" and name == "id":
            continue  # written by the aggregated-results export
        elif upper in IGNORED_PREFIXES and name:
            continue
        else:
            raise TaskFileError(
                UNKNOWN_HEADER,
                f"Unknown column {header!r}; use INPUT:<input field>, GOLDEN:<output field>, HINT:text, "
                f"{LATITUDE} and {LONGITUDE}",
                header=header,
                line=line,
            )
    if require_inputs:
        present = {column.name for column in inputs}
        for name, spec in input_spec.items():
            if spec.get("required", True) and name not in present:
                raise TaskFileError(
                    MISSING_HEADER,
                    f"Column 'INPUT:{name}' is missing; the input field {name!r} is required",
                    header=f"INPUT:{name}",
                    line=line,
                )
    if ("latitude" in single) != ("longitude" in single):
        missing = LONGITUDE if "latitude" in single else LATITUDE
        raise TaskFileError(
            MISSING_HEADER,
            f"Column {missing!r} is missing; field tasks need both {LATITUDE} and {LONGITUDE}",
            header=missing,
            line=line,
        )
    return Layout(
        width=len(headers),
        inputs=tuple(inputs),
        golden=tuple(golden),
        hint=single.get("hint"),
        latitude=single.get("latitude"),
        longitude=single.get("longitude"),
        overlap=single.get("overlap"),
        golden_names=frozenset(column.name for column in golden),
    )
