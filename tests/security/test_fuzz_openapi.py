"""Schemathesis against /openapi.json of a real server: no operation answers 5xx to generated input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from crowdlab.services.integrity import violations
from crowdlab.sim.server import EmbeddedServer
from tests.conftest import make_database

pytestmark = [pytest.mark.e2e]

EXAMPLES_PER_OPERATION = 4


def _fuzz_operation(
    operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str]
) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} ({mode.value}) -> {response.status_code}: "
                f"query={case.query!r} body={case.body!r} response={response.text[:300]!r}"
            )

    try:
        run()
    except Unsatisfiable:
        # negative mode on an operation with nothing to break (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE
    return failures


def test_no_server_errors_on_any_operation(tmp_path: Path) -> None:
    database, url = make_database("sqlite", tmp_path)
    with EmbeddedServer(url) as server:
        token = server.create_requester("fuzzer", "1000")
        headers = {"Authorization": f"OAuth {token}"}
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result.err()
            operation = result.ok()
            operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures.extend(_fuzz_operation(operation, mode, server.url, headers))
        assert operations > 50
        assert not failures, "\n".join(failures)
    assert violations(database) == []
    database.dispose()
