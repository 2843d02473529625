"""Project presets of the requester console, as data: for each kind of job a Template Builder config,
the input and output specs it reads and writes, instructions, and example input for the preview.

Every config uses only components the crowdlab renderer implements (``static/tb``), and the browser
tests mount each one. ``project_body`` turns a preset into the body of ``POST /api/v1/projects``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any


def _in(path: str) -> dict[str, str]:
    return {"type": "data.input", "path": path}


def _out(path: str) -> dict[str, str]:
    return {"type": "data.output", "path": path}


def _required(hint: str) -> dict[str, str]:
    return {"type": "condition.required", "hint": hint}


def _hotkeys(path: str, values: list[str]) -> dict[str, Any]:
    keys: dict[str, Any] = {"type": "plugin.hotkeys"}
    for i, value in enumerate(values[:9], start=1):
        keys[str(i)] = {"type": "action.set", "data": _out(path), "payload": value}
    return keys


def _layout(width: int) -> dict[str, Any]:
    return {"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": width}}


def _options(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": value, "label": label} for value, label in pairs]


def _url(required: bool = True) -> dict[str, Any]:
    return {"type": "url", "required": required, "hidden": False}


def _string(allowed: list[str] | None = None, required: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "string", "required": required, "hidden": False}
    if allowed:
        spec["allowed_values"] = allowed
    return spec


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    summary: str
    public_name: str
    public_description: str
    public_instructions: str
    input_spec: dict[str, Any]
    output_spec: dict[str, Any]
    config: dict[str, Any]
    example_input: dict[str, Any]
    tags: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """The preset on the wire (``GET /api/console/presets``)."""
        return {
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "tags": list(self.tags),
            "example_input": copy.deepcopy(self.example_input),
            "project": project_body(self),
        }


def lock_for(config: Any) -> dict[str, str]:
    """The component versions a config uses (every typed node except data references), all 1.0.0."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if isinstance(kind, str) and not kind.startswith("data."):
                found.add(kind)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return {"core": "1.0.0", **{kind: "1.0.0" for kind in sorted(found)}}


def project_body(preset: Preset) -> dict[str, Any]:
    """The v1 Project body a preset creates (the requester edits it before saving)."""
    return {
        "public_name": preset.public_name,
        "public_description": preset.public_description,
        "public_instructions": preset.public_instructions,
        "task_spec": {
            "input_spec": copy.deepcopy(preset.input_spec),
            "output_spec": copy.deepcopy(preset.output_spec),
            "view_spec": {
                "type": "tb",
                "config": json.dumps(preset.config, indent=2, ensure_ascii=False),
                "lock": lock_for(preset.config),
                "inferDataSpec": False,
            },
        },
        "assignments_issuing_type": "AUTOMATED",
    }


SAMPLE_IMAGE = "/static/console/sample.svg"
SAMPLE_AUDIO = "/static/console/sample.wav"

_ANIMALS = [("cat", "Cat"), ("dog", "Dog"), ("other", "Something else")]
_SOUNDS = [("speech", "Speech"), ("music", "Music"), ("noise", "Noise")]
_RELEVANCE = [("relevant", "Relevant"), ("partially", "Partially relevant"), ("irrelevant", "Not relevant")]

