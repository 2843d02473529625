"""Training pools: hints only after a wrong answer, correction before submitting, the score as a hidden
skill, the TRAINING collector, and main pools' training requirement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from crowdlab.domain.clock import utcnow
from crowdlab.services import training
from crowdlab.storage.db import Database
from crowdlab.storage.tables import user_skills
from tests.conftest import Requester, WorkerClient
from tests.services.quality_support import collector, cond, make_project, qc_pool, rule

HINT = "SECRET-HINT-{}: look at the ears"


def _training(requester: Requester, project_id: str, n_tasks: int = 4) -> str:
    body = {
        "project_id": project_id,
        "private_name": "Cats 101",
        "assignment_max_duration_seconds": 600,
        "training_tasks_in_task_suite_count": 2,
        "task_suites_required_to_pass": 2,
    }
    created = requester.call("POST", "/api/v1/trainings", json=body)
    assert created.status_code == 201, created.text
    training_id = created.json()["id"]
    items = [
        {
            "pool_id": training_id,
            "input_values": {"image": f"https://x/train{i}.jpg"},
            "known_solutions": [{"output_values": {"result": "cat"}}],
            "message_on_unknown_solution": HINT.format(i),
        }
        for i in range(n_tasks)
    ]
    made = requester.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=items)
    assert made.status_code == 201, made.text
    opened = requester.call("POST", f"/api/v1/trainings/{training_id}/open")
    assert opened.status_code == 202, opened.text
    return str(training_id)


def _reason(worker: WorkerClient, pool_id: str) -> str | None:
    cards = worker.call("GET", "/api/worker/pools").json()["items"]
    return next(c["reason"] for c in cards if c["pool_id"] == pool_id)


def test_training_feedback_score_and_requirement(client: Any, db: Database, requester: Requester) -> None:
    project_id = make_project(requester)
    training_id = _training(requester, project_id)
    score_skill = requester.call("POST", "/api/v1/skills", json={"name": "training rate"}).json()
    main_id, _, _ = qc_pool(
        requester,
        [
            collector(
                "TRAINING",
                [
                    rule(
                        "SET_SKILL_FROM_OUTPUT_FIELD",
                        [
                            cond("submitted_assignments_count", "GTE", 2),
                            cond("next_assignment_available", "EQ", False),
                        ],
                        skill_id=score_skill["id"],
                        from_field="correct_answers_rate",
                    )
                ],
            )
        ],
        project_id=project_id,
        n_tasks=4,
        quality_control={
            "training_requirement": {"training_pool_id": training_id, "training_passing_skill_value": 75}
        },
    )
    slow, quick = WorkerClient(client, "slow"), WorkerClient(client, "quick")
    assert _reason(slow, main_id) == "Complete the training first."
    assert slow.take(main_id).status_code == 403

    # First suite: wrong answers get hints (only then) and the suite stays open for correction.
    taken = slow.take(training_id)
    assert taken.status_code == 201
    assignment = taken.json()
    assert "SECRET-HINT" not in taken.text
    assert "SECRET-HINT" not in slow.call("GET", f"/api/worker/assignments/{assignment['id']}").text
    wrong = slow.submit(assignment, answer="dog")
    assert wrong.status_code == 200
    body = wrong.json()
    assert body["status"] == "ACTIVE"
    assert [f["task_index"] for f in body["feedback"]] == [0, 1]
    assert all(f["hint"].startswith("SECRET-HINT-") for f in body["feedback"])
    right = slow.submit(assignment, answer="cat")
    assert right.json()["status"] == "ACCEPTED" and "feedback" not in right.json()
    with db.read() as conn:
        declined = training.first_declined_attempts(conn, [int(assignment["id"])])
    assert declined[int(assignment["id"])] == [{"output_values": {"result": "dog"}}] * 2
    assert _reason(slow, main_id) == "Complete the training first."  # one of two suites done

    second = slow.take(training_id).json()
    assert slow.submit(second, answer="cat").json()["status"] == "ACCEPTED"
    # 2 of 4 training tasks right the first time: 50 < 75
    assert _reason(slow, main_id) == "Your training score 50 is below the required 75."
    assert _reason(slow, training_id) == "You have completed this training."
    assert slow.take(training_id).status_code == 403

    for _ in range(2):
        suite = quick.take(training_id).json()
        assert quick.submit(suite, answer="cat").json()["status"] == "ACCEPTED"
    assert _reason(quick, main_id) is None
    assert quick.take(main_id).status_code == 201

    # The score lives in a hidden training skill the requester can see; the TRAINING rule copied it.
    hidden = [s for s in requester.call("GET", "/api/v1/skills").json()["items"] if s.get("training")]
    assert len(hidden) == 1 and hidden[0]["hidden"] is True
    values = {
        (v["user_id"], v["skill_id"]): v["exact_value"]
        for v in requester.call("GET", "/api/v1/user-skills").json()["items"]
    }
    assert values[(slow.id, hidden[0]["id"])] == 50
    assert values[(quick.id, hidden[0]["id"])] == 100
    assert values[(slow.id, score_skill["id"])] == 50
    assert values[(quick.id, score_skill["id"])] == 100


def test_training_skill_ttl(client: Any, db: Database, requester: Requester) -> None:
    project_id = make_project(requester)
    training_id = _training(requester, project_id)
    main_id, _, _ = qc_pool(
        requester,
        [],
        project_id=project_id,
        quality_control={
            "training_requirement": {"training_pool_id": training_id, "training_passing_skill_value": 50}
        },
        training_config={"training_skill_ttl_days": 3},
    )
    worker = WorkerClient(client, "w")
    for _ in range(2):
        worker.submit(worker.take(training_id).json(), answer="cat")
    assert _reason(worker, main_id) is None
    with db.write() as conn:
        conn.execute(sa.update(user_skills).values(modified=utcnow() - timedelta(days=4)))
    assert _reason(worker, main_id) == "Your training result has expired; complete the training again."
