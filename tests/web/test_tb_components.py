"""Every Template Builder component the renderer supports, one row each.

Each case mounts a config in real chromium, optionally interacts with it, checks the DOM, then
checks that the output values equal the expected ones and that the renderer's own validation
against the case's output spec passes.  Cases whose spec requires outputs also prove that
validation fails before the interaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from .conftest import Harness, tone_wav

pytestmark = pytest.mark.browser

Json = dict[str, Any]


def OUT(path: str, **extra: Any) -> Json:
    return {"type": "data.output", "path": path, **extra}


def INP(path: str) -> Json:
    return {"type": "data.input", "path": path}


def text(content: Any, **extra: Any) -> Json:
    return {"type": "view.text", "content": content, **extra}


def lst(*items: Json, **extra: Any) -> Json:
    return {"type": "view.list", "items": list(items), **extra}


def eq(data: Any, to: Any) -> Json:
    return {"type": "condition.equals", "data": data, "to": to}


def yes_no(cond: Json) -> Json:
    return {"type": "helper.if", "condition": cond, "then": "yes", "else": "no"}


def computed(expr: Any) -> Json:
    """Show `expr` and copy its value into output `result` once at start (plugin.trigger)."""
    return {
        "view": text(expr),
        "plugins": [
            {
                "type": "plugin.trigger",
                "fireImmediately": True,
                "action": {"type": "action.set", "data": OUT("result"), "payload": expr},
            }
        ],
    }


def pair(true_cond: Json, false_cond: Json) -> Json:
    """A condition that must evaluate true and one that must evaluate false -> "yes,no"."""
    return computed({"type": "helper.join", "items": [yes_no(true_cond), yes_no(false_cond)], "by": ","})


def button(label: str, action: Json) -> Json:
    return {"type": "view.action-button", "label": label, "action": action}


def S(type_: str = "string", **extra: Any) -> Json:
    return {"type": type_, "required": True, **extra}


@dataclass(frozen=True)
class Case:
    id: str
    config: Json
    expected: Json | Callable[[Json], bool]
    spec: Json = field(default_factory=dict)
    inputs: Json = field(default_factory=dict)
    act: Callable[[Harness], None] | None = None
    check: Callable[[Harness], None] | None = None


def wait_image(h: Harness, selector: str = "img") -> None:
    h.page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )


# ---- DOM checks and interactions --------------------------------------------------------------------


def check_text(h: Harness) -> None:
    assert h.page.locator(".tb-text-content").inner_text() == "Hello <b>world</b>"
    assert h.page.locator("#root b").count() == 0


def check_markdown(h: Harness) -> None:
    md = h.page.locator(".tb-markdown")
    assert md.locator("h1").inner_text() == "Title"
    assert md.locator("strong").inner_text() == "bold"
    assert md.locator("em").inner_text() == "it"
    assert md.locator("code").inner_text() == "x = 1"
    assert md.locator("ul > li").count() == 2
    assert md.locator("ol > li").count() == 1
    assert md.locator("a").get_attribute("href") == "https://example.com/"
    assert md.locator("a").get_attribute("rel") == "noopener noreferrer nofollow"


def act_image(h: Harness) -> None:
    wait_image(h)
    img = h.page.locator(".tb-img")
    h.page.get_by_role("button", name="Rotate via action").click()
    assert img.evaluate("e => e.style.transform") == "rotate(90deg)"
    h.page.get_by_role("button", name="Rotate right ⟳").click()
    assert img.evaluate("e => e.style.transform") == "rotate(180deg)"
    assert h.page.locator(".tb-image-frame").evaluate("e => e.style.aspectRatio") == "4 / 3"
    img.click()
    dialog = h.page.locator("dialog.tb-popup")
    assert dialog.evaluate("d => d.open") is True
    h.page.keyboard.press("Escape")
    dialog.wait_for(state="detached", timeout=2000)


def act_audio(h: Harness) -> None:
    before = h.validate(focus=False)
    assert before["ok"] is False
    assert before["errors"][0]["message"] == "Listen to the end, please"
    assert h.page.locator(".tb-view-audio .tb-error").inner_text() == "Listen to the end, please"
    h.page.get_by_role("button", name="Play / pause").click()
    h.page.wait_for_function("() => window.__tb.suite.validate({focus: false}).ok", timeout=8000)


def check_video(h: Harness) -> None:
    video = h.page.locator("video.tb-video")
    assert video.evaluate("v => v.src").endswith("/media/tone.wav")
    assert video.evaluate("v => v.controls") is True


def act_link(h: Harness) -> None:
    assert h.validate(focus=False)["errors"][0]["message"] == "Open the link first"
    link = h.page.get_by_role("link", name="Open the picture")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    with h.page.context.expect_page() as popup:
        link.click()
    popup.value.close()


def check_list(h: Harness) -> None:
    assert h.page.locator(".tb-list.tb-list-horizontal > .tb-list-item").count() == 3


def check_group(h: Harness) -> None:
    group = h.page.locator(".tb-view-group")
    assert group.locator(":scope > .tb-label").inner_text() == "Group title"
    assert group.locator(":scope > .tb-hint").inner_text() == "Group hint"
    assert group.locator(".tb-group-body").inner_text() == "inside"


def check_labeled_list(h: Harness) -> None:
    labels = h.page.locator(".tb-ll-label > span").all_inner_texts()
    assert labels == ["Name", "Age"]
    assert h.page.locator(".tb-ll-content").all_inner_texts() == ["Ann", "42"]


def check_alert(h: Harness) -> None:
    assert h.page.locator(".tb-alert.tb-alert-warning").inner_text() == "Careful"


def check_divider(h: Harness) -> None:
    assert h.page.locator("hr.tb-divider").count() == 1


def act_collapse(h: Harness) -> None:
    details = h.page.locator("details.tb-collapse")
    assert details.evaluate("d => d.open") is False
    h.page.get_by_role("button", name="Toggle").click()
    assert details.evaluate("d => d.open") is True
    h.page.get_by_placeholder("Note").fill("hi")


def act_columns(h: Harness) -> None:
    assert h.page.locator(".tb-column").nth(1).evaluate("c => c.style.flexGrow") == "2"
    h.page.locator("input.tb-input").fill("x")


def act_annotation(h: Harness) -> None:
    wait_image(h, ".tb-ia-img")
    box = h.page.locator(".tb-ia-stage").bounding_box()
    assert box is not None
    m = h.page.mouse
    m.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    m.down()
    m.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=4)
    m.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75, steps=4)
    m.up()


def fill_placeholder(placeholder: str, value: str) -> Callable[[Harness], None]:
    return lambda h: h.page.get_by_placeholder(placeholder).fill(value)


def click_button(name: str) -> Callable[[Harness], None]:
    return lambda h: h.page.get_by_role("button", name=name, exact=True).click()


def check_label(label: str) -> Callable[[Harness], None]:
    return lambda h: h.page.get_by_label(label, exact=True).check()


def upload(name: str, mime: str, data: bytes) -> Callable[[Harness], None]:
    def run(h: Harness) -> None:
        h.page.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
        h.page.wait_for_function("() => window.__tb.events.uploads.length === 1")
        h.page.get_by_text("Uploaded").wait_for()

    return run


def act_list(h: Harness) -> None:
    add = h.page.get_by_role("button", name="Add item")
    add.click()
    add.click()
    inputs = h.page.get_by_placeholder("Item")
    inputs.nth(0).fill("x")
    inputs.nth(1).fill("y")
    h.page.get_by_role("button", name="Add item").click()
    h.page.get_by_role("button", name="Remove item 3").click()


def act_relative(h: Harness) -> None:
    h.page.get_by_role("button", name="Add").click()
    h.page.get_by_placeholder("Name").fill("Bob")


def act_internal(h: Harness) -> None:
    assert h.page.get_by_placeholder("Detail").count() == 0
    h.page.get_by_label("Show more").check()
    h.page.get_by_placeholder("Detail").fill("d")


def act_data_output(h: Harness) -> None:
    h.page.get_by_placeholder("Your name").fill("Ann")
    assert h.page.locator(".tb-text-content").inner_text() == "Hello, Ann"


def act_button_radio(h: Harness) -> None:
    h.page.get_by_role("button", name="Choose B").click()
    assert h.page.get_by_role("button", name="Choose B").get_attribute("aria-pressed") == "true"
    assert h.page.get_by_role("button", name="Choose A").get_attribute("aria-pressed") == "false"


def act_notify(h: Harness) -> None:
    h.page.get_by_role("button", name="Notify").click()
    toast = h.page.locator(".tb-toast.tb-alert-success")
    assert toast.inner_text().startswith("Saved!")


def act_open_link(h: Harness) -> None:
    with h.page.context.expect_page() as popup:
        h.page.get_by_role("button", name="Open dog").click()
    assert popup.value.url.endswith("/harness/dog.svg")
    popup.value.close()


def act_hotkeys(h: Harness) -> None:
    h.page.keyboard.press("b")
    assert h.page.get_by_label("Dog").is_checked()


def act_trigger(h: Harness) -> None:
    h.page.get_by_placeholder("Word").fill("hi")


def check_task_width(h: Harness) -> None:
    assert h.page.locator(".tb-task").evaluate("t => t.style.maxWidth") == "300px"


def check_iframe(h: Harness) -> None:
    frame = h.page.locator("iframe.tb-iframe")
    assert frame.get_attribute("sandbox") == "allow-scripts allow-forms allow-popups"
    assert frame.evaluate("f => f.src").endswith("/harness/cat.svg")


def act_played(h: Harness) -> None:
    assert h.validate(focus=False)["errors"][0]["message"] == "Play the media first"
    h.page.get_by_role("button", name="Play").click()
    h.page.wait_for_function("() => window.__tb.suite.validate({focus: false}).ok", timeout=8000)


def check_link_group(h: Harness) -> None:
    links = h.page.locator(".tb-link-group a")
    assert links.count() == 2
    assert links.nth(0).get_attribute("href") == "https://a.example/"


def check_device_frame(h: Harness) -> None:
    assert h.page.locator(".tb-device-frame").inner_text() == "on a phone"


def check_bars(h: Harness) -> None:
    assert h.page.locator(".tb-bar").all_inner_texts() == ["top bar", "bottom bar"]


def act_compare(h: Harness) -> None:
    h.page.get_by_label("Left is fine", exact=True).check()
    h.page.get_by_label("Left", exact=True).check()


def act_checkbox_group(h: Harness) -> None:
    h.page.get_by_label("A", exact=True).check()
    h.page.get_by_label("C", exact=True).check()


def act_select(h: Harness) -> None:
    h.page.locator("select").select_option(label="B")


def act_date(h: Harness) -> None:
    h.page.locator("input[type=date]").fill("2024-05-01")


def check_transform_views(h: Harness) -> None:
    assert h.page.locator(".tb-text-content").all_inner_texts() == ["one", "two", "three"]


def check_default_shown(h: Harness) -> None:
    assert h.page.get_by_placeholder("Name").input_value() == "Anon"


def check_flag(h: Harness) -> None:
    assert h.page.get_by_label("Flag").is_checked()


def one_rectangle(outputs: Json) -> bool:
    (shape,) = outputs["boxes"]
    assert set(shape) == {"shape", "left", "top", "width", "height", "label"}
    assert shape["shape"] == "rectangle" and shape["label"] == "car"
    for key in ("left", "top", "width", "height"):
        want = 0.5 if key in ("width", "height") else 0.25
        assert shape[key] == pytest.approx(want, abs=0.01), key
    return True


def wav_bytes() -> bytes:
    return tone_wav(0.2)


CAT = INP("cat")
DOG = INP("dog")
IMG_INPUTS = {"cat": "/harness/cat.svg", "dog": "/harness/dog.svg"}
YES_NO = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
LEFT_RIGHT = [{"value": "left", "label": "Left"}, {"value": "right", "label": "Right"}]

CASES: list[Case] = [
    # ---- view.* -------------------------------------------------------------------------------------
    Case("view.text", {"view": text(INP("t"))}, {}, inputs={"t": "Hello <b>world</b>"}, check=check_text),
    Case(
        "view.markdown",
        {"view": {"type": "view.markdown", "content": INP("md")}},
        {},
        inputs={
            "md": "# Title\n\n**bold** and *it* `x = 1`\n\n- a\n- b\n\n1. one\n\n[site](https://example.com)"
        },
        check=check_markdown,
    ),
    Case(
        "view.image+action.rotate",
        {
            "vars": {
                "img": {"type": "view.image", "url": CAT, "ratio": [4, 3], "rotatable": True, "popup": True}
            },
            "view": lst(
                {"$ref": "vars.img"},
                button(
                    "Rotate via action",
                    {"type": "action.rotate", "view": {"$ref": "vars.img"}, "payload": "right"},
                ),
            ),
        },
        {},
        inputs=IMG_INPUTS,
        act=act_image,
    ),
    Case(
        "view.audio+action.play-pause+condition.played-fully",
        {
            "vars": {
                "a": {
                    "type": "view.audio",
                    "url": INP("audio"),
                    "validation": {"type": "condition.played-fully", "hint": "Listen to the end, please"},
                }
            },
            "view": lst(
                {"$ref": "vars.a"},
                button("Play / pause", {"type": "action.play-pause", "view": {"$ref": "vars.a"}}),
            ),
        },
        {},
        inputs={"audio": "/media/tone.wav"},
        act=act_audio,
    ),
    Case(
        "view.audio+condition.played",
        {
            "vars": {
                "a": {"type": "view.audio", "url": INP("audio"), "validation": {"type": "condition.played"}}
            },
            "view": lst(
                {"$ref": "vars.a"}, button("Play", {"type": "action.play-pause", "view": {"$ref": "vars.a"}})
            ),
        },
        {},
        inputs={"audio": "/media/tone.wav"},
        act=act_played,
    ),
    Case(
        "view.video",
        {"view": {"type": "view.video", "url": INP("v"), "ratio": [16, 9]}},
        {},
        inputs={"v": "/media/tone.wav"},
        check=check_video,
    ),
    Case(
        "view.link+condition.link-opened",
        {
            "view": {
                "type": "view.link",
                "url": "/harness/cat.svg",
                "content": "Open the picture",
                "validation": {"type": "condition.link-opened", "url": "/harness/cat.svg"},
            }
        },
        {},
        act=act_link,
    ),
    Case(
        "view.link-group",
        {
            "view": {
                "type": "view.link-group",
                "links": [
                    {"url": "https://a.example/", "content": "A", "theme": "primary"},
                    {"url": "https://b.example/", "content": "B"},
                ],
            }
        },
        {},
        check=check_link_group,
    ),
    Case(
        "view.list",
        {"view": lst(text("a"), text("b"), text("c"), direction="horizontal", size="s")},
        {},
        check=check_list,
    ),
    Case(
        "view.group",
        {
            "view": {
                "type": "view.group",
                "label": "Group title",
                "hint": "Group hint",
                "content": text("inside"),
            }
        },
        {},
        check=check_group,
    ),
    Case(
        "view.labeled-list",
        {
            "view": {
                "type": "view.labeled-list",
                "items": [
                    {"label": "Name", "content": text(INP("name"))},
                    {"label": "Age", "content": text("42"), "hint": "years"},
                ],
            }
        },
        {},
        inputs={"name": "Ann"},
        check=check_labeled_list,
    ),
    Case(
        "view.action-button+action.set",
        {"view": button("Set it", {"type": "action.set", "data": OUT("result"), "payload": "done"})},
        {"result": "done"},
        spec={"result": S()},
        act=click_button("Set it"),
    ),
    Case(
        "view.alert",
        {"view": {"type": "view.alert", "theme": "warning", "content": text("Careful")}},
        {},
        check=check_alert,
    ),
    Case(
        "view.divider", {"view": lst(text("a"), {"type": "view.divider"}, text("b"))}, {}, check=check_divider
    ),
    Case(
        "view.collapse+action.open-close",
        {
            "vars": {
                "c": {
                    "type": "view.collapse",
                    "label": "More",
                    "content": {"type": "field.text", "data": OUT("note"), "placeholder": "Note"},
                }
            },
            "view": lst(
                {"$ref": "vars.c"},
                button("Toggle", {"type": "action.open-close", "view": {"$ref": "vars.c"}}),
            ),
        },
        {"note": "hi"},
        spec={"note": S()},
        act=act_collapse,
    ),
    Case(
        "view.iframe",
        {"view": {"type": "view.iframe", "url": "/harness/cat.svg", "ratio": [4, 3]}},
        {},
        check=check_iframe,
    ),
    Case(
        "view.device-frame",
        {"view": {"type": "view.device-frame", "content": text("on a phone")}},
        {},
        check=check_device_frame,
    ),
    # ---- layout.* ------------------------------------------------------------------------------------
    Case(
        "layout.columns",
        {
            "view": {
                "type": "layout.columns",
                "items": [text("left"), {"type": "field.text", "data": OUT("a")}],
                "ratio": [1, 2],
                "verticalAlign": "middle",
            }
        },
        {"a": "x"},
        spec={"a": S()},
        act=act_columns,
    ),
    Case(
        "layout.side-by-side",
        {
            "view": {
                "type": "layout.side-by-side",
                "items": [{"type": "view.image", "url": CAT}, {"type": "view.image", "url": DOG}],
                "controls": {"type": "field.radio-group", "data": OUT("better"), "options": LEFT_RIGHT},
            }
        },
        {"better": "right"},
        spec={"better": S(allowed_values=["left", "right"])},
        inputs=IMG_INPUTS,
        act=check_label("Right"),
    ),
    Case(
        "layout.bars",
        {
            "view": {
                "type": "layout.bars",
                "barBefore": text("top bar"),
                "content": {"type": "field.number", "data": OUT("n"), "placeholder": "N"},
                "barAfter": text("bottom bar"),
            }
        },
        {"n": 7},
        spec={"n": S("integer")},
        act=fill_placeholder("N", "7"),
        check=check_bars,
    ),
    Case(
        "layout.sidebar",
        {
            "view": {
                "type": "layout.sidebar",
                "content": {"type": "view.image", "url": CAT},
                "controls": {"type": "field.button-radio-group", "data": OUT("r"), "options": YES_NO},
                "extraControls": text("extra"),
                "controlsWidth": 240,
            }
        },
        {"r": "yes"},
        spec={"r": S()},
        inputs=IMG_INPUTS,
        act=click_button("Yes"),
    ),
    Case(
        "layout.compare",
        {
            "view": {
                "type": "layout.compare",
                "items": [
                    {
                        "content": {"type": "view.image", "url": CAT},
                        "controls": {
                            "type": "field.checkbox",
                            "data": OUT("left_ok"),
                            "label": "Left is fine",
                        },
                    },
                    {
                        "content": {"type": "view.image", "url": DOG},
                        "controls": {
                            "type": "field.checkbox",
                            "data": OUT("right_ok"),
                            "label": "Right is fine",
                        },
                    },
                ],
                "commonControls": {"type": "field.radio-group", "data": OUT("winner"), "options": LEFT_RIGHT},
            }
        },
        {"left_ok": True, "winner": "left"},
        spec={"left_ok": S("boolean"), "winner": S(), "right_ok": {"type": "boolean", "required": False}},
        inputs=IMG_INPUTS,
        act=act_compare,
    ),
    # ---- field.* -------------------------------------------------------------------------------------
    Case(
        "field.radio-group",
        {
            "view": {
                "type": "field.radio-group",
                "label": "Who?",
                "data": OUT("result"),
                "options": [
                    {"value": "cat", "label": "Cat", "hint": "meows"},
                    {"value": "dog", "label": "Dog"},
                ],
            }
        },
        {"result": "dog"},
        spec={"result": S(allowed_values=["cat", "dog"])},
        act=check_label("Dog"),
    ),
    Case(
        "field.button-radio-group",
        {"view": {"type": "field.button-radio-group", "data": OUT("ok"), "options": YES_NO}},
        {"ok": "no"},
        spec={"ok": S(allowed_values=["yes", "no"])},
        act=click_button("No"),
    ),
    Case(
        "field.button-radio",
        {
            "view": lst(
                {"type": "field.button-radio", "data": OUT("r"), "valueToSet": "a", "label": "Choose A"},
                {"type": "field.button-radio", "data": OUT("r"), "valueToSet": "b", "label": "Choose B"},
            )
        },
        {"r": "b"},
        spec={"r": S()},
        act=act_button_radio,
    ),
    Case(
        "field.checkbox",
        {"view": {"type": "field.checkbox", "data": OUT("agree"), "label": "I agree"}},
        {"agree": True},
        spec={"agree": S("boolean")},
        act=check_label("I agree"),
    ),
    Case(
        "field.checkbox-group",
        {
            "view": {
                "type": "field.checkbox-group",
                "data": OUT("tags"),
                "options": [
                    {"value": "a", "label": "A"},
                    {"value": "b", "label": "B"},
                    {"value": "c", "label": "C"},
                ],
            }
        },
        {"tags": {"a": True, "c": True}},
        spec={"tags": S("json")},
        act=act_checkbox_group,
    ),
    Case(
        "field.text",
        {"view": {"type": "field.text", "data": OUT("name"), "placeholder": "Name"}},
        {"name": "hello"},
        spec={"name": S(min_length=2)},
        act=fill_placeholder("Name", "hello"),
    ),
    Case(
        "field.textarea",
        {"view": {"type": "field.textarea", "data": OUT("comment"), "placeholder": "Comment", "rows": 4}},
        {"comment": "line1\nline2"},
        spec={"comment": S()},
        act=fill_placeholder("Comment", "line1\nline2"),
    ),
    Case(
        "field.number",
        {
            "view": {
                "type": "field.number",
                "data": OUT("n"),
                "placeholder": "Count",
                "minimum": 1,
                "maximum": 100,
            }
        },
        {"n": 42},
        spec={"n": S("integer", min_value=1, max_value=100)},
        act=fill_placeholder("Count", "42"),
    ),
    Case(
        "field.select",
        {
            "view": {
                "type": "field.select",
                "data": OUT("c"),
                "placeholder": "Pick",
                "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
            }
        },
        {"c": "b"},
        spec={"c": S(allowed_values=["a", "b"])},
        act=act_select,
    ),
    Case(
        "field.email",
        {"view": {"type": "field.email", "data": OUT("email"), "placeholder": "Email"}},
        {"email": "someone@example.com"},
        spec={"email": S()},
        act=fill_placeholder("Email", "someone@example.com"),
    ),
    Case(
        "field.phone-number",
        {"view": {"type": "field.phone-number", "data": OUT("phone"), "placeholder": "Phone"}},
        {"phone": "+1 555 123 4567"},
        spec={"phone": S()},
        act=fill_placeholder("Phone", "+1 555 123 4567"),
    ),
    Case(
        "field.date",
        {"view": {"type": "field.date", "data": OUT("day"), "format": "date"}},
        {"day": "2024-05-01"},
        spec={"day": S()},
        act=act_date,
    ),
    Case(
        "field.list+data.relative",
        {
            "view": {
                "type": "field.list",
                "data": OUT("items"),
                "button_label": "Add item",
                "max_length": 5,
                "render": {"type": "field.text", "data": {"type": "data.relative"}, "placeholder": "Item"},
            }
        },
        {"items": ["x", "y"]},
        spec={"items": S("array_string", min_size=2)},
        act=act_list,
    ),
    Case(
        "data.relative(path)",
        {
            "view": {
                "type": "field.list",
                "data": OUT("people"),
                "render": {
                    "type": "field.text",
                    "data": {"type": "data.relative", "path": "name"},
                    "placeholder": "Name",
                },
            }
        },
        {"people": [{"name": "Bob"}]},
        spec={"people": S("array_json")},
        act=act_relative,
    ),
    Case(
        "field.image-annotation",
        {
            "view": {
                "type": "field.image-annotation",
                "data": OUT("boxes"),
                "image": CAT,
                "labels": [{"label": "Car", "value": "car"}],
                "shapes": {"rectangle": True},
            }
        },
        {
            "boxes": [
                {"shape": "rectangle", "left": 0.25, "top": 0.25, "width": 0.5, "height": 0.5, "label": "car"}
            ]
        },
        spec={"boxes": S("json")},
        inputs=IMG_INPUTS,
        act=act_annotation,
    ),
    Case(
        "field.file",
        {"view": {"type": "field.file", "data": OUT("doc"), "accept": ["text/plain"]}},
        {"doc": "file-1"},
        spec={"doc": S("file")},
        act=upload("note.txt", "text/plain", b"hello"),
    ),
    Case(
        "field.media-file",
        {
            "view": {
                "type": "field.media-file",
                "data": OUT("photos"),
                "accept": {"photo": True, "gallery": True},
                "multiple": True,
            }
        },
        {"photos": ["file-1"]},
        spec={"photos": S("array_file")},
        act=upload("p.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ),
    Case(
        "field.audio",
        {"view": {"type": "field.audio", "data": OUT("voice")}},
        {"voice": "file-1"},
        spec={"voice": S("file")},
        act=upload("voice.wav", "audio/wav", wav_bytes()),
    ),
    # ---- data.* --------------------------------------------------------------------------------------
    Case(
        "data.output(default)",
        {"view": {"type": "field.text", "data": OUT("name", default="Anon"), "placeholder": "Name"}},
        {"name": "Anon"},
        spec={"name": S()},
        check=check_default_shown,
    ),
    Case(
        "data.input",
        computed(INP("x")),
        {"result": "from input"},
        spec={"result": S()},
        inputs={"x": "from input"},
    ),
    Case(
        "data.output",
        {
            "view": lst(
                {"type": "field.text", "data": OUT("name"), "placeholder": "Your name"},
                text({"type": "helper.join", "items": ["Hello, ", OUT("name", default="stranger")]}),
            )
        },
        {"name": "Ann"},
        spec={"name": S()},
        act=act_data_output,
    ),
    Case(
        "data.internal",
        {
            "view": lst(
                {
                    "type": "field.checkbox",
                    "data": {"type": "data.internal", "path": "more"},
                    "label": "Show more",
                },
                {
                    "type": "helper.if",
                    "condition": eq({"type": "data.internal", "path": "more"}, True),
                    "then": {"type": "field.text", "data": OUT("detail"), "placeholder": "Detail"},
                },
            )
        },
        {"detail": "d"},
        spec={"detail": S()},
        act=act_internal,
    ),
    Case(
        "data.local+helper.transform",
        computed(
            {
                "type": "helper.transform",
                "items": INP("words"),
                "into": {
                    "type": "helper.text-transform",
                    "data": {"type": "data.local", "path": "item"},
                    "transformation": "uppercase",
                },
            }
        ),
        {"result": ["A", "B"]},
        spec={"result": S("array_string")},
        inputs={"words": ["a", "b"]},
    ),
    Case(
        "helper.transform(views)",
        {
            "view": {
                "type": "view.list",
                "items": {
                    "type": "helper.transform",
                    "items": INP("words"),
                    "into": text({"type": "data.local", "path": "item"}),
                },
            }
        },
        {},
        inputs={"words": ["one", "two", "three"]},
        check=check_transform_views,
    ),
    # ---- condition.* ---------------------------------------------------------------------------------
    Case(
        "condition.required",
        pair(
            {"type": "condition.required", "data": INP("a")},
            {"type": "condition.required", "data": INP("missing")},
        ),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.equals",
        pair(eq(INP("a"), "x"), eq(INP("a"), "y")),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.not",
        pair(
            {"type": "condition.not", "condition": eq(INP("a"), "y")},
            {"type": "condition.not", "condition": eq(INP("a"), "x")},
        ),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.all",
        pair(
            {
                "type": "condition.all",
                "conditions": [eq(INP("a"), "x"), {"type": "condition.required", "data": INP("a")}],
            },
            {"type": "condition.all", "conditions": [eq(INP("a"), "x"), eq(INP("a"), "y")]},
        ),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.any",
        pair(
            {"type": "condition.any", "conditions": [eq(INP("a"), "y"), eq(INP("a"), "x")]},
            {
                "type": "condition.any",
                "conditions": [eq(INP("a"), "y"), {"type": "condition.empty", "data": INP("a")}],
            },
        ),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.empty",
        pair(
            {"type": "condition.empty", "data": INP("missing")}, {"type": "condition.empty", "data": INP("a")}
        ),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.schema",
        pair(
            {
                "type": "condition.schema",
                "data": INP("a"),
                "schema": {"type": "string", "minLength": 1, "pattern": "^x$"},
            },
            {"type": "condition.schema", "data": INP("a"), "schema": {"type": "integer"}},
        ),
        {"result": "yes,no"},
        spec={"result": S()},
        inputs={"a": "x"},
    ),
    Case(
        "condition.sub-array",
        pair(
            {"type": "condition.sub-array", "data": ["a"], "parent": ["a", "b"]},
            {"type": "condition.sub-array", "data": ["c"], "parent": ["a", "b"]},
        ),
        {"result": "yes,no"},
        spec={"result": S()},
    ),
    Case(
        "condition.same-domain",
        pair(
            {
                "type": "condition.same-domain",
                "data": "https://www.example.com/a",
                "original": "https://example.com/b",
            },
            {
                "type": "condition.same-domain",
                "data": "https://other.org/a",
                "original": "https://example.com/b",
            },
        ),
        {"result": "yes,no"},
        spec={"result": S()},
    ),
    # ---- helper.* ------------------------------------------------------------------------------------
    Case(
        "helper.if",
        computed({"type": "helper.if", "condition": eq(INP("n"), 3), "then": "three", "else": "other"}),
        {"result": "three"},
        spec={"result": S()},
        inputs={"n": 3},
    ),
    Case(
        "helper.switch",
        computed(
            {
                "type": "helper.switch",
                "cases": [
                    {"condition": eq(INP("k"), "a"), "result": "A"},
                    {"condition": eq(INP("k"), "b"), "result": "B"},
                ],
                "default": "?",
            }
        ),
        {"result": "B"},
        spec={"result": S()},
        inputs={"k": "b"},
    ),
    Case(
        "helper.text-transform",
        computed(
            {
                "type": "helper.join",
                "by": "|",
                "items": [
                    {"type": "helper.text-transform", "data": "hello world", "transformation": t}
                    for t in ("capitalize", "uppercase", "lowercase")
                ],
            }
        ),
        {"result": "Hello world|HELLO WORLD|hello world"},
        spec={"result": S()},
    ),
    Case(
        "helper.join",
        computed({"type": "helper.join", "items": ["a", "b", "c"], "by": "-"}),
        {"result": "a-b-c"},
        spec={"result": S()},
    ),
    Case(
        "helper.replace",
        computed({"type": "helper.replace", "data": "a_b_c", "find": "_", "replace": " "}),
        {"result": "a b c"},
        spec={"result": S()},
    ),
    Case(
        "helper.concat-arrays",
        computed({"type": "helper.concat-arrays", "items": [[1, 2], INP("more")]}),
        {"result": [1, 2, 3]},
        spec={"result": S("array_integer")},
        inputs={"more": [3]},
    ),
    Case(
        "helper.object2entries",
        computed({"type": "helper.object2entries", "data": INP("obj")}),
        {"result": [{"key": "a", "value": 1}]},
        spec={"result": S("array_json")},
        inputs={"obj": {"a": 1}},
    ),
    Case(
        "helper.entries2object",
        computed({"type": "helper.entries2object", "entries": [{"key": "x", "value": 2}]}),
        {"result": {"x": 2}},
        spec={"result": S("json")},
    ),
    Case(
        "helper.search-query",
        computed({"type": "helper.search-query", "query": INP("q"), "engine": "google"}),
        {"result": "https://www.google.com/search?q=cats%20%26%20dogs"},
        spec={"result": S("url")},
        inputs={"q": "cats & dogs"},
    ),
    Case(
        "helper.translate",
        computed({"type": "helper.translate", "key": "hello"}),
        {"result": "hello"},
        spec={"result": S()},
    ),
    # ---- action.* ------------------------------------------------------------------------------------
    Case(
        "action.toggle",
        {
            "view": lst(
                {"type": "field.checkbox", "data": OUT("flag"), "label": "Flag", "preserveFalse": True},
                button("Toggle flag", {"type": "action.toggle", "data": OUT("flag")}),
            )
        },
        {"flag": True},
        spec={"flag": S("boolean")},
        act=click_button("Toggle flag"),
        check=check_flag,
    ),
    Case(
        "action.bulk",
        {
            "view": button(
                "Fill both",
                {
                    "type": "action.bulk",
                    "payload": [
                        {"type": "action.set", "data": OUT("a"), "payload": "1"},
                        {"type": "action.set", "data": OUT("b"), "payload": INP("b")},
                    ],
                },
            )
        },
        {"a": "1", "b": "two"},
        spec={"a": S(), "b": S()},
        inputs={"b": "two"},
        act=click_button("Fill both"),
    ),
    Case(
        "action.notify",
        {
            "view": button(
                "Notify",
                {
                    "type": "action.notify",
                    "payload": {"content": "Saved!", "theme": "success", "duration": 5000},
                },
            )
        },
        {},
        act=act_notify,
    ),
    Case(
        "action.open-link",
        {"view": button("Open dog", {"type": "action.open-link", "payload": "/harness/dog.svg"})},
        {},
        act=act_open_link,
    ),
    # ---- plugin.* ------------------------------------------------------------------------------------
    Case(
        "plugin.hotkeys",
        {
            "view": {
                "type": "field.radio-group",
                "data": OUT("result"),
                "options": [{"value": "cat", "label": "Cat"}, {"value": "dog", "label": "Dog"}],
            },
            "plugins": [
                {
                    "type": "plugin.hotkeys",
                    "a": {"type": "action.set", "data": OUT("result"), "payload": "cat"},
                    "b": {"type": "action.set", "data": OUT("result"), "payload": "dog"},
                }
            ],
        },
        {"result": "dog"},
        spec={"result": S()},
        act=act_hotkeys,
    ),
    Case(
        "plugin.trigger",
        {
            "view": {"type": "field.text", "data": OUT("a"), "placeholder": "Word"},
            "plugins": [
                {
                    "type": "plugin.trigger",
                    "onChangeOf": OUT("a"),
                    "condition": {
                        "type": "condition.not",
                        "condition": {"type": "condition.empty", "data": OUT("a")},
                    },
                    "action": {
                        "type": "action.set",
                        "data": OUT("b"),
                        "payload": {
                            "type": "helper.text-transform",
                            "data": OUT("a"),
                            "transformation": "uppercase",
                        },
                    },
                }
            ],
        },
        {"a": "hi", "b": "HI"},
        spec={"a": S(), "b": S()},
        act=act_trigger,
    ),
    Case(
        "plugin.toloka",
        {
            "view": text("narrow"),
            "plugins": [{"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": 300}}],
        },
        {},
        check=check_task_width,
    ),
]


def _types(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("type"), str) and "." in value["type"]:
            yield value["type"]
        for v in value.values():
            yield from _types(v)
    elif isinstance(value, list):
        for v in value:
            yield from _types(v)


REQUIRED_TYPES = [
    "view.text",
    "view.markdown",
    "view.image",
    "view.audio",
    "view.video",
    "view.link",
    "view.list",
    "view.group",
    "view.labeled-list",
    "view.action-button",
    "view.alert",
    "view.divider",
    "view.collapse",
    "layout.columns",
    "layout.side-by-side",
    "layout.bars",
    "layout.sidebar",
    "layout.compare",
    "field.radio-group",
    "field.button-radio-group",
    "field.button-radio",
    "field.checkbox",
    "field.checkbox-group",
    "field.text",
    "field.textarea",
    "field.number",
    "field.select",
    "field.email",
    "field.date",
    "field.list",
    "field.image-annotation",
    "field.audio",
    "field.file",
    "data.input",
    "data.output",
    "data.internal",
    "data.local",
    "data.relative",
    "condition.required",
    "condition.equals",
    "condition.not",
    "condition.all",
    "condition.any",
    "condition.empty",
    "condition.schema",
    "condition.link-opened",
    "condition.played",
    "condition.played-fully",
    "condition.sub-array",
    "condition.same-domain",
    "helper.if",
    "helper.switch",
    "helper.text-transform",
    "helper.join",
    "helper.replace",
    "helper.concat-arrays",
    "helper.transform",
    "helper.object2entries",
    "helper.entries2object",
    "helper.search-query",
    "action.set",
    "action.toggle",
    "action.bulk",
    "action.notify",
    "action.open-link",
    "action.open-close",
    "action.play-pause",
    "action.rotate",
    "plugin.hotkeys",
    "plugin.trigger",
    "plugin.toloka",
]


def test_every_required_component_has_a_case() -> None:
    covered = {t for case in CASES for t in _types(case.config)}
    assert sorted(set(REQUIRED_TYPES) - covered) == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_component(shared_harness: Harness, case: Case) -> None:
    h = shared_harness
    h.mount(case.config, [case.inputs], outputSpec=case.spec)
    if case.act is not None and any(s.get("required") for s in case.spec.values()):
        assert h.validate(focus=False)["ok"] is False, "required outputs must fail before answering"
    if case.act is not None:
        case.act(h)
    if case.check is not None:
        case.check(h)
    if callable(case.expected):
        assert case.expected(h.outputs())
    else:
        assert h.outputs() == case.expected
    assert h.validate(focus=False) == {"ok": True, "errors": []}
    events = h.events()
    assert events["unsupported"] == []
    assert events["errors"] == []
    assert events["csp"] == [], "no inline script or style, no foreign resource"
    assert h.page_errors == []
