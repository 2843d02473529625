"""A crowdlab server with a requester's projects and pools for the worker web app's browser tests.

Everything is created over the public v1 API, as a requester would: the seed's cat/dog project, an
audio classification project, an image annotation (rectangles) project, a pool that bans after one
skip, a pool for French speakers only, a pool with control tasks and a training with hints. Media
(images, a generated WAV) come from the renderer tests' static server (``tb_server``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import CAT_DOG_PROJECT, pool_body

# Unique strings that must never reach a worker's browser before the answer (see the inspector test).
SOLUTION_MARKER = "zq-known-solution-7f3a9c"
HINT_MARKER = "zq-training-hint-b41d0e"
PASSWORD = "labels-4-life"

Json = dict[str, Any]


def _tb(config: Json) -> Json:
    return {"type": "tb", "config": json.dumps(config), "inferDataSpec": False}


def _out(path: str) -> Json:
    return {"type": "data.output", "path": path}


def _inp(path: str) -> Json:
    return {"type": "data.input", "path": path}


def _choice(path: str, options: list[tuple[str, str]], label: str | None = None) -> Json:
    node: Json = {
        "type": "field.radio-group",
        "data": _out(path),
        "options": [{"value": v, "label": lbl} for v, lbl in options],
        "validation": {"type": "condition.required", "hint": "Choose an answer"},
    }
    if label:
        node["label"] = label
    return node


AUDIO_PROJECT: Json = {
    "public_name": "Is someone speaking?",
    "public_description": "Listen to a short clip and say whether you hear speech.",
    "public_instructions": "<p>Play the clip. Choose <b>Speech</b> if you hear a voice.</p>",
    "task_spec": {
        "input_spec": {"audio": {"type": "url", "required": True}},
        "output_spec": {"result": {"type": "string", "required": True, "allowed_values": ["speech", "none"]}},
        "view_spec": _tb(
            {
                "view": {
                    "type": "view.list",
                    "items": [
                        {"type": "view.audio", "url": _inp("audio")},
                        _choice("result", [("speech", "Speech"), ("none", "No speech")]),
                    ],
                }
            }
        ),
    },
}

BOX_PROJECT: Json = {
    "public_name": "Draw a box around the cat",
    "public_description": "Mark the animal with a rectangle.",
    "public_instructions": "<p>Drag on the picture to draw a rectangle around the animal.</p>",
    "task_spec": {
        "input_spec": {"image": {"type": "url", "required": True}},
        "output_spec": {"shapes": {"type": "json", "required": True}},
        "view_spec": _tb(
            {
                "view": {
                    "type": "field.image-annotation",
                    "data": _out("shapes"),
                    "image": _inp("image"),
                    "shapes": {"rectangle": True},
                    "validation": {"type": "condition.required", "hint": "Draw at least one box"},
                }
            }
        ),
    },
}

QC_PROJECT: Json = {
    "public_name": "Spot the animal",
    "public_description": "Say which animal is in the picture.",
    "public_instructions": "<p>Choose the animal you see.</p>",
    "task_spec": {
        "input_spec": {"image": {"type": "url", "required": True}},
        # no allowed_values: known solutions may hold marker strings no option produces
        "output_spec": {"result": {"type": "string", "required": True}},
        "view_spec": _tb(
            {
                "view": {
                    "type": "view.list",
                    "items": [
                        {"type": "view.image", "url": _inp("image"), "ratio": [4, 3]},
                        _choice("result", [("cat", "Cat"), ("dog", "Dog")]),
                    ],
                }
            }
        ),
    },
}


def renamed(project: Json, name: str, **extra: Any) -> Json:
    """A copy of a project definition under another public name."""
    out = copy.deepcopy(project)
    out["public_name"] = name
    out.update(extra)
    return out


@dataclass
class Site:
    """The running server, the requester's API client and the ids of what was created."""

    url: str
    media: str
    api: httpx.Client
    pools: dict[str, str] = field(default_factory=dict)
    projects: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.api.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def project(self, key: str, body: Json) -> str:
        self.projects[key] = self.call("POST", "/api/v1/projects", json=body)["id"]
        return self.projects[key]

    def pool(self, key: str, project: str, tasks: list[Json], **overrides: Any) -> str:
        body = pool_body(self.projects[project], private_name=key, **overrides)
        pool_id = self.call("POST", "/api/v1/pools", json=body)["id"]
        for task in tasks:
            task["pool_id"] = pool_id
        self.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks)
        self.call("POST", f"/api/v1/pools/{pool_id}/open")
        self.pools[key] = pool_id
        return pool_id

    def training(self, key: str, project: str, tasks: list[Json], **overrides: Any) -> str:
        body = {
            "project_id": self.projects[project],
            "private_name": key,
            "may_contain_adult_content": False,
            "assignment_max_duration_seconds": 600,
            "training_tasks_in_task_suite_count": len(tasks),
            "task_suites_required_to_pass": 1,
            **overrides,
        }
        training_id = self.call("POST", "/api/v1/trainings", json=body)["id"]
        for task in tasks:
            task["pool_id"] = training_id
        self.call("POST", "/api/v1/tasks", params={"allow_defaults": "true"}, json=tasks)
        self.call("POST", f"/api/v1/trainings/{training_id}/open")
        self.pools[key] = training_id
        return training_id

    def assignments(self, pool: str) -> list[Json]:
        return list(self.call("GET", "/api/v1/assignments", params={"pool_id": self.pools[pool]})["items"])


