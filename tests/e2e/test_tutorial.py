"""The seed tutorial ("learn the basics") through the real toloka-kit 1.2.3 against a real uvicorn
server, with `crowdlab simulate` (a real subprocess) as the crowd."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crowdlab.sim.server import EmbeddedServer

toloka = pytest.importorskip("toloka.client")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(f"sqlite:///{tmp_path}/tutorial.db") as running:
        yield running


def test_learn_the_basics_tutorial(server: EmbeddedServer, tmp_path: Path) -> None:
    from crowdkit.aggregation import MajorityVote
    from toloka.client import Pool, Project, Task, TolokaClient
    from toloka.client.actions import RestrictionV2
    from toloka.client.collectors import Captcha
    from toloka.client.conditions import FailRate
    from toloka.client.filter import Languages
    from toloka.client.project.field_spec import StringSpec, UrlSpec
    from toloka.client.project.task_spec import TaskSpec
    from toloka.client.project.template_builder import (
        GroupFieldOption,
        ImageViewV1,
        InputData,
        ListViewV1,
        OutputData,
        RadioGroupFieldV1,
        RequiredConditionV1,
        TolokaPluginV1,
    )
    from toloka.client.project.view_spec import TemplateBuilderViewSpec

    token = server.create_requester("tutorial", balance="50")
    client = TolokaClient(token, url=server.url)
    assert client.get_requester().balance == 50

    view = ListViewV1(
        [
            ImageViewV1(InputData("image"), ratio=[1, 1]),
            RadioGroupFieldV1(
                OutputData("result"),
                [GroupFieldOption("cat", "Cat"), GroupFieldOption("dog", "Dog")],
                validation=RequiredConditionV1(),
            ),
        ]
    )
    project = client.create_project(
        Project(
            public_name="Cat or Dog?",
            public_description="Specify the type of animal depicted in a photo.",
            public_instructions="Look at the picture. Determine what is on it: a <b>cat</b> or a <b>dog</b>.",
            task_spec=TaskSpec(
                input_spec={"image": UrlSpec()},
                output_spec={"result": StringSpec()},
                view_spec=TemplateBuilderViewSpec(
                    view=view, plugins=[TolokaPluginV1("scroll", task_width=400)]
                ),
            ),
        )
    )
    assert client.get_project(project.id).task_spec.view_spec.config.view.items[1].options[1].value == "dog"

    pool = Pool(
        project_id=project.id,
        private_name="Pool 1",
        may_contain_adult_content=False,
        will_expire=datetime.now(UTC) + timedelta(days=365),
        reward_per_assignment=0.01,
        assignment_max_duration_seconds=60 * 20,
        defaults=Pool.Defaults(default_overlap_for_new_tasks=3, default_overlap_for_new_task_suites=0),
        filter=Languages.in_("EN"),
    )
    pool.set_mixer_config(real_tasks_count=10)
    pool.quality_control.add_action(
        collector=Captcha(history_size=5),
        conditions=[FailRate > 20],
        action=RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS"),
    )
    pool = client.create_pool(pool)
    assert pool.status == Pool.Status.CLOSED

    rng = random.Random(3)
    truth = {f"https://example.com/img/{i:03d}.jpg": rng.choice(["cat", "dog"]) for i in range(1000)}
    result = client.create_tasks(
        [Task(input_values={"image": url}, pool_id=pool.id) for url in truth], allow_defaults=True
    )
    assert len(result.items) == 1000 and not result.validation_errors
    assert all(task.overlap == 3 for task in result.items.values())

    pool = client.open_pool(pool.id)
    assert pool.is_open()

    truth_file = tmp_path / "truth.tsv"
    truth_file.write_text("INPUT:image\tGOLDEN:result\n" + "".join(f"{u}\t{v}\n" for u, v in truth.items()))
    crowd = subprocess.run(
        [
            sys.executable,
            "-m",
            "crowdlab",
            "simulate",
            "--url",
            server.url,
            "--truth",
            str(truth_file),
            "--workers",
            "25",
            "--accuracy",
            "0.7:0.95",
            "--seed",
            "11",
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert crowd.returncode == 0, crowd.stderr

    deadline = time.monotonic() + 60
    while True:
        op = client.get_analytics(
            [toloka.analytics_request.CompletionPercentagePoolAnalytics(subject_id=pool.id)]
        )
        percentage = client.wait_operation(op).details["value"][0]["result"]["value"]
        if client.get_pool(pool.id).is_closed() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert percentage == 100
    assert client.get_pool(pool.id).last_close_reason == Pool.CloseReason.COMPLETED

    df = client.get_assignments_df(pool.id)
    assert len(df) == 3000
    df = df[["INPUT:image", "OUTPUT:result", "ASSIGNMENT:worker_id"]].rename(
        columns={"INPUT:image": "task", "OUTPUT:result": "label", "ASSIGNMENT:worker_id": "worker"}
    )
    predicted = MajorityVote().fit_predict(df)
    accuracy = sum(predicted[url] == label for url, label in truth.items()) / len(truth)
    assert accuracy >= 0.9, accuracy
