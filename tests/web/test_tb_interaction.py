"""Behaviour of a mounted suite: keyboard-only answering, drawing, validation, restore/autosave,
hints, read-only mode, pager layout, uploads and recordings, and responsive screenshots."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .conftest import ARTIFACTS_DIR, Harness

pytestmark = pytest.mark.browser

Json = dict[str, Any]


def OUT(path: str) -> Json:
    return {"type": "data.output", "path": path}


# The tutorial project of toloka-api.md section 6 (decoded `config`).
CAT_DOG: Json = {
    "view": {
        "items": [
            {"url": {"path": "image", "type": "data.input"}, "ratio": [1, 1], "type": "view.image"},
            {
                "data": {"path": "result", "type": "data.output"},
                "options": [{"value": "cat", "label": "Cat"}, {"value": "dog", "label": "Dog"}],
                "validation": {"type": "condition.required"},
                "type": "field.radio-group",
            },
        ],
        "type": "view.list",
    },
    "plugins": [{"layout": {"kind": "scroll", "taskWidth": 400}, "type": "plugin.toloka"}],
}
CAT_DOG_SPEC = {"result": {"required": True, "hidden": False, "type": "string"}}
HOTKEYS = {
    "type": "plugin.hotkeys",
    "1": {"type": "action.set", "data": OUT("result"), "payload": "cat"},
    "2": {"type": "action.set", "data": OUT("result"), "payload": "dog"},
}
IMAGES = [{"image": "/harness/cat.svg"}, {"image": "/harness/dog.svg"}, {"image": "/harness/cat.svg"}]


def cat_dog(*extra_plugins: Json, kind: str = "scroll") -> Json:
    config = copy.deepcopy(CAT_DOG)
    config["plugins"][0]["layout"]["kind"] = kind
    config["plugins"].extend(extra_plugins)
    return config


def task(h: Harness, i: int) -> Any:
    return h.page.locator(f'.tb-task[data-task-index="{i}"]')


def active(h: Harness) -> int:
    return int(h.call("s => s.activeTask"))


def focused_task(h: Harness) -> str | None:
    return h.page.evaluate("() => document.activeElement.getAttribute('data-task-index')")


def test_keyboard_only_answering_with_hotkeys(harness: Harness) -> None:
    h = harness
    h.mount(cat_dog(HOTKEYS), IMAGES, outputSpec=CAT_DOG_SPEC)
    kb = h.page.keyboard
    assert active(h) == 0
    kb.press("1")
    kb.press("ArrowDown")
    assert (active(h), focused_task(h)) == (1, "1")
    assert "tb-task-active" in (task(h, 1).get_attribute("class") or "")
    kb.press("2")
    kb.press("Enter")
    assert (active(h), focused_task(h)) == (2, "2")
    kb.press("2")
    kb.press("Shift+Enter")
    kb.press("Enter")
    kb.press("1")  # change of mind on the last task
    assert h.solutions() == [{"result": "cat"}, {"result": "dog"}, {"result": "cat"}]
    assert task(h, 1).get_by_label("Dog").is_checked()
    assert task(h, 2).get_by_label("Cat").is_checked()
    assert h.validate() == {"ok": True, "errors": []}
    h.page.wait_for_function("() => window.__tb.events.changes.length >= 3")
    changed_tasks = {i for i, _ in h.events()["changes"]}
    assert changed_tasks == {0, 1, 2}


def test_hotkeys_are_ignored_while_typing(harness: Harness) -> None:
    h = harness
    config = cat_dog(HOTKEYS)
    config["view"]["items"].append({"type": "field.text", "data": OUT("comment"), "placeholder": "Comment"})
    h.mount(config, IMAGES[:1])
    h.page.get_by_placeholder("Comment").type("12")
    assert h.outputs() == {"comment": "12"}


def test_keyboard_tab_and_space_without_hotkeys(harness: Harness) -> None:
    h = harness
    h.mount(cat_dog(), IMAGES[:2], outputSpec=CAT_DOG_SPEC)
    kb = h.page.keyboard
    kb.press("Tab")
    kb.press("Space")
    kb.press("Tab")
    assert active(h) == 1
    kb.press("ArrowDown")  # native radio-group navigation selects "Dog"
    assert h.solutions() == [{"result": "cat"}, {"result": "dog"}]


def test_validation_messages_next_to_fields(harness: Harness) -> None:
    h = harness
    config = {
        "view": {
            "type": "view.list",
            "items": [
                {
                    "type": "field.text",
                    "label": "Name",
                    "data": OUT("name"),
                    "validation": {
                        "type": "condition.schema",
                        "schema": {"type": "string", "minLength": 3},
                        "hint": "At least 3 letters",
                    },
                },
                {"type": "field.number", "label": "Age", "data": OUT("age"), "maximum": 120},
                {"type": "field.email", "label": "Email", "data": OUT("email")},
            ],
        }
    }
    spec = {
        "name": {"type": "string", "required": True},
        "age": {"type": "integer", "required": True},
        "email": {"type": "string", "required": False},
        "comment": {"type": "string", "required": True},
    }
    h.mount(config, outputSpec=spec)
    assert h.page.locator(".tb-error:visible").count() == 0, "no messages before the first validate()"
    result = h.validate()
    assert result["ok"] is False
    assert [(e["path"], e["message"]) for e in result["errors"]] == [
        ("name", "At least 3 letters"),
        ("name", "This field is required"),
        ("age", "This field is required"),
        ("comment", "This field is required"),
    ]
    name = h.page.get_by_label("Name")
    assert h.page.evaluate(
        "() => document.activeElement.getAttribute('aria-labelledby')"
    ) == name.get_attribute("aria-labelledby")
    assert name.get_attribute("aria-invalid") == "true"
    name_error = h.page.locator(".tb-field-text .tb-error")
    assert name_error.inner_text().splitlines() == ["At least 3 letters", "This field is required"]
    assert h.page.locator(".tb-task-errors").inner_text() == "comment: This field is required"

    name.fill("Al")
    assert name_error.inner_text() == "At least 3 letters"
    name.fill("Ala")
    assert not name_error.is_visible()
    age = h.page.get_by_label("Age")
    age.fill("150")
    assert h.page.locator(".tb-field-number .tb-error").inner_text() == "Must be at most 120"
    age.fill("12.5")
    assert h.page.locator(".tb-field-number .tb-error").inner_text() == "Must be a whole number"
    age.fill("42")
    h.page.get_by_label("Email").fill("not-an-email")
    assert h.page.locator(".tb-field-email .tb-error").inner_text() == "Enter a valid email address"
    h.page.get_by_label("Email").fill("a@example.org")
    h.call("s => s.setOutputs(0, {...s.getOutputs(0), comment: 'ok'})")
    assert not h.page.locator(".tb-task-errors").is_visible()
    assert h.validate() == {"ok": True, "errors": []}
    assert h.outputs() == {"name": "Ala", "age": 42, "email": "a@example.org", "comment": "ok"}


def test_draw_rectangle_polygon_and_point(harness: Harness) -> None:
    h = harness
    config = {
        "view": {
            "type": "field.image-annotation",
            "data": OUT("shapes"),
            "image": {"type": "data.input", "path": "image"},
            "labels": [{"label": "Car", "value": "car"}, {"label": "Person", "value": "person"}],
            "shapes": {"rectangle": True, "polygon": True, "point": True},
        },
        "plugins": [
            {
                "type": "plugin.field.image-annotation.hotkeys",
                "labels": ["c", "p"],
                "modes": {"point": "t", "select": "s"},
            }
        ],
    }
    h.mount(
        config, [{"image": "/harness/cat.svg"}], outputSpec={"shapes": {"type": "json", "required": True}}
    )
    h.page.wait_for_function("() => document.querySelector('.tb-ia-img').naturalWidth > 0")
    box = h.page.locator(".tb-ia-stage").bounding_box()
    assert box is not None and box["width"] > 100

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    mouse = h.page.mouse
    # rectangle with the default label (Car), dragged bottom-right to top-left
    mouse.move(*at(0.4, 0.6))
    mouse.down()
    mouse.move(*at(0.2, 0.4), steps=3)
    mouse.move(*at(0.1, 0.2), steps=3)
    mouse.up()
    # polygon labelled Person, closed by clicking its first point again
    h.page.get_by_role("button", name="Person").click()
    h.page.get_by_role("button", name="Polygon").click()
    for point in [(0.5, 0.1), (0.9, 0.1), (0.7, 0.5), (0.501, 0.101)]:
        mouse.click(*at(*point))
    # a polygon started and cancelled with Escape leaves nothing behind
    mouse.click(*at(0.2, 0.9))
    h.page.keyboard.press("Escape")
    # point mode by plugin hotkey, placed with a touch pointer
    h.page.keyboard.press("t")
    assert h.page.get_by_role("button", name="Point").get_attribute("aria-pressed") == "true"
    x, y = at(0.3, 0.8)
    h.page.locator(".tb-ia-svg").evaluate(
        """(svg, [x, y]) => {
            const opts = {bubbles: true, clientX: x, clientY: y, pointerId: 7, pointerType: 'touch',
                          isPrimary: true, button: 0};
            svg.dispatchEvent(new PointerEvent('pointerdown', opts));
            svg.dispatchEvent(new PointerEvent('pointerup', opts));
        }""",
        [x, y],
    )
    shapes = h.outputs()["shapes"]
    assert [s["shape"] for s in shapes] == ["rectangle", "polygon", "point"]
    rect, poly, point = shapes
    assert set(rect) == {"shape", "left", "top", "width", "height", "label"}
    assert rect["label"] == "car"
    assert [rect[k] for k in ("left", "top", "width", "height")] == pytest.approx(
        [0.1, 0.2, 0.3, 0.4], abs=0.01
    )
    assert poly["label"] == "person"
    assert [(p["left"], p["top"]) for p in poly["points"]] == [
        pytest.approx((0.5, 0.1), abs=0.01),
        pytest.approx((0.9, 0.1), abs=0.01),
        pytest.approx((0.7, 0.5), abs=0.01),
    ]
    assert point == {
        "shape": "point",
        "left": pytest.approx(0.3, abs=0.01),
        "top": pytest.approx(0.8, abs=0.01),
        "label": "person",
    }
    assert all(0 <= v <= 1 for s in shapes for v in (s.get("left", 0), s.get("top", 0)))
    # select the rectangle and delete it from the keyboard
    h.page.keyboard.press("s")
    mouse.click(*at(0.25, 0.4))
    h.page.keyboard.press("Delete")
    assert [s["shape"] for s in h.outputs()["shapes"]] == ["polygon", "point"]
    assert h.page.locator(".tb-ia-list li").count() == 2
    assert h.validate() == {"ok": True, "errors": []}


def test_restore_autosave_and_view_responses(harness: Harness) -> None:
    h = harness
    h.mount(cat_dog(), IMAGES[:2], outputSpec=CAT_DOG_SPEC, initialOutputs=[{"result": "dog"}, None])
    assert task(h, 0).get_by_label("Dog").is_checked()
    assert h.solutions() == [{"result": "dog"}, {}]
    task(h, 0).get_by_label("Cat").check()
    h.page.wait_for_function("() => window.__tb.events.changes.length === 1")
    assert h.events()["changes"] == [[0, {"result": "cat"}]]
    h.call("s => s.setOutputs(1, {result: 'dog'})")
    assert task(h, 1).get_by_label("Dog").is_checked()
    h.page.evaluate("() => new Promise(r => setTimeout(r, 20))")
    assert len(h.events()["changes"]) == 1, "host-originated setOutputs must not call onChange"
    # initialOutputs keyed by task id
    h.mount(cat_dog(), IMAGES[:2], initialOutputs={"t1": {"result": "cat"}})
    assert h.solutions() == [{}, {"result": "cat"}]


def test_training_hint_is_shown_as_text(harness: Harness) -> None:
    h = harness
    h.mount(cat_dog(), IMAGES[:2])
    hint = task(h, 1).locator(".tb-task-hint")
    assert not hint.is_visible()
    h.call("s => s.showHint(1, '<b>Look at the ears</b>')")
    assert hint.is_visible()
    assert hint.inner_text() == "Hint: <b>Look at the ears</b>"
    assert hint.locator("b").count() == 0
    assert not task(h, 0).locator(".tb-task-hint").is_visible()
    h.call("s => s.showHint(1, '')")
    assert not hint.is_visible()


def test_read_only_shows_answers_without_changing_them(harness: Harness) -> None:
    h = harness
    config = cat_dog(HOTKEYS)
    config["view"]["items"].append({"type": "field.text", "data": OUT("comment")})
    h.mount(config, IMAGES[:1], readOnly=True, initialOutputs=[{"result": "cat", "comment": "seen"}])
    assert h.page.get_by_label("Cat").is_checked()
    assert h.page.get_by_label("Dog").is_disabled()
    assert h.page.locator("input.tb-input").is_disabled()
    assert h.page.locator("input.tb-input").input_value() == "seen"
    h.page.keyboard.press("2")
    assert h.solutions() == [{"result": "cat", "comment": "seen"}]


def test_pager_layout_shows_one_task_at_a_time(harness: Harness) -> None:
    h = harness
    h.mount(cat_dog(HOTKEYS, kind="pager"), IMAGES, outputSpec=CAT_DOG_SPEC)
    assert h.page.locator(".tb-task:visible").count() == 1
    assert h.page.locator(".tb-pager-status").inner_text() == "Task 1 of 3"
    h.page.keyboard.press("1")
    h.page.get_by_role("button", name="Next →").click()
    assert task(h, 1).is_visible() and not task(h, 0).is_visible()
    h.page.keyboard.press("ArrowDown")
    assert h.page.locator(".tb-pager-status").inner_text() == "Task 3 of 3"
    result = h.validate()
    assert [e["taskIndex"] for e in result["errors"]] == [1, 2]
    assert task(h, 1).is_visible(), "validate() turns to the first task with a problem"


def test_audio_field_records_with_media_recorder(harness: Harness) -> None:
    h = harness
    h.mount({"view": {"type": "field.audio", "data": OUT("voice")}}, outputSpec={"voice": {"type": "file"}})
    h.page.get_by_role("button", name="● Record").click()
    stop = h.page.get_by_role("button", name="■ Stop recording")
    stop.wait_for()
    h.page.wait_for_timeout(400)
    stop.click()
    h.page.wait_for_function("() => window.__tb.events.uploads.length === 1", timeout=5000)
    upload = h.events()["uploads"][0]
    assert upload["size"] > 0 and upload["type"].startswith("audio/")
    h.page.get_by_text("Uploaded recording.").wait_for()
    assert h.outputs() == {"voice": "file-1"}


def test_upload_without_host_callback_is_explained(harness: Harness) -> None:
    h = harness
    h.mount(
        {"view": {"type": "field.file", "data": OUT("doc")}},
        outputSpec={"doc": {"type": "file"}},
        noUpload=True,
    )
    assert h.page.locator("input[type=file]").is_disabled()
    assert h.page.locator(".tb-upload-status").inner_text() == "File upload is not available here."
    assert h.validate()["errors"] == [{"taskIndex": 0, "path": "doc", "message": "This field is required"}]


COMPLEX: Json = {
    "vars": {"img": {"type": "data.input", "path": "image"}},
    "view": {
        "type": "view.list",
        "items": [
            {
                "type": "view.collapse",
                "label": "Instructions",
                "defaultOpened": True,
                "content": {
                    "type": "view.markdown",
                    "content": "Draw a **box** around every animal, then answer the questions.\n\n"
                    "- use *Rectangle* for bodies\n- use *Polygon* for odd shapes",
                },
            },
            {
                "type": "layout.sidebar",
                "minWidth": 560,
                "controlsWidth": 260,
                "content": {
                    "type": "field.image-annotation",
                    "data": OUT("boxes"),
                    "image": {"$ref": "vars.img"},
                    "labels": [{"label": "Cat", "value": "cat"}, {"label": "Dog", "value": "dog"}],
                    "shapes": {"rectangle": True, "polygon": True},
                },
                "controls": {
                    "type": "view.list",
                    "items": [
                        {
                            "type": "field.radio-group",
                            "label": "Is the image clear?",
                            "data": OUT("clear"),
                            "options": [{"value": True, "label": "Yes"}, {"value": False, "label": "No"}],
                            "validation": {"type": "condition.required", "hint": "Please answer"},
                        },
                        {
                            "type": "field.checkbox-group",
                            "label": "What else is there?",
                            "data": OUT("extra"),
                            "options": [
                                {"value": "text", "label": "Text"},
                                {"value": "people", "label": "People"},
                            ],
                        },
                        {"type": "field.textarea", "label": "Comment", "data": OUT("comment"), "rows": 3},
                    ],
                },
            },
            {"type": "view.alert", "theme": "info", "content": "Answers are saved automatically."},
        ],
    },
    "plugins": [{"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": 900}}],
}


@pytest.mark.parametrize(
    ("name", "width", "height"),
    [("phone", 390, 844), ("desktop", 1280, 900)],
)
def test_screenshots_and_no_horizontal_overflow(
    browser: Any, tb_server: str, name: str, width: int, height: int
) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    mobile = name == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile, device_scale_factor=1
    )
    try:
        h = Harness(context.new_page(), tb_server)
        h.load()
        for config_name, config, inputs in [
            ("catdog", cat_dog(HOTKEYS), IMAGES[:2]),
            ("complex", COMPLEX, IMAGES[1:2]),
        ]:
            h.mount(config, inputs, outputSpec=CAT_DOG_SPEC if config_name == "catdog" else {})
            h.page.wait_for_function(
                "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
            )
            h.validate(focus=False)
            overflow = h.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{config_name} overflows horizontally by {overflow}px at {width}px"
            h.page.evaluate("() => window.scrollTo(0, 0)")
            h.page.screenshot(path=str(ARTIFACTS_DIR / f"{config_name}-{name}.png"), full_page=True)
        if mobile:
            sidebar = h.page.locator(".tb-sidebar")
            assert "tb-stacked" in (sidebar.get_attribute("class") or ""), "sidebar stacks on a phone"
        assert h.page_errors == []
    finally:
        context.close()


def test_text_annotation_by_selection_and_hotkeys(harness: Harness) -> None:
    h = harness
    config = {
        "view": {
            "type": "field.text-annotation",
            "data": OUT("spans"),
            "content": {"type": "data.input", "path": "text"},
            "labels": [{"label": "Animal", "value": "animal"}, {"label": "Colour", "value": "colour"}],
            "adjust": "words",
        },
        "plugins": [{"type": "plugin.field.text-annotation.hotkeys", "labels": ["a", "c"], "remove": "x"}],
    }
    sentence = "The quick brown fox <b>jumps</b> over the lazy dog"
    h.mount(config, [{"text": sentence}], outputSpec={"spans": {"type": "json"}})
    content = h.page.locator(".tb-ta-content")
    assert content.inner_text() == sentence
    # selecting text and releasing the mouse marks it with the current label
    h.page.evaluate(
        """([needle, from, to]) => {
            const el = document.querySelector('.tb-ta-content');
            const node = [...el.childNodes].find(n => n.nodeType === 3 && n.data.includes(needle));
            const i = node.data.indexOf(needle);
            const r = document.createRange();
            r.setStart(node, i + from);
            r.setEnd(node, i + to);
            getSelection().removeAllRanges();
            getSelection().addRange(r);
        }""",
        ["fox", 1, 2],  # a partial selection "o" is widened to the word
    )
    content.dispatch_event("mouseup")
    assert h.outputs()["spans"] == [{"start": 16, "end": 19, "content": "fox", "label": "animal"}]
    h.page.evaluate(
        """() => {
            const el = document.querySelector('.tb-ta-content');
            const node = [...el.childNodes].find(n => n.nodeType === 3 && n.data.includes('brown'));
            const i = node.data.indexOf('brown');
            const r = document.createRange();
            r.setStart(node, i);
            r.setEnd(node, i + 5);
            getSelection().removeAllRanges();
            getSelection().addRange(r);
        }"""
    )
    h.page.keyboard.press("c")
    spans = h.outputs()["spans"]
    assert spans == [
        {"start": 10, "end": 15, "content": "brown", "label": "colour"},
        {"start": 16, "end": 19, "content": "fox", "label": "animal"},
    ]
    assert h.page.locator("mark.tb-ta-mark").all_inner_texts() == ["brown", "fox"]
    assert content.inner_text() == sentence, "the remove buttons add no text"
    h.page.get_by_role("button", name="Remove “brown” (Colour)").click()
    assert h.outputs()["spans"] == [{"start": 16, "end": 19, "content": "fox", "label": "animal"}]
    assert h.page.locator("#root b").count() == 0


def test_destroy_removes_dom_and_key_handling(harness: Harness) -> None:
    h = harness
    h.mount(cat_dog(HOTKEYS), IMAGES[:1])
    h.call("s => s.destroy()")
    assert h.page.locator("#root").inner_html() == ""
    h.page.keyboard.press("1")
    assert h.call("s => s.getSolutions()") == [{"output_values": {}}]
    assert h.events()["changes"] == []