PRESETS: tuple[Preset, ...] = (
    Preset(
        key="image_classification",
        title="Image classification",
        summary="Workers look at an image and choose one of the categories you define.",
        tags=("image", "classification"),
        public_name="What is in the picture?",
        public_description="Look at the picture and choose the category it belongs to.",
        public_instructions=(
            "<p>Look at the picture and choose the category that fits it best.</p>"
            "<ul><li><b>Cat</b> — a cat is the main subject.</li><li><b>Dog</b> — a dog is the main "
            "subject.</li><li><b>Something else</b> — neither, or you cannot tell.</li></ul>"
            "<p>Keys <kbd>1</kbd> to <kbd>3</kbd> choose an answer.</p>"
        ),
        input_spec={"image": _url()},
        output_spec={"result": _string([v for v, _ in _ANIMALS])},
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {"type": "view.image", "url": _in("image"), "ratio": [1, 1], "rotatable": True},
                    {
                        "type": "field.radio-group",
                        "label": "What is in the picture?",
                        "data": _out("result"),
                        "options": _options(_ANIMALS),
                        "validation": _required("Choose an answer"),
                    },
                ],
            },
            "plugins": [_hotkeys("result", [v for v, _ in _ANIMALS]), _layout(500)],
        },
        example_input={"image": SAMPLE_IMAGE},
    ),
    Preset(
        key="audio_classification",
        title="Audio classification",
        summary="Workers listen to a recording and choose one of the classes you define.",
        tags=("audio", "classification"),
        public_name="What do you hear?",
        public_description="Listen to a short recording and say whether it is speech, music or noise.",
        public_instructions=(
            "<p>Play each recording to the end, then choose what you hear.</p>"
            "<ul><li><b>Speech</b> — someone is talking, even with music behind.</li>"
            "<li><b>Music</b> — singing or instruments, no talking.</li>"
            "<li><b>Noise</b> — anything else: street, wind, silence.</li></ul>"
            "<p>Keys <kbd>1</kbd>, <kbd>2</kbd> and <kbd>3</kbd> choose an answer.</p>"
        ),
        input_spec={"audio": _url()},
        output_spec={"result": _string([v for v, _ in _SOUNDS])},
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {
                        "type": "view.audio",
                        "url": _in("audio"),
                        "validation": {"type": "condition.played", "hint": "Play the recording first"},
                    },
                    {
                        "type": "field.radio-group",
                        "label": "What do you hear?",
                        "data": _out("result"),
                        "options": _options(_SOUNDS),
                        "validation": _required("Choose an answer"),
                    },
                ],
            },
            "plugins": [_hotkeys("result", [v for v, _ in _SOUNDS]), _layout(500)],
        },
        example_input={"audio": SAMPLE_AUDIO},
    ),
    Preset(
        key="search_relevance",
        title="Product search relevance",
        summary="Workers judge how well a product matches a search query.",
        tags=("e-commerce", "relevance"),
        public_name="Does the product match the search?",
        public_description="Read a shopper's search query and say how well the product matches it.",
        public_instructions=(
            "<p>Imagine you typed the query into a shop's search box. Would you want to see this "
            "product?</p><ul><li><b>Relevant</b> — exactly what was searched for.</li><li><b>Partially "
            "relevant</b> — close: another size, colour or a related accessory.</li><li><b>Not "
            "relevant</b> — something else.</li></ul>"
        ),
        input_spec={"query": _string(), "title": _string(), "image": _url(), "link": _url(required=False)},
        output_spec={"result": _string([v for v, _ in _RELEVANCE])},
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {"type": "view.text", "label": "Search query", "content": _in("query")},
                    {"type": "view.text", "label": "Product", "content": _in("title")},
                    {"type": "view.image", "url": _in("image"), "ratio": [4, 3]},
                    {"type": "view.link", "url": _in("link"), "content": "Open the product page"},
                    {
                        "type": "field.radio-group",
                        "label": "How well does the product match the query?",
                        "data": _out("result"),
                        "options": _options(_RELEVANCE),
                        "validation": _required("Choose an answer"),
                    },
                ],
            },
            "plugins": [_hotkeys("result", [v for v, _ in _RELEVANCE]), _layout(600)],
        },
        example_input={
            "query": "red running shoes",
            "title": "Trail runner, red, size 42",
            "image": SAMPLE_IMAGE,
            "link": "https://example.com/products/42",
        },
    ),
    Preset(
        key="object_detection",
        title="Object recognition & detection",
        summary="Workers draw boxes around objects in an image and label them.",
        tags=("image", "annotation"),
        public_name="Outline the objects",
        public_description="Draw a box around every car and every person in the photo.",
        public_instructions=(
            "<p>Choose a label, then drag to draw a box around each <b>car</b> and each "
            "<b>person</b>. The box should touch the edges of the object. Skip objects smaller "
            "than a fingertip on the screen.</p>"
        ),
        input_spec={"image": _url()},
        output_spec={"result": {"type": "json", "required": True, "hidden": False}},
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {"type": "view.text", "content": "Outline every car and every person."},
                    {
                        "type": "field.image-annotation",
                        "data": _out("result"),
                        "image": _in("image"),
                        "labels": [{"label": "Car", "value": "car"}, {"label": "Person", "value": "person"}],
                        "shapes": {"rectangle": True, "polygon": True},
                        "validation": _required("Outline at least one object"),
                    },
                ],
            },
            "plugins": [_layout(800)],
        },
        example_input={"image": SAMPLE_IMAGE},
    ),
    Preset(
        key="clickbait",
        title="Clickbait or not",
        summary="Workers read a headline and decide whether it is clickbait.",
        tags=("text", "classification"),
        public_name="Is this headline clickbait?",
        public_description="Read a news headline and say whether it is written to bait clicks.",
        public_instructions=(
            "<p>A headline is <b>clickbait</b> when it hides the point to make you click "
            "(<i>&ldquo;You won&rsquo;t believe what happened next&rdquo;</i>), exaggerates, or teases. It is "
            "<b>not clickbait</b> when it tells you what the article is about.</p>"
        ),
        input_spec={"headline": _string()},
        output_spec={"result": _string(["clickbait", "notclickbait"])},
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {"type": "view.text", "label": "Headline", "content": _in("headline")},
                    {
                        "type": "field.button-radio-group",
                        "label": "Is it clickbait?",
                        "data": _out("result"),
                        "options": _options([("clickbait", "Clickbait"), ("notclickbait", "Not clickbait")]),
                        "validation": _required("Choose an answer"),
                    },
                ],
            },
            "plugins": [_hotkeys("result", ["clickbait", "notclickbait"]), _layout(500)],
        },
        example_input={"headline": "Ten tricks doctors do not want you to know"},
    ),
    Preset(
        key="side_by_side",
        title="Side-by-side comparison",
        summary="Workers compare two images and choose the better one.",
        tags=("image", "comparison"),
        public_name="Which picture is better?",
        public_description="Compare two pictures and choose the one that looks better.",
        public_instructions=(
            "<p>Compare the two pictures. Choose the one that is sharper, better lit and better "
            "framed. If they look the same to you, pick the one you would rather keep.</p>"
        ),
        input_spec={"image_left": _url(), "image_right": _url()},
        output_spec={"result": _string(["left", "right"])},
        config={
            "view": {
                "type": "layout.side-by-side",
                "items": [
                    {"type": "view.image", "url": _in("image_left"), "ratio": [1, 1]},
                    {"type": "view.image", "url": _in("image_right"), "ratio": [1, 1]},
                ],
                "controls": {
                    "type": "field.radio-group",
                    "label": "Which one is better?",
                    "data": _out("result"),
                    "options": _options([("left", "Left"), ("right", "Right")]),
                    "validation": _required("Choose an answer"),
                },
            },
            "plugins": [_hotkeys("result", ["left", "right"]), _layout(800)],
        },
        example_input={"image_left": SAMPLE_IMAGE, "image_right": SAMPLE_IMAGE},
    ),
    Preset(
        key="text_transcription",
        title="Text transcription",
        summary="Workers type the text they see in an image, exactly as written.",
        tags=("image", "text"),
        public_name="Type the text from the picture",
        public_description="Type the text you see in the picture exactly as it is written.",
        public_instructions=(
            "<p>Type the text exactly as written, keeping capital letters and punctuation. Write "
            "<code>#unreadable#</code> for a word you cannot read.</p>"
        ),
        input_spec={"image": _url()},
        output_spec={"result": {"type": "string", "required": True, "hidden": False, "max_length": 5000}},
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {"type": "view.image", "url": _in("image"), "ratio": [3, 1], "fullHeight": False},
                    {
                        "type": "field.textarea",
                        "label": "Text in the picture",
                        "data": _out("result"),
                        "placeholder": "Type the text here",
                        "validation": _required("Type the text you see"),
                    },
                ],
            },
            "plugins": [_layout(600)],
        },
        example_input={"image": SAMPLE_IMAGE},
    ),
    Preset(
        key="survey",
        title="Survey",
        summary="Workers answer a short questionnaire about a topic you give.",
        tags=("survey",),
        public_name="A short survey",
        public_description="Answer three short questions. There are no right or wrong answers.",
        public_instructions="<p>Answer honestly; there are no right or wrong answers.</p>",
        input_spec={"topic": _string()},
        output_spec={
            "frequency": _string(["daily", "weekly", "rarely", "never"]),
            "rating": {"type": "integer", "required": True, "hidden": False, "min_value": 1, "max_value": 5},
            "comment": _string(required=False),
        },
        config={
            "view": {
                "type": "view.list",
                "items": [
                    {"type": "view.text", "label": "Topic", "content": _in("topic")},
                    {
                        "type": "field.radio-group",
                        "label": "How often do you use it?",
                        "data": _out("frequency"),
                        "options": _options(
                            [
                                ("daily", "Every day"),
                                ("weekly", "Every week"),
                                ("rarely", "Rarely"),
                                ("never", "Never"),
                            ]
                        ),
                        "validation": _required("Choose an answer"),
                    },
                    {
                        "type": "field.number",
                        "label": "How much do you like it, from 1 to 5?",
                        "data": _out("rating"),
                        "validation": {
                            "type": "condition.schema",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 5},
                            "hint": "A whole number from 1 to 5",
                        },
                    },
                    {"type": "field.textarea", "label": "Anything else? (optional)", "data": _out("comment")},
                ],
            },
            "plugins": [_layout(600)],
        },
        example_input={"topic": "Public transport in your city"},
    ),
)

SCRATCH = Preset(
    key="scratch",
    title="From scratch",
    summary="An empty project: write the interface yourself in Template Builder.",
    tags=(),
    public_name="",
    public_description="",
    public_instructions="",
    input_spec={"text": _string()},
    output_spec={"result": _string()},
    config={
        "view": {
            "type": "view.list",
            "items": [
                {"type": "view.text", "content": _in("text")},
                {
                    "type": "field.text",
                    "label": "Your answer",
                    "data": _out("result"),
                    "validation": _required("Answer, please"),
                },
            ],
        }
    },
    example_input={"text": "Some input text"},
)

BY_KEY: dict[str, Preset] = {p.key: p for p in (*PRESETS, SCRATCH)}


def get(key: str) -> Preset | None:
    """The preset with this key, or None."""
    return BY_KEY.get(key)


def catalogue() -> list[dict[str, Any]]:
    """Every preset (the eight job kinds, then "from scratch") as JSON-ready data."""
    return [p.as_dict() for p in (*PRESETS, SCRATCH)]
