"""Each collector with a rule that fires, and each action, through the worker and requester APIs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from crowdlab.domain.clock import utcnow
from crowdlab.services import quality
from crowdlab.services.integrity import violations
from crowdlab.services.quality_collectors import Trigger
from crowdlab.storage.db import Database
from crowdlab.storage.tables import assignments, pools, user_restrictions
from crowdlab.storage.tables_quality import qc_applied
from tests.conftest import Requester, WorkerClient
from tests.services.quality_support import (
    ban,
    collector,
    cond,
    do_suite,
    make_project,
    qc_pool,
    restrictions_of,
    rule,
    task_row,
)

FAILS_GOLDEN = [cond("golden_set_answers_count", "GTE", 2), cond("golden_set_correct_answers_rate", "LT", 50)]


def _statuses(db: Database, worker_id: str) -> list[str]:
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(assignments.c.status)
                .where(assignments.c.worker_id == int(worker_id))
                .order_by(assignments.c.id)
            ).scalars()
        )


def test_golden_set_ban_blocks_the_worker_until_it_expires(
    client: Any, db: Database, requester: Requester
) -> None:
    configs = [
        collector(
            "GOLDEN_SET",
            [rule("RESTRICTION_V2", FAILS_GOLDEN, **ban("PROJECT", duration=1, duration_unit="HOURS"))],
            history_size=4,
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=6, n_golden=6, overlap=2)
    bad, good = WorkerClient(client, "bad"), WorkerClient(client, "good")
    for _ in range(2):
        do_suite(good, pool_id, "dog")  # control answer "dog" is right
        do_suite(bad, pool_id, "cat")
    assert restrictions_of(db, good.id) == []
    [restriction] = restrictions_of(db, bad.id)
    assert restriction.scope == "PROJECT" and restriction.private_comment == "qc"
    assert timedelta(minutes=59) < restriction.will_expire - utcnow() <= timedelta(hours=1)
    refused = bad.take(pool_id)
    assert refused.status_code == 403 and "blocked" in refused.json()["message"]
    listed = requester.call("GET", "/api/v1/user-restrictions", params={"user_id": bad.id}).json()["items"]
    assert [r["scope"] for r in listed] == ["PROJECT"]
    # the ban ends by itself
    with db.write() as conn:
        conn.execute(
            user_restrictions.update()
            .where(user_restrictions.c.id == restriction.id)
            .values(will_expire=utcnow() - timedelta(seconds=1))
        )
    assert bad.take(pool_id).status_code == 201


def test_a_rule_that_holds_again_adds_no_second_ban(client: Any, db: Database, requester: Requester) -> None:
    configs = [collector("GOLDEN_SET", [rule("RESTRICTION_V2", FAILS_GOLDEN, **ban("POOL"))])]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=4, n_golden=4, overlap=1)
    bad = WorkerClient(client, "bad")
    do_suite(bad, pool_id, "cat")
    do_suite(bad, pool_id, "cat")
    assert len(restrictions_of(db, bad.id)) == 1
    with db.write() as conn:
        pool = conn.execute(sa.select(pools).where(pools.c.id == int(pool_id))).one()
        for _ in range(3):
            quality.process(conn, Trigger("SUBMIT", pool, int(bad.id)))
    assert len(restrictions_of(db, bad.id)) == 1


def test_a_longer_ban_replaces_a_shorter_one(client: Any, db: Database, requester: Requester) -> None:
    configs = [
        collector(
            "GOLDEN_SET",
            [
                rule("RESTRICTION_V2", FAILS_GOLDEN, **ban("POOL", duration=1, duration_unit="MINUTES")),
                rule("RESTRICTION", FAILS_GOLDEN, scope="POOL"),  # legacy, permanent
            ],
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=4, n_golden=4, overlap=1)
    bad = WorkerClient(client, "bad")
    do_suite(bad, pool_id, "cat")
    do_suite(bad, pool_id, "cat")
    ends = sorted(r.will_expire is None for r in restrictions_of(db, bad.id))
    assert ends == [False, True]


def test_fast_submissions_ban_from_the_pool_only(client: Any, db: Database, requester: Requester) -> None:
    project_id = make_project(requester)
    configs = [
        collector(
            "ASSIGNMENT_SUBMIT_TIME",
            [
                rule(
                    "RESTRICTION",
                    [cond("total_submitted_count", "GTE", 2), cond("fast_submitted_count", "GTE", 2)],
                    scope="POOL",
                    duration_days=1,
                )
            ],
            fast_submit_threshold_seconds=3600,  # everything in a test is fast
            history_size=5,
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, project_id=project_id, n_tasks=4)
    other_id, _, _ = qc_pool(requester, [], project_id=project_id, n_tasks=2)
    worker = WorkerClient(client, "w")
    do_suite(worker, pool_id)
    assert restrictions_of(db, worker.id) == []
    do_suite(worker, pool_id)
    [restriction] = restrictions_of(db, worker.id)
    assert restriction.scope == "POOL" and restriction.pool_id == int(pool_id)
    assert worker.take(pool_id).status_code == 403
    assert worker.take(other_id).status_code == 201


def test_skipped_in_row_counts_expired_suites_and_resets_on_a_submit(
    client: Any, db: Database, requester: Requester
) -> None:
    configs = [
        collector(
            "SKIPPED_IN_ROW_ASSIGNMENTS",
            [rule("RESTRICTION_V2", [cond("skipped_in_row_count", "GTE", 2)], **ban("POOL"))],
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=6, overlap=1)
    worker = WorkerClient(client, "w")
    first = worker.take(pool_id).json()
    worker.call("POST", f"/api/worker/assignments/{first['id']}/skip")
    do_suite(worker, pool_id)  # breaks the row
    second = worker.take(pool_id).json()
    with db.write() as conn:  # let it expire
        conn.execute(
            assignments.update()
            .where(assignments.c.id == int(second["id"]))
            .values(expires=utcnow() - timedelta(seconds=1))
        )
    third = worker.take(pool_id).json()  # expires the overdue one first
    assert restrictions_of(db, worker.id) == []
    worker.call("POST", f"/api/worker/assignments/{third['id']}/skip")
    [restriction] = restrictions_of(db, worker.id)
    assert restriction.scope == "POOL"
    assert _statuses(db, worker.id) == ["SKIPPED", "ACCEPTED", "EXPIRED", "SKIPPED"]


def test_majority_vote_judges_everyone_who_answered(client: Any, db: Database, requester: Requester) -> None:
    configs = [
        collector(
            "MAJORITY_VOTE",
            [
                rule(
                    "RESTRICTION_V2",
                    [cond("total_answers_count", "GTE", 1), cond("incorrect_answers_rate", "GTE", 100)],
                    **ban("POOL"),
                )
            ],
            answer_threshold=2,
            history_size=10,
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=1, overlap=3)
    dissenter, a, b = (WorkerClient(client, n) for n in ("dissenter", "a", "b"))
    do_suite(dissenter, pool_id, "dog")
    do_suite(a, pool_id, "cat")
    assert restrictions_of(db, dissenter.id) == []  # no majority yet (1:1)
    do_suite(b, pool_id, "cat")  # now "cat" has 2 votes: the dissenter was wrong
    assert len(restrictions_of(db, dissenter.id)) == 1
    assert restrictions_of(db, a.id) == restrictions_of(db, b.id) == []


def test_answer_count_limits_suites_per_worker(client: Any, db: Database, requester: Requester) -> None:
    configs = [
        collector(
            "ANSWER_COUNT",
            [rule("RESTRICTION_V2", [cond("assignments_accepted_count", "GTE", 2)], **ban("POOL"))],
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=5, overlap=1)
    worker = WorkerClient(client, "w")
    do_suite(worker, pool_id)
    do_suite(worker, pool_id)
    assert worker.take(pool_id).status_code == 403


def test_income_limit(client: Any, db: Database, requester: Requester) -> None:
    configs = [
        collector(
            "INCOME",
            [rule("RESTRICTION_V2", [cond("income_sum_for_last_24_hours", "GTE", 0.1)], **ban("PROJECT"))],
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=5, overlap=1)  # 0.05 per suite
    worker = WorkerClient(client, "w")
    do_suite(worker, pool_id)
    assert restrictions_of(db, worker.id) == []
    do_suite(worker, pool_id)
    assert len(restrictions_of(db, worker.id)) == 1


def test_rejection_raises_overlap_once_and_reopens_the_pool(
    client: Any, db: Database, requester: Requester
) -> None:
    configs = [
        collector(
            "ASSIGNMENTS_ASSESSMENT",
            [rule("CHANGE_OVERLAP", [cond("assessment_event", "EQ", "REJECT")], delta=1, open_pool=True)],
        )
    ]
    pool_id, [task_id], _ = qc_pool(requester, configs, n_tasks=1, overlap=1, auto_accept_solutions=False)
    worker = WorkerClient(client, "w")
    assignment = do_suite(worker, pool_id)
    assert requester.call("GET", f"/api/v1/pools/{pool_id}").json()["status"] == "CLOSED"
    rejected = requester.call(
        "PATCH",
        f"/api/v1/assignments/{assignment['id']}",
        json={"status": "REJECTED", "public_comment": "no"},
    )
    assert rejected.status_code == 200
    task = task_row(db, task_id)
    assert (task.overlap, task.live_count, task.done_count, bool(task.available)) == (2, 0, 0, True)
    assert requester.call("GET", f"/api/v1/pools/{pool_id}").json()["status"] == "OPEN"
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(qc_applied)).scalar_one() == 1
    assert violations(db) == []


def test_accept_after_reject_and_set_skill(client: Any, db: Database, requester: Requester) -> None:
    skill = requester.call("POST", "/api/v1/skills", json={"name": "appeal"}).json()
    configs = [
        collector(
            "ASSIGNMENTS_ASSESSMENT",
            [
                rule(
                    "SET_SKILL",
                    [cond("assessment_event", "EQ", "ACCEPT_AFTER_REJECT")],
                    skill_id=skill["id"],
                    skill_value=77,
                )
            ],
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=2, overlap=1, auto_accept_solutions=False)
    worker = WorkerClient(client, "w")
    assignment = do_suite(worker, pool_id)
    path = f"/api/v1/assignments/{assignment['id']}"
    requester.call("PATCH", path, json={"status": "REJECTED", "public_comment": "no"})
    skills = requester.call("GET", "/api/v1/user-skills", params={"user_id": worker.id}).json()["items"]
    assert skills == []
    requester.call("PATCH", path, json={"status": "ACCEPTED", "public_comment": "ok"})
    [value] = requester.call("GET", "/api/v1/user-skills", params={"user_id": worker.id}).json()["items"]
    assert value["skill_id"] == skill["id"] and value["value"] == 77


def test_acceptance_rate(client: Any, db: Database, requester: Requester) -> None:
    configs = [
        collector(
            "ACCEPTANCE_RATE",
            [
                rule(
                    "RESTRICTION_V2",
                    [cond("total_assignments_count", "GTE", 2), cond("rejected_assignments_rate", "GTE", 50)],
                    **ban("PROJECT"),
                )
            ],
            history_size=10,
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=3, overlap=1, auto_accept_solutions=False)
    worker = WorkerClient(client, "w")
    first, second = do_suite(worker, pool_id), do_suite(worker, pool_id)
    requester.call(
        "PATCH", f"/api/v1/assignments/{first['id']}", json={"status": "REJECTED", "public_comment": "x"}
    )
    assert restrictions_of(db, worker.id) == []  # 1 reviewed so far
    requester.call("PATCH", f"/api/v1/assignments/{second['id']}", json={"status": "ACCEPTED"})
    assert len(restrictions_of(db, worker.id)) == 1


def test_ban_with_reject_all_redoes_the_work_in_a_reviewed_pool(
    client: Any, db: Database, requester: Requester
) -> None:
    configs = [
        collector(
            "GOLDEN_SET",
            [
                rule("RESTRICTION_V2", FAILS_GOLDEN, **ban("PROJECT")),
                rule("REJECT_ALL_ASSIGNMENTS", FAILS_GOLDEN, public_comment="Too many mistakes"),
            ],
        )
    ]
    pool_id, task_ids, _ = qc_pool(
        requester, configs, n_tasks=3, n_golden=4, overlap=1, auto_accept_solutions=False
    )
    bad, good = WorkerClient(client, "bad"), WorkerClient(client, "good")
    do_suite(bad, pool_id, "cat")
    done = do_suite(bad, pool_id, "cat")
    assert done["status"] == "REJECTED" and done["public_comment"] == "Too many mistakes"
    assert _statuses(db, bad.id) == ["REJECTED", "REJECTED"]
    # their tasks went back to the pool and the good worker gets all three
    seen = [do_suite(good, pool_id, "dog")["tasks"] for _ in range(3)]
    assert {t["id"] for suite in seen for t in suite} >= set(task_ids)
    assert violations(db) == []


def test_approve_all_for_a_reliable_worker(client: Any, db: Database, requester: Requester) -> None:
    configs = [
        collector(
            "GOLDEN_SET",
            [
                rule(
                    "APPROVE_ALL_ASSIGNMENTS",
                    [
                        cond("golden_set_answers_count", "GTE", 2),
                        cond("golden_set_correct_answers_rate", "EQ", 100),
                    ],
                )
            ],
        )
    ]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=3, n_golden=3, overlap=1, auto_accept_solutions=False)
    worker = WorkerClient(client, "w")
    do_suite(worker, pool_id, "dog")
    assert _statuses(db, worker.id) == ["SUBMITTED"]
    do_suite(worker, pool_id, "dog")
    assert _statuses(db, worker.id) == ["ACCEPTED", "ACCEPTED"]
    assert worker.call("GET", "/api/worker/assignments").json()["earned"] == 0.1


def test_ban_in_an_auto_accepted_pool_reissues_the_banned_workers_tasks(
    client: Any, db: Database, requester: Requester
) -> None:
    configs = [
        collector("GOLDEN_SET", [rule("RESTRICTION_V2", FAILS_GOLDEN, **ban("PROJECT"))]),
        collector(
            "USERS_ASSESSMENT",
            [
                rule(
                    "CHANGE_OVERLAP",
                    [cond("pool_access_revoked_reason", "EQ", "RESTRICTION")],
                    delta=1,
                    open_pool=True,
                )
            ],
        ),
    ]
    pool_id, task_ids, _ = qc_pool(requester, configs, n_tasks=2, n_golden=4, overlap=1)
    bad = WorkerClient(client, "bad")
    first = do_suite(bad, pool_id, "cat")
    second = do_suite(bad, pool_id, "cat")
    assert requester.call("GET", f"/api/v1/pools/{pool_id}").json()["status"] == "OPEN"  # reopened
    answered = [t["id"] for a in (first, second) for t in a["tasks"] if t["id"] in task_ids]
    assert sorted(answered) == sorted(task_ids)
    for task_id in task_ids:
        task = task_row(db, task_id)
        assert (task.overlap, task.done_count, bool(task.available)) == (2, 1, True)
    good = WorkerClient(client, "good")
    do_suite(good, pool_id, "dog")
    do_suite(good, pool_id, "dog")
    assert requester.call("GET", f"/api/v1/pools/{pool_id}").json()["status"] == "CLOSED"
    with db.write() as conn:  # the same revocation again changes nothing
        pool = conn.execute(sa.select(pools).where(pools.c.id == int(pool_id))).one()
        quality.process(conn, Trigger("REVOKED", pool, int(bad.id), revoked_reason="RESTRICTION"))
    assert [task_row(db, t).overlap for t in task_ids] == [2, 2]
    assert violations(db) == []


def test_skill_from_output_field_and_losing_access_by_skill(
    client: Any, db: Database, requester: Requester
) -> None:
    skill = requester.call("POST", "/api/v1/skills", json={"name": "accuracy"}).json()
    configs = [
        collector(
            "GOLDEN_SET",
            [
                rule(
                    "SET_SKILL_FROM_OUTPUT_FIELD",
                    [cond("total_answers_count", "GTE", 1)],
                    skill_id=skill["id"],
                    from_field="correct_answers_rate",
                )
            ],
        ),
        collector(
            "USERS_ASSESSMENT",
            [
                rule(
                    "CHANGE_OVERLAP",
                    [
                        cond("pool_access_revoked_reason", "EQ", "SKILL_CHANGE"),
                        cond("skill_id", "EQ", skill["id"]),
                    ],
                    delta=2,
                )
            ],
        ),
    ]
    audience = {"and": [{"or": [{"category": "skill", "key": skill["id"], "operator": "GTE", "value": 50}]}]}
    pool_id, task_ids, _ = qc_pool(requester, configs, n_tasks=2, n_golden=2, overlap=1, filter=audience)
    worker = WorkerClient(client, "w")
    requester.call(
        "PUT", "/api/v1/user-skills", json={"skill_id": skill["id"], "user_id": worker.id, "value": 90}
    )
    do_suite(worker, pool_id, "dog")  # right: skill 100
    value = requester.call("GET", "/api/v1/user-skills", params={"user_id": worker.id}).json()["items"][0]
    assert value["exact_value"] == 100
    do_suite(worker, pool_id, "cat")  # wrong: 50%, still inside the audience (no revocation)
    value = requester.call("GET", "/api/v1/user-skills", params={"user_id": worker.id}).json()["items"][0]
    assert value["exact_value"] == 50
    assert all(task_row(db, t).overlap == 1 for t in task_ids)


def test_revocation_by_skill_change_raises_overlap(client: Any, db: Database, requester: Requester) -> None:
    skill = requester.call("POST", "/api/v1/skills", json={"name": "accuracy"}).json()
    configs = [
        collector(
            "GOLDEN_SET",
            [
                rule(
                    "SET_SKILL",
                    [cond("golden_set_correct_answers_rate", "LT", 50)],
                    skill_id=skill["id"],
                    skill_value=10,
                )
            ],
        ),
        collector(
            "USERS_ASSESSMENT",
            [
                rule(
                    "CHANGE_OVERLAP",
                    [
                        cond("pool_access_revoked_reason", "EQ", "SKILL_CHANGE"),
                        cond("skill_id", "EQ", skill["id"]),
                    ],
                    delta=2,
                )
            ],
        ),
    ]
    audience = {"and": [{"or": [{"category": "skill", "key": skill["id"], "operator": "GTE", "value": 50}]}]}
    pool_id, task_ids, _ = qc_pool(requester, configs, n_tasks=2, n_golden=2, overlap=1, filter=audience)
    worker = WorkerClient(client, "w")
    requester.call(
        "PUT", "/api/v1/user-skills", json={"skill_id": skill["id"], "user_id": worker.id, "value": 90}
    )
    suite = do_suite(worker, pool_id, "cat")  # control answer wrong: skill drops to 10
    refused = worker.take(pool_id)
    assert refused.status_code == 403 and "audience" in refused.json()["message"]
    [done_task] = [t["id"] for t in suite["tasks"] if t["id"] in task_ids]
    assert task_row(db, done_task).overlap == 3
    assert violations(db) == []


def test_all_projects_ban_covers_the_requester_only(
    client: Any, db: Database, requester: Requester, other_requester: Requester
) -> None:
    configs = [collector("GOLDEN_SET", [rule("RESTRICTION_V2", FAILS_GOLDEN, **ban("ALL_PROJECTS"))])]
    pool_id, _, _ = qc_pool(requester, configs, n_tasks=3, n_golden=3, overlap=1)
    elsewhere, _, _ = qc_pool(requester, [], n_tasks=1)  # another project of the same requester
    foreign, _, _ = qc_pool(other_requester, [], n_tasks=1)
    worker = WorkerClient(client, "w")
    do_suite(worker, pool_id, "cat")
    do_suite(worker, pool_id, "cat")
    [restriction] = restrictions_of(db, worker.id)
    assert restriction.scope == "ALL_PROJECTS" and restriction.will_expire is None
    assert worker.take(elsewhere).status_code == 403
    assert worker.take(foreign).status_code == 201
