"""Exactly once, also when two events of one worker arrive at the same moment: on SQLite and on
PostgreSQL, the quality-control effects of concurrent submits, duplicate submits and duplicate captcha
answers happen once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from crowdlab.domain import captcha as drawing
from crowdlab.domain.errors import CrowdlabError
from crowdlab.services import accounts, captcha, issuing, pools, projects, tasks
from crowdlab.services.integrity import violations
from crowdlab.storage.db import Database
from crowdlab.storage.tables import tasks as tasks_table
from crowdlab.storage.tables import user_restrictions
from crowdlab.storage.tables_quality import captchas, qc_applied
from tests.conftest import CAT_DOG_PROJECT, pool_body
from tests.services.quality_support import ban, collector, cond, rule

ENGINE = issuing.Engine(fee_rate=Decimal("0.2"))


def _pool(
    db: Database, requester_id: int, project_id: str, configs: list[dict[str, Any]], **extra: Any
) -> str:
    body = pool_body(
        project_id,
        mixer_config={"real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 0},
        quality_control={"configs": configs},
        **extra,
    )
    pool = pools.create(db, requester_id, body)
    items: list[dict[str, Any]] = [
        {"pool_id": pool["id"], "input_values": {"image": f"https://e/{pool['id']}-{i}.png"}, "overlap": 1}
        for i in range(2)
    ]
    items += [
        {
            "pool_id": pool["id"],
            "input_values": {"image": f"https://e/{pool['id']}-g{i}.png"},
            "known_solutions": [{"output_values": {"result": "dog"}}],
        }
        for i in range(2)
    ]
    tasks.create(db, requester_id, items, tasks.CreateOptions(), fee_rate=ENGINE.fee_rate)
    pools.open_pool(db, requester_id, pool["id"], ENGINE.fee_rate)
    return str(pool["id"])


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment; returns each result or the error it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except CrowdlabError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


FAILS = [cond("golden_set_answers_count", "GTE", 1), cond("golden_set_correct_answers_rate", "LT", 100)]


@pytest.mark.parametrize("round_", range(3))
def test_two_submits_of_one_worker_at_once_ban_once(any_db: Database, round_: int) -> None:
    db = any_db
    requester, _ = accounts.create_requester(db, f"r{round_}", balance_micro=10_000_000)
    project = projects.create(db, requester.id, CAT_DOG_PROJECT)
    configs = [
        collector("GOLDEN_SET", [rule("RESTRICTION_V2", FAILS, **ban("PROJECT"))]),
        collector(
            "USERS_ASSESSMENT",
            [rule("CHANGE_OVERLAP", [cond("pool_access_revoked_reason", "EQ", "RESTRICTION")], delta=1)],
        ),
    ]
    first = _pool(db, requester.id, project["id"], configs)
    second = _pool(db, requester.id, project["id"], configs)
    worker, _ = accounts.sign_up_worker(db, f"w{round_}", "pass-word-1", {"languages": ["EN"]})
    held = [issuing.take(db, ENGINE, worker, pool_id) for pool_id in (first, second)]
    wrong = [{"solutions": [{"output_values": {"result": "cat"}}] * len(a["tasks"])} for a in held]
    results = _together(
        lambda: issuing.submit(db, ENGINE, worker, held[0]["id"], wrong[0]),
        lambda: issuing.submit(db, ENGINE, worker, held[1]["id"], wrong[1]),
        # the same suite handed in twice at the same moment: one of these is refused
        lambda: issuing.submit(db, ENGINE, worker, held[0]["id"], wrong[0]),
    )
    refused = [r for r in results if isinstance(r, CrowdlabError)]
    assert len(refused) == 1 and refused[0].code == "INAPPROPRIATE_STATUS"
    with db.read() as conn:
        bans = conn.execute(
            sa.select(user_restrictions).where(user_restrictions.c.worker_id == worker.id)
        ).all()
        raised = conn.execute(
            sa.select(qc_applied.c.subject).where(qc_applied.c.action == "CHANGE_OVERLAP")
        ).all()
        overlaps = sorted(
            conn.execute(
                sa.select(tasks_table.c.overlap).where(
                    tasks_table.c.kind == "general", tasks_table.c.done_count == 1
                )
            ).scalars()
        )
    assert len(bans) == 1 and bans[0].scope == "PROJECT"
    assert len(raised) == 2  # each pool's rule raised the overlap of its one suite, once
    assert overlaps == [2, 2]
    assert violations(db) == []


def test_one_captcha_answered_twice_at_once_counts_once(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = any_db
    monkeypatch.setattr(drawing, "new_text", lambda _rng: "AC4FX")
    worker, _ = accounts.sign_up_worker(db, "w", "pass-word-1", {"languages": ["EN"]})
    shown = captcha.issue(db, worker)
    results = _together(
        *[lambda: captcha.answer(db, worker, shown["id"], {"answer": "AC4FX"}) for _ in range(4)]
    )
    assert [r for r in results if isinstance(r, dict)] == [{"ok": True}]
    assert all(r.code == "CAPTCHA_ALREADY_ANSWERED" for r in results if isinstance(r, CrowdlabError))
    with db.read() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(captchas).where(captchas.c.answered.is_not(None))
            ).scalar_one()
            == 1
        )
