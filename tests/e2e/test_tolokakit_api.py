"""The requester API through real toloka-kit 1.2.3 against a live server, method by method,
including the failure paths (wrong owner, invalid input, wrong state)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from crowdlab.sim.server import EmbeddedServer

toloka = pytest.importorskip("toloka.client")
pytestmark = [pytest.mark.e2e]

from toloka.client import (  # noqa: E402
    Pool,
    Project,
    Task,
    TaskSuite,
    TolokaClient,
    Training,
)
from toloka.client.exceptions import (  # noqa: E402
    DoesNotExistApiError,
    IncorrectActionsApiError,
    ValidationApiError,
)
from toloka.client.project.field_spec import StringSpec, UrlSpec  # noqa: E402
from toloka.client.project.task_spec import TaskSpec  # noqa: E402
from toloka.client.project.view_spec import ClassicViewSpec  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    path: Path = tmp_path_factory.mktemp("api") / "api.db"
    with EmbeddedServer(f"sqlite:///{path}") as running:
        yield running


@pytest.fixture
def client(server: EmbeddedServer) -> TolokaClient:
    return TolokaClient(server.create_requester(f"r-{uuid.uuid4().hex[:8]}", balance="20"), url=server.url)


def _project(client: TolokaClient) -> Project:
    return client.create_project(
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


def _pool(client: TolokaClient, project: Project, **kwargs: Any) -> Pool:
    pool = Pool(
        project_id=project.id,
        private_name="p",
        may_contain_adult_content=False,
        will_expire=datetime.now(UTC) + timedelta(days=1),
        reward_per_assignment=0.05,
        assignment_max_duration_seconds=600,
        defaults=Pool.Defaults(default_overlap_for_new_tasks=2, default_overlap_for_new_task_suites=2),
        **kwargs,
    )
    pool.set_mixer_config(real_tasks_count=2)
    return client.create_pool(pool)


def _worker(server: EmbeddedServer) -> httpx.Client:
    http = httpx.Client(base_url=server.url)
    token = http.post(
        "/api/worker/signup",
        json={"name": f"w-{uuid.uuid4().hex[:8]}", "password": "secret-123", "profile": {}},
    ).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def test_projects(client: TolokaClient, server: EmbeddedServer) -> None:
    project = _project(client)
    assert project.status == Project.ProjectStatus.ACTIVE
    project.public_description = "changed"
    assert client.update_project(project.id, project).public_description == "changed"
    assert client.check_update_project_for_major_version_change(project.id, project).value in (
        "EQUAL",
        "NON_BREAKING_CHANGE",
    )
    project.task_spec.output_spec["extra"] = StringSpec(required=False)
    assert (
        client.check_update_project_for_major_version_change(project.id, project).value == "BREAKING_CHANGE"
    )
    del project.task_spec.output_spec["extra"]
    second = _project(client)
    by_name = client.find_projects(sort=["public_name", "id"]).items
    assert [p.id for p in by_name] == [project.id, second.id]
    client.archive_project(second.id)
    found = client.find_projects(status="ACTIVE", sort=["-created"], limit=5)
    assert [p.id for p in found.items] == [project.id] and found.has_more is False
    other = TolokaClient(server.create_requester(f"o-{uuid.uuid4().hex[:6]}"), url=server.url)
    with pytest.raises(DoesNotExistApiError):
        other.get_project(project.id)
    with pytest.raises(ValidationApiError) as invalid:
        client.create_project(Project(public_name="", public_description="d", task_spec=project.task_spec))
    assert "public_name" in invalid.value.invalid_fields
    pool = _pool(client, project)
    with pytest.raises(IncorrectActionsApiError):  # UNARCHIVED_POOLS_CONFLICT
        client.archive_project(project.id)
    client.archive_pool(pool.id)
    assert client.archive_project(project.id).status == Project.ProjectStatus.ARCHIVED


def test_pools_lifecycle(client: TolokaClient) -> None:
    project = _project(client)
    pool = _pool(client, project)
    with pytest.raises(IncorrectActionsApiError):  # EMPTY_POOL
        client.open_pool(pool.id)
    client.create_tasks(
        [Task(input_values={"image": f"https://e.com/{i}.png"}, pool_id=pool.id) for i in range(4)],
        allow_defaults=True,
    )
    assert client.open_pool(pool.id).is_open()
    assert client.open_pool(pool.id).is_open()  # already open: 204 path
    assert client.patch_pool(pool.id, priority=10).priority == 10
    closed = client.close_pool_for_update(pool.id)
    assert closed.is_closed() and closed.last_close_reason == Pool.CloseReason.FOR_UPDATE
    closed.private_name = "renamed"
    assert client.update_pool(pool.id, closed).private_name == "renamed"
    clone = client.clone_pool(pool.id)
    assert clone.id != pool.id and clone.private_name == "renamed"
    found = client.find_pools(project_id=project.id, sort=["id"])
    assert [p.id for p in found.items] == [pool.id, clone.id]
    assert [p.id for p in client.get_pools(project_id=project.id)] == [pool.id, clone.id]
    archived = client.archive_pool(pool.id)
    assert archived.is_archived()
    with pytest.raises(IncorrectActionsApiError):  # POOL_INAPPROPRIATE_STATUS
        client.open_pool(pool.id)
    with pytest.raises(ValidationApiError) as invalid:
        client.create_pool(Pool(project_id=project.id, private_name="x", reward_per_assignment=0.1))
    assert "assignment_max_duration_seconds" in invalid.value.invalid_fields


def test_trainings(client: TolokaClient) -> None:
    project = _project(client)
    training = client.create_training(
        Training(
            project_id=project.id,
            private_name="t",
            assignment_max_duration_seconds=600,
            training_tasks_in_task_suite_count=2,
            task_suites_required_to_pass=1,
        )
    )
    assert training.status == Training.Status.CLOSED
    client.create_tasks(
        [
            Task(
                input_values={"image": f"https://e.com/t{i}.png"},
                pool_id=training.id,
                known_solutions=[{"output_values": {"result": "cat"}}],
                message_on_unknown_solution="It is a cat",
                overlap=1,
            )
            for i in range(2)
        ]
    )
    assert client.open_training(training.id).is_open()
    assert client.close_training(training.id).is_closed()
    clone = client.clone_training(training.id)
    assert clone.id != training.id
    assert [t.id for t in client.find_trainings(project_id=project.id).items] == [training.id, clone.id]
    assert client.archive_training(clone.id).is_archived()
    with pytest.raises(DoesNotExistApiError):  # a training is not a pool
        client.get_pool(training.id)


def test_tasks(client: TolokaClient) -> None:
    project = _project(client)
    pool = _pool(client, project)
    tasks = [Task(input_values={"image": f"https://e.com/{i}.png"}, pool_id=pool.id) for i in range(3)]
    tasks.append(Task(input_values={"image": "not a url"}, pool_id=pool.id))
    with pytest.raises(ValidationApiError):  # all-or-nothing by default
        client.create_tasks(tasks, allow_defaults=True)
    assert client.find_tasks(pool_id=pool.id).items == []
    result = client.create_tasks(tasks, allow_defaults=True, skip_invalid_items=True)
    assert len(result.items) == 3 and list(result.validation_errors) == ["3"]
    assert result.validation_errors["3"]["input_values.image"].code == "INVALID_URL_SYNTAX"
    sync = client.create_tasks(
        [Task(input_values={"image": "https://e.com/s.png"}, pool_id=pool.id, overlap=5)], async_mode=False
    )
    task = next(iter(sync.items.values()))
    assert task.overlap == 5
    single = client.create_task(
        Task(input_values={"image": "https://e.com/x.png"}, pool_id=pool.id), allow_defaults=True
    )
    assert single.overlap == 2
    assert client.patch_task(task.id, overlap=7).overlap == 7
    assert client.patch_task_overlap_or_min(task.id, overlap=0).overlap == 0
    assert len(list(client.get_tasks(pool_id=pool.id, batch_size=2))) == 5
    assert client.get_task(single.id).input_values == {"image": "https://e.com/x.png"}


def test_task_creation_is_idempotent(client: TolokaClient) -> None:
    pool = _pool(client, _project(client))
    operation_id = uuid.uuid4()
    tasks = [Task(input_values={"image": "https://e.com/1.png"}, pool_id=pool.id)]
    first = client.create_tasks(tasks, allow_defaults=True, operation_id=operation_id)
    again = client.create_tasks(tasks, allow_defaults=True, operation_id=operation_id)  # 409 -> re-read
    assert first.items["0"].id == again.items["0"].id
    assert len(client.find_tasks(pool_id=pool.id).items) == 1


def test_task_suites(client: TolokaClient) -> None:
    pool = _pool(client, _project(client))
    suites = client.create_task_suites(
        [
            TaskSuite(
                pool_id=pool.id,
                overlap=1,
                tasks=[Task(input_values={"image": f"https://e.com/{i}{j}.png"}) for j in range(2)],
            )
            for i in range(3)
        ]
    )
    assert len(suites.items) == 3
    suite = suites.items["0"]
    assert len(suite.tasks) == 2 and suite.overlap == 1
    assert client.patch_task_suite(suite.id, issuing_order_override=5.5).issuing_order_override == 5.5
    assert client.patch_task_suite_overlap_or_min(suite.id, overlap=3).overlap == 3
    assert [s.id for s in client.find_task_suites(pool_id=pool.id).items] == [
        s.id for s in suites.items.values()
    ]
    assert client.find_task_suites(task_id=suite.tasks[0].id).items[0].id == suite.id


def test_assignments_review_money_and_people(client: TolokaClient, server: EmbeddedServer) -> None:
    project = _project(client)
    pool = _pool(client, project, auto_accept_solutions=False, auto_accept_period_day=3)
    client.create_tasks(
        [Task(input_values={"image": f"https://e.com/{i}.png"}, pool_id=pool.id) for i in range(6)],
        allow_defaults=True,
        open_pool=True,
    )
    worker = _worker(server)
    ids = []
    for _ in range(2):
        assignment = worker.post(f"/api/worker/pools/{pool.id}/assignments").json()
        answers = [{"output_values": {"result": "cat"}} for _ in assignment["tasks"]]
        assert (
            worker.post(
                f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": answers}
            ).status_code
            == 200
        )
        ids.append(assignment["id"])
    submitted = client.find_assignments(pool_id=pool.id, status=["SUBMITTED"], sort=["-submitted"])
    assert {a.id for a in submitted.items} == set(ids)
    assert client.accept_assignment(ids[0], "good").status.value == "ACCEPTED"
    rejected = client.reject_assignment(ids[1], "wrong animal")
    assert rejected.status.value == "REJECTED" and rejected.public_comment == "wrong animal"
    with pytest.raises(IncorrectActionsApiError):
        client.reject_assignment(ids[0], "changed my mind")
    user_id = rejected.user_id
    assert client.get_user(user_id).id == user_id

    requester_before = client.get_requester().balance
    bonus = client.create_user_bonus(
        toloka.UserBonus(
            user_id=user_id,
            amount=Decimal("0.5"),
            public_title={"EN": "Thanks"},
            public_message={"EN": "Well done"},
        ),
    )
    assert bonus.amount == Decimal("0.5")
    assert client.get_requester().balance == requester_before - Decimal("0.6")  # 20 % fee
    assert [b.id for b in client.find_user_bonuses(user_id=user_id).items] == [bonus.id]
    with pytest.raises(ValidationApiError):
        client.create_user_bonus(
            toloka.UserBonus(user_id=user_id, amount=Decimal(5000), without_message=True), async_mode=False
        )

    skill = client.create_skill(name="Accuracy", public_requester_description={"EN": "how good"})
    assert client.find_skills(name="Accuracy").items[0].id == skill.id
    user_skill = client.set_user_skill(skill_id=skill.id, user_id=user_id, value=Decimal("80.5"))
    assert user_skill.value == 80 and user_skill.exact_value == Decimal("80.5")
    assert client.get_user_skill(user_skill.id).skill_id == skill.id
    assert [s.id for s in client.find_user_skills(user_id=user_id).items] == [user_skill.id]
    client.delete_user_skill(user_skill.id)
    assert client.find_user_skills(user_id=user_id).items == []

    restriction = client.set_user_restriction(
        toloka.user_restriction.PoolUserRestriction(user_id=user_id, pool_id=pool.id, private_comment="spam")
    )
    assert client.get_user_restriction(restriction.id).pool_id == pool.id
    assert worker.post(f"/api/worker/pools/{pool.id}/assignments").status_code == 403
    assert [r.id for r in client.find_user_restrictions(user_id=user_id).items] == [restriction.id]
    client.delete_user_restriction(restriction.id)
    assert worker.post(f"/api/worker/pools/{pool.id}/assignments").status_code == 201
    worker.close()


def test_analytics_and_operations(client: TolokaClient) -> None:
    from toloka.client import analytics_request as ar

    pool = _pool(client, _project(client))
    client.create_tasks(
        [Task(input_values={"image": "https://e.com/1.png"}, pool_id=pool.id)], allow_defaults=True
    )
    requests = [
        ar.CompletionPercentagePoolAnalytics(subject_id=pool.id),
        ar.RealTasksCountPoolAnalytics(subject_id=pool.id),
        ar.SubmittedAssignmentsCountPoolAnalytics(subject_id=pool.id),
        ar.SkippedAssignmentsCountPoolAnalytics(subject_id=pool.id),
        ar.RejectedAssignmentsCountPoolAnalytics(subject_id=pool.id),
        ar.ApprovedAssignmentsCountPoolAnalytics(subject_id=pool.id),
        ar.AvgSubmitAssignmentMillisPoolAnalytics(subject_id=pool.id),
        ar.SpentBudgetPoolAnalytics(subject_id=pool.id),
        ar.UniqueWorkersCountPoolAnalytics(subject_id=pool.id),
        ar.EstimatedAssignmentsCountPoolAnalytics(subject_id=pool.id),
        ar.UniqueSubmittersCountPoolAnalytics(subject_id=pool.id),
        ar.ActiveWorkersByFilterCountPoolAnalytics(subject_id=pool.id, interval_hours=3),
    ]
    with pytest.raises(ValidationApiError):  # at most 10 per call, as in Toloka
        client.get_analytics(requests)
    operation = client.wait_operation(client.get_analytics(requests[:10]))
    last = client.wait_operation(client.get_analytics(requests[10:]))
    assert [item["result"] for item in last.details["value"]] == [0, 0]
    values = [item["result"] for item in operation.details["value"]]
    assert values[0]["value"] == 0 and values[1] == 1 and values[9]["value"] == 1
    found = client.find_operations(type="ANALYTICS")
    assert operation.id in {op.id for op in found.items}


def test_aggregation_through_tolokakit(client: TolokaClient, server: EmbeddedServer) -> None:
    from toloka.client.aggregation import (
        AggregatedSolutionType,
        PoolAggregatedSolutionRequest,
        WeightedDynamicOverlapTaskAggregatedSolutionRequest,
    )

    pool = _pool(client, _project(client))
    created = client.create_tasks(
        [
            Task(input_values={"image": f"https://e.com/{i}.png"}, pool_id=pool.id, overlap=3)
            for i in range(2)
        ],
        open_pool=True,
    )
    for answer in ("cat", "cat", "dog"):
        worker = _worker(server)
        assignment = worker.post(f"/api/worker/pools/{pool.id}/assignments").json()
        solutions = [{"output_values": {"result": answer}} for _ in assignment["tasks"]]
        assert (
            worker.post(
                f"/api/worker/assignments/{assignment['id']}/submit", json={"solutions": solutions}
            ).status_code
            == 200
        )
        worker.close()
    operation = client.aggregate_solutions_by_pool(
        PoolAggregatedSolutionRequest(
            type=AggregatedSolutionType.WEIGHTED_DYNAMIC_OVERLAP,
            pool_id=pool.id,
            fields=[PoolAggregatedSolutionRequest.Field(name="result")],
        )
    )
    operation = client.wait_operation(operation)
    results = list(client.get_aggregated_solutions(operation.id))
    assert [r.task_id for r in results] == sorted(t.id for t in created.items.values())
    assert all(r.output_values == {"result": "cat"} and abs(r.confidence - 2 / 3) < 1e-9 for r in results)
    single = client.aggregate_solutions_by_task(
        WeightedDynamicOverlapTaskAggregatedSolutionRequest(
            task_id=results[0].task_id,
            pool_id=pool.id,
            fields=[WeightedDynamicOverlapTaskAggregatedSolutionRequest.Field(name="result")],
        )
    )
    assert single.output_values == {"result": "cat"}