def images(media: str, n: int) -> list[Json]:
    return [
        {"input_values": {"image": f"{media}/harness/{'cat' if i % 2 == 0 else 'dog'}.svg"}} for i in range(n)
    ]


def seed(site: Site) -> None:
    """Create the projects and pools every browser test can use (each test signs up its own worker)."""
    media = site.media
    site.project("catdog", CAT_DOG_PROJECT)
    site.pool(
        "cats",
        "catdog",
        images(media, 60),
        reward_per_assignment=0.05,
        assignment_max_duration_seconds=600,
        defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 20},
        mixer_config={"real_tasks_count": 3, "golden_tasks_count": 0, "training_tasks_count": 0},
    )
    site.project("audio", AUDIO_PROJECT)
    site.pool(
        "audio",
        "audio",
        [{"input_values": {"audio": f"{media}/media/tone.wav"}} for _ in range(20)],
        reward_per_assignment=0.03,
        defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 20},
        mixer_config={"real_tasks_count": 2, "golden_tasks_count": 0, "training_tasks_count": 0},
    )
    site.project("boxes", BOX_PROJECT)
    site.pool(
        "boxes",
        "boxes",
        [{"input_values": {"image": f"{media}/harness/cat.svg"}} for _ in range(20)],
        reward_per_assignment=0.1,
        defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 20},
        mixer_config={"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0},
    )
    site.project("skippy", renamed(CAT_DOG_PROJECT, "Quick cat check"))
    site.pool(
        "skippy",
        "skippy",
        images(media, 20),
        defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 20},
        quality_control={
            "configs": [
                {
                    "collector_config": {"type": "SKIPPED_IN_ROW_ASSIGNMENTS"},
                    "rules": [
                        {
                            "conditions": [{"key": "skipped_in_row_count", "operator": "GTE", "value": 1}],
                            "action": {
                                "type": "RESTRICTION_V2",
                                "parameters": {
                                    "scope": "POOL",
                                    "duration": 1,
                                    "duration_unit": "DAYS",
                                    "private_comment": "skipped",
                                },
                            },
                        }
                    ],
                }
            ]
        },
    )
    site.project("french", renamed(CAT_DOG_PROJECT, "Chat ou chien ?"))
    site.pool(
        "french",
        "french",
        images(media, 4),
        filter={"and": [{"category": "profile", "key": "languages", "operator": "IN", "value": "FR"}]},
    )
    site.project("qc", QC_PROJECT)
    control = {
        "input_values": {"image": f"{media}/harness/dog.svg"},
        "known_solutions": [{"output_values": {"result": SOLUTION_MARKER}, "correctness_weight": 1}],
    }
    site.pool(
        "qc",
        "qc",
        [*images(media, 20), *[copy.deepcopy(control) for _ in range(3)]],
        defaults={"default_overlap_for_new_task_suites": 0, "default_overlap_for_new_tasks": 20},
        mixer_config={"real_tasks_count": 1, "golden_tasks_count": 1, "training_tasks_count": 0},
    )
