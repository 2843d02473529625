"""Quality control end to end: a simulated crowd over HTTP against a real server, on a pool with
control tasks, quality rules and dynamic overlap (crowdlab.sim.quality_lab).

With 20 % spammers and 10 % fast clickers, the bad workers are banned within their first few suites,
their suites are rejected and the tasks redone, and the final majority-vote accuracy is at least that
of the same job done by a crowd with no spammers at all (and no quality control). A third run, the
same bad crowd with no quality control, shows that the comparison is not vacuous.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from crowdlab.sim.quality_lab import Scenario, majority_accuracy, run, summary

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEED = 7


def _job(mode: str, spammers: float, fast_clickers: float) -> Scenario:
    return Scenario(
        mode=mode, spammers=spammers, fast_clickers=fast_clickers, tasks=240, golden=40, seed=SEED
    )


def test_spammers_are_banned_their_work_redone_and_accuracy_kept(tmp_path: Path) -> None:
    clean = run(_job("none", 0.0, 0.0), f"sqlite:///{tmp_path}/a.db")
    guarded = run(_job("rules+dynamic", 0.2, 0.1), f"sqlite:///{tmp_path}/b.db")
    unguarded = run(_job("none", 0.2, 0.1), f"sqlite:///{tmp_path}/c.db")
    for outcome in (clean, guarded, unguarded):
        print(summary(outcome))  # shown with -s; the figures behind the assertions
        assert outcome.report is not None and outcome.report.errors == 0
        assert outcome.unfinished_tasks == 0

    # every spammer and fast clicker was banned, most within two or three suites
    assert guarded.bad_workers >= 5
    assert guarded.bad_banned == guarded.bad_workers
    assert statistics.median(guarded.bad_suites) <= 3 and max(guarded.bad_suites) <= 8
    # their suites were rejected and the tasks answered again by others
    assert guarded.rejected >= guarded.bad_workers * 2
    # quality: as good as a crowd without spammers, and far better than no quality control
    assert guarded.accuracy >= clean.accuracy
    assert unguarded.accuracy < clean.accuracy - 0.1
    assert unguarded.bad_banned == 0


def test_majority_accuracy_scores_ties_fairly() -> None:
    truth = {"a": "cat", "b": "dog", "c": "cat", "d": "fish"}
    answers = {"a": ["cat", "cat", "dog"], "b": ["cat", "dog"], "c": ["dog"], "d": []}
    assert majority_accuracy(answers, truth) == pytest.approx((1 + 0.5 + 0 + 0) / 4)


def test_rules_written_by_toloka_kit_are_enforced(tmp_path: Path) -> None:
    """A pool whose quality control toloka-kit 1.2.3 serialised: the engine reads it as sent."""
    pytest.importorskip("toloka.client")
    import httpx
    from toloka.client import Pool, Project, Task, TolokaClient
    from toloka.client import actions as act
    from toloka.client import collectors as col
    from toloka.client import conditions as con
    from toloka.client.project.field_spec import StringSpec, UrlSpec
    from toloka.client.project.task_spec import TaskSpec
    from toloka.client.project.view_spec import ClassicViewSpec

    from crowdlab.sim.server import EmbeddedServer

    with EmbeddedServer(f"sqlite:///{tmp_path}/kit.db") as server:
        kit = TolokaClient(server.create_requester("kit", balance="20"), url=server.url)
        project = kit.create_project(
            Project(
                public_name="Cats",
                public_description="d",
                task_spec=TaskSpec(
                    input_spec={"image": UrlSpec()},
                    output_spec={"result": StringSpec(allowed_values=["cat", "dog"])},
                    view_spec=ClassicViewSpec(markup="<p>{{img src=image}}</p>", script="", styles=""),
                ),
            )
        )
        skill = kit.create_skill(name="accuracy", hidden=True)
        pool = Pool(
            project_id=project.id,
            private_name="kit rules",
            may_contain_adult_content=False,
            reward_per_assignment=0.01,
            assignment_max_duration_seconds=600,
            auto_accept_solutions=False,
            auto_accept_period_day=7,
            defaults=Pool.Defaults(default_overlap_for_new_tasks=1, default_overlap_for_new_task_suites=1),
        )
        pool.set_mixer_config(real_tasks_count=1, golden_tasks_count=1, training_tasks_count=0)
        rules = pool.quality_control
        assert rules is not None
        failing = [con.GoldenSetAnswersCount >= 2, con.GoldenSetCorrectAnswersRate < 50]
        golden = col.GoldenSet(history_size=5)
        rules.add_action(
            collector=golden,
            conditions=failing,
            action=act.RestrictionV2(
                scope="PROJECT", duration=1, duration_unit="DAYS", private_comment="golden"
            ),
        )
        rules.add_action(
            collector=golden, conditions=failing, action=act.RejectAllAssignments(public_comment="redo")
        )
        rules.add_action(
            collector=golden,
            conditions=[con.TotalAnswersCount >= 1],
            action=act.SetSkillFromOutputField(skill_id=skill.id, from_field="correct_answers_rate"),
        )
        rules.add_action(
            collector=col.AssignmentSubmitTime(history_size=5, fast_submit_threshold_seconds=1),
            conditions=[con.FastSubmittedCount >= 100],
            action=act.RestrictionV2(scope="POOL", duration_unit="PERMANENT"),
        )
        rules.add_action(
            collector=col.AssignmentsAssessment(),
            conditions=[con.AssessmentEvent == "REJECT"],
            action=act.ChangeOverlap(delta=1, open_pool=True),
        )
        pool = kit.create_pool(pool)
        pool_id = pool.id
        assert pool_id is not None
        known = [Task.KnownSolution(output_values={"result": "dog"})]
        kit.create_tasks(
            [Task(pool_id=pool.id, input_values={"image": f"https://x/{i}.png"}, overlap=1) for i in range(2)]
            + [
                Task(pool_id=pool.id, input_values={"image": f"https://x/g{i}.png"}, known_solutions=known)
                for i in range(2)
            ],
            allow_defaults=True,
        )
        kit.open_pool(pool_id)

        worker = httpx.Client(base_url=server.url)
        signed = worker.post(
            "/api/worker/signup",
            json={"name": "w", "password": "secret-123", "profile": {"languages": ["EN"]}},
        ).json()
        worker.headers["Authorization"] = f"Bearer {signed['token']}"
        done = []
        for _ in range(2):
            suite = worker.post(f"/api/worker/pools/{pool.id}/assignments").json()
            answers = [{"output_values": {"result": "cat"}} for _ in suite["tasks"]]
            done.append(
                worker.post(f"/api/worker/assignments/{suite['id']}/submit", json={"solutions": answers})
            )
        worker.close()

        [restriction] = list(kit.get_user_restrictions(user_id=signed["worker_id"]))
        assert restriction.scope.value == "PROJECT" and restriction.private_comment == "golden"
        statuses = {getattr(kit.get_assignment(r.json()["id"]).status, "value", None) for r in done}
        assert statuses == {"REJECTED"}  # the ban's REJECT_ALL_ASSIGNMENTS rule
        [value] = list(kit.get_user_skills(user_id=signed["worker_id"], skill_id=skill.id))
        assert value.value == 0
        # each rejection raised its tasks' overlap once (ASSIGNMENTS_ASSESSMENT -> CHANGE_OVERLAP)
        overlaps = sorted(t.overlap for t in kit.get_tasks(pool_id=pool.id) if not t.known_solutions)
        assert overlaps == [2, 2]
        assert kit.get_pool(pool_id).is_open()
