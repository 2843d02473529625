"""Hostile task data and configs, unknown components, and the pure helper modules (markdown, URL
policy, output-spec and JSON-schema checks) of the Template Builder renderer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import STATIC_DIR, Harness

Json = dict[str, Any]
TB_DIR = STATIC_DIR / "tb"


def OUT(path: str) -> Json:
    return {"type": "data.output", "path": path}


def INP(path: str) -> Json:
    return {"type": "data.input", "path": path}


HOSTILE_INPUTS: Json = {
    "t": '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(2)">',
    "md": (
        "# Hi <script>alert(1)</script>\n\n"
        "[click](javascript:alert(3)) [data](data:text/html,<script>alert(4)</script>) "
        "![x](javascript:alert(5)) <img src=x onerror=alert(6)>\n\n"
        "[ok](https://example.com) [vb](vbscript:msgbox(1))"
    ),
    "url": "javascript:alert(8)",
    "ws": "  JaVaScRiPt:alert(15)",
    "ctrl": "java\u0000script:alert(16)",
    "img": "javascript:alert(9)",
    "img2": "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='alert(10)'/>",
    "audio": "javascript:alert(11)",
    "video": "data:text/html,<script>alert(12)</script>",
    "frame": "javascript:alert(13)",
}

HOSTILE_VIEW: Json = {
    "type": "view.list",
    "items": [
        {"type": "view.text", "label": INP("t"), "hint": INP("t"), "content": INP("t")},
        {"type": "view.markdown", "content": INP("md")},
        {"type": "view.link", "url": INP("url"), "content": INP("t")},
        {"type": "view.link", "url": INP("ws"), "content": "whitespace and case"},
        {"type": "view.link-group", "links": [{"url": INP("ctrl"), "content": "control char"}]},
        {"type": "view.image", "url": INP("img")},
        {"type": "view.image", "url": INP("img2")},
        {"type": "view.audio", "url": INP("audio")},
        {"type": "view.video", "url": INP("video")},
        {"type": "view.iframe", "url": INP("frame")},
        {"type": "view.alert", "content": INP("t")},
        {"type": "view.labeled-list", "items": [{"label": INP("t"), "content": INP("t")}]},
        {"type": "field.radio-group", "data": OUT("r"), "options": [{"value": INP("t"), "label": INP("t")}]},
        {"type": "field.select", "data": OUT("s"), "options": [{"value": 1, "label": INP("t")}]},
        {"type": "field.text", "data": OUT("x"), "placeholder": INP("t")},
        {
            "type": "view.action-button",
            "label": "Open",
            "action": {"type": "action.open-link", "payload": INP("url")},
        },
        {"type": "view.text", "content": {"type": "helper.join", "items": [INP("t"), INP("url")]}},
    ],
}

ALLOWED_SCHEMES = ("http://", "https://", "blob:")


@pytest.mark.browser
def test_hostile_input_values_render_inert(harness: Harness) -> None:
    h = harness
    h.mount({"view": HOSTILE_VIEW}, [HOSTILE_INPUTS], initialOutputs=[{"x": HOSTILE_INPUTS["t"]}])
    page = h.page
    # the raw markup is shown as text, not parsed
    assert HOSTILE_INPUTS["t"] in page.locator("#root").inner_text()
    assert page.locator("input.tb-input").input_value() == HOSTILE_INPUTS["t"]
    # click everything that looks like a link or button (blocked links must stay inert)
    for el in page.locator(".tb-blocked-link, .tb-md-blocked-link").all():
        el.click()
    pages_before = len(page.context.pages)
    page.get_by_role("button", name="Open").click()
    assert page.locator(".tb-toast").inner_text().startswith("This link was blocked")
    assert len(page.context.pages) == pages_before
    page.get_by_label(HOSTILE_INPUTS["t"]).check()
    page.wait_for_timeout(100)  # give any injected handler a chance to run
    report = page.evaluate(
        """() => {
            const all = [...document.querySelectorAll('*')];
            return {
                pwned: window.__pwned === undefined ? null : window.__pwned,
                scripts: document.scripts.length,
                onAttrs: all.flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on'))
                                              .map(a => e.tagName + '.' + a.name)),
                urls: all.flatMap(e => ['href', 'src', 'action', 'formaction', 'xlink:href']
                          .filter(n => e.hasAttribute(n)).map(n => e.getAttribute(n))),
                iframes: document.querySelectorAll('iframe').length,
                mdLinks: [...document.querySelectorAll('.tb-markdown a')].map(a => a.href),
            };
        }"""
    )
    assert report["pwned"] is None
    assert report["scripts"] == 1  # the harness module only
    assert report["onAttrs"] == []
    assert report["iframes"] == 0
    assert report["mdLinks"] == ["https://example.com/"]
    page_urls = [u for u in report["urls"] if not u.startswith("/harness/") and not u.startswith("/static/")]
    assert all(u.startswith(ALLOWED_SCHEMES) for u in page_urls), page_urls
    assert page.locator(".tb-media-missing").all_inner_texts() == [
        "Image unavailable (blocked address)",
        "Image unavailable (blocked address)",
        "Audio unavailable (blocked address)",
        "Video unavailable (blocked address)",
        "Page unavailable (blocked address)",
    ]
    assert h.solutions() == [{"x": HOSTILE_INPUTS["t"], "r": HOSTILE_INPUTS["t"]}]
    assert h.events()["csp"] == []
    # fixture teardown also asserts: no dialog opened, no page error


@pytest.mark.browser
def test_hostile_config_cannot_break_or_pollute(harness: Harness) -> None:
    h = harness
    config = {
        "vars": {"a": {"$ref": "vars.b"}, "b": {"$ref": "vars.a"}},
        "view": {
            "type": "view.list",
            "items": [
                {"$ref": "vars.a"},
                {"$ref": "vars.missing"},
                {"type": "field.text", "data": OUT("__proto__.polluted"), "placeholder": "bad path"},
                {
                    "type": "view.action-button",
                    "label": "Pollute",
                    "action": {
                        "type": "action.set",
                        "data": OUT("constructor.prototype.polluted"),
                        "payload": 1,
                    },
                },
                {
                    "type": "view.text",
                    "label": "<b>label</b>",
                    "content": {
                        "type": "helper.entries2object",
                        "entries": [
                            {"key": "__proto__", "value": {"polluted": 1}},
                            {"key": "k", "value": "v"},
                        ],
                    },
                },
                {"type": "field.text", "data": OUT("ok"), "placeholder": "still works"},
            ],
        },
    }
    h.mount(config)
    errors = h.page.locator(".tb-render-error").all_inner_texts()
    assert any("Cyclic $ref" in e for e in errors), errors
    assert any('Unknown reference "vars.missing"' in e for e in errors), errors
    assert any('Forbidden path segment "__proto__"' in e for e in errors), errors
    h.page.get_by_role("button", name="Pollute").click()
    h.page.get_by_placeholder("still works").fill("yes")
    assert h.page.evaluate("() => ({}).polluted === undefined && Object.prototype.polluted === undefined")
    assert h.page.get_by_text("<b>label</b>").count() == 1
    assert h.outputs() == {"ok": "yes"}
    assert len(h.events()["errors"]) >= 3


@pytest.mark.browser
def test_unknown_components_show_placeholders_and_are_reported(harness: Harness) -> None:
    h = harness
    config = {
        "view": {
            "type": "view.list",
            "items": [
                {"type": "view.foo", "label": "Mystery"},
                {"type": "view.map", "center": "53.9,27.5"},
                {"type": "view.text", "content": {"type": "helper.nope", "x": 1}},
                {"type": "helper.nope"},
                {
                    "type": "field.text",
                    "data": OUT("a"),
                    "placeholder": "A",
                    "validation": {"type": "condition.weird"},
                },
            ],
        },
        "plugins": [{"type": "plugin.bar"}],
    }
    h.mount(config, outputSpec={"a": {"type": "string"}})
    placeholders = h.page.locator(".tb-unsupported").all_inner_texts()
    assert placeholders == [
        "Unsupported plugin: plugin.bar",
        "Unsupported component: view.foo",
        "Unsupported component: view.map",
        "Unsupported component: helper.nope",
    ]
    assert sorted(h.events()["unsupported"]) == sorted(
        ["plugin.bar", "view.foo", "view.map", "helper.nope", "condition.weird"]
    )
    h.page.get_by_placeholder("A").fill("1")
    assert h.validate() == {"ok": True, "errors": []}
    assert h.outputs() == {"a": "1"}
    assert len(h.events()["unsupported"]) == 5, "each type is reported once"


@pytest.mark.browser
def test_unreadable_config_is_reported_not_thrown(harness: Harness) -> None:
    h = harness
    h.page.evaluate("() => window.__tb.mount({config: '{not json', tasks: [{id: 1, input_values: {}}]})")
    assert h.page.locator(".tb-render-error").inner_text().startswith("Cannot read the template")
    assert h.call("s => s.getSolutions()") == [{"output_values": {}}]


# ---- pure modules, imported into the page ----------------------------------------------------------

MARKDOWN_CASES = [
    ("# H1\n## H2", "<h1>H1</h1><h2>H2</h2>"),
    (
        "**b** *i* `c` __u__ _e_ ~~s~~",
        "<p><strong>b</strong> <em>i</em> <code>c</code> <strong>u</strong> <em>e</em> <del>s</del></p>",
    ),
    ("- a\n- b\n  - c", "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>"),
    ("1. x\n2. y", "<ol><li>x</li><li>y</li></ol>"),
    (
        "[a](https://e.com/x) [b](javascript:alert(1))",
        '<p><a href="https://e.com/x" target="_blank" rel="noopener noreferrer nofollow">a</a> '
        '<span title="Link blocked: unsupported address">b</span></p>',
    ),
    ("<b>raw</b> & <script>x</script>", "<p>&lt;b&gt;raw&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;</p>"),
    ("```\n<b>code</b>\n```", "<pre><code>&lt;b&gt;code&lt;/b&gt;</code></pre>"),
    ("> quote", "<blockquote><p>quote</p></blockquote>"),
    ("snake_case_name", "<p>snake_case_name</p>"),
    ("line one  \nline two", "<p>line one<br>line two</p>"),
    ("---", "<hr>"),
    ("![alt](javascript:x)", "<p><span>alt</span></p>"),
    ("\\*not em\\*", "<p>*not em*</p>"),
    (
        "<https://a.example/>",
        '<p><a href="https://a.example/" target="_blank" rel="noopener noreferrer nofollow">https://a.example/</a></p>',
    ),
]


@pytest.mark.browser
def test_markdown_converter(shared_harness: Harness) -> None:
    rendered = shared_harness.page.evaluate(
        """async (sources) => {
            const m = await import('/static/tb/markdown.js');
            return sources.map(src => {
                const d = document.createElement('div');
                d.appendChild(m.renderMarkdown(src));
                return d.innerHTML;  // test-side serialisation only
            });
        }""",
        [src for src, _ in MARKDOWN_CASES],
    )
    got = [re.sub(r' class="[^"]*"', "", html) for html in rendered]
    assert got == [want for _, want in MARKDOWN_CASES]


URL_CASES: list[tuple[Any, str, str | None]] = [
    ("https://a.example/x", "link", "https://a.example/x"),
    ("http://a.example", "link", "http://a.example/"),
    ("/rel/x", "link", "BASE/rel/x"),
    ("//cdn.example/p.png", "image", "http://cdn.example/p.png"),
    ("javascript:alert(1)", "link", None),
    ("  JAVASCRIPT:alert(1)", "link", None),
    ("java\tscript:alert(1)", "link", None),
    ("data:text/html,<b>x</b>", "link", None),
    ("data:image/png;base64,AAAA", "image", "data:image/png;base64,AAAA"),
    ("data:image/png;base64,AAAA", "link", None),
    ("data:image/svg+xml,<svg/>", "image", None),
    ("blob:BASE/abc", "media", "blob:BASE/abc"),
    ("blob:BASE/abc", "link", None),
    ("vbscript:msgbox(1)", "link", None),
    ("file:///etc/passwd", "image", None),
    (123, "link", None),
    ("", "link", None),
]


@pytest.mark.browser
def test_url_policy(shared_harness: Harness) -> None:
    base = shared_harness.base_url
    cases = [(u.replace("BASE", base) if isinstance(u, str) else u, k) for u, k, _ in URL_CASES]
    got = shared_harness.page.evaluate(
        """async (cases) => {
            const m = await import('/static/tb/urls.js');
            return cases.map(([u, k]) => m.safeUrl(u, k));
        }""",
        cases,
    )
    want = [w.replace("BASE", base) if isinstance(w, str) else w for _, _, w in URL_CASES]
    assert got == want


SPEC_CASES: list[tuple[Any, Json, list[str]]] = [
    ("x", {"type": "string"}, []),
    (None, {"type": "string", "required": True}, ["This field is required"]),
    (None, {"type": "string", "required": False}, []),
    (1, {"type": "string"}, ["Must be text"]),
    ("abc", {"type": "string", "min_length": 4}, ["At least 4 characters"]),
    ("abcdef", {"type": "string", "max_length": 5}, ["At most 5 characters"]),
    ("c", {"type": "string", "allowed_values": ["a", "b"]}, ['Must be one of: "a", "b"']),
    (1.5, {"type": "integer"}, ["Must be a whole number"]),
    (5, {"type": "integer", "min_value": 10}, ["Must be at least 10"]),
    (5, {"type": "float", "max_value": 1}, ["Must be at most 1"]),
    (2, {"type": "integer", "allowed_values": [1, 3]}, ["Must be one of: 1, 3"]),
    (True, {"type": "boolean"}, []),
    ("yes", {"type": "boolean"}, ["Must be true or false"]),
    ("ftp://x", {"type": "url"}, ["Must be an http(s) URL"]),
    ("https://x.org", {"type": "url"}, []),
    ("53.9,27.5", {"type": "coordinates"}, []),
    ("north", {"type": "coordinates"}, ['Must be coordinates "lat,lon"']),
    ({"a": 1}, {"type": "json"}, []),
    ("f1", {"type": "file"}, []),
    ("", {"type": "file"}, ["Must be an uploaded file"]),
    ([1, 2], {"type": "array_integer"}, []),
    ([1, "2"], {"type": "array_integer"}, ["Item 2: Must be a whole number"]),
    ([], {"type": "array_string", "min_size": 1}, ["Choose at least 1"]),
    (["a", "b", "c"], {"type": "array_string", "max_size": 2}, ["Choose at most 2"]),
    ("x", {"type": "array_string"}, ["Must be a list"]),
    (["a", "z"], {"type": "array_string", "allowed_values": ["a"]}, ['Item 2: Must be one of: "a"']),
]


@pytest.mark.browser
def test_output_spec_checks(shared_harness: Harness) -> None:
    got = shared_harness.page.evaluate(
        """async (cases) => {
            const m = await import('/static/tb/outputspec.js');
            return cases.map(([v, spec]) => m.fieldSpecErrors(v === null ? undefined : v, spec));
        }""",
        [[v, s] for v, s, _ in SPEC_CASES],
    )
    assert got == [want for _, _, want in SPEC_CASES]


SCHEMA_CASES: list[tuple[Any, Json, str | None]] = [
    ("ab", {"type": "string", "minLength": 3}, "At least 3 characters"),
    ("abc", {"type": "string", "minLength": 3}, None),
    ("abcd", {"maxLength": 3}, "At most 3 characters"),
    (5, {"type": "integer", "minimum": 10}, "Must be at least 10"),
    (3, {"maximum": 2}, "Must be at most 2"),
    (["a"], {"type": "array", "minItems": 2}, "Choose at least 2"),
    (["a", "b", "c"], {"type": "array", "maxItems": 2}, "Choose at most 2"),
    ({"a": 1}, {"type": "object", "required": ["b"]}, '"b" is required'),
    ({"a": "x"}, {"properties": {"a": {"type": "number"}}}, "a: Must be a number"),
    ("b", {"enum": ["a"]}, 'Must be one of: "a"'),
    ("abc", {"pattern": "^a"}, None),
    ("xbc", {"pattern": "^a"}, "Does not match the required format"),
    (["a", 1], {"items": {"type": "string"}}, "1: Must be text"),
    ("x", {"type": ["string", "null"]}, None),
    (None, {"type": "string"}, "Must be text"),
    (2, {"type": "number"}, None),
    (True, {"type": "boolean", "unknownKeyword": 1}, None),
]


@pytest.mark.browser
def test_schema_subset(shared_harness: Harness) -> None:
    got = shared_harness.page.evaluate(
        """async (cases) => {
            const m = await import('/static/tb/schema.js');
            return cases.map(([v, schema]) => m.schemaError(v, schema));
        }""",
        [[v, s] for v, s, _ in SCHEMA_CASES],
    )
    assert got == [want for _, _, want in SCHEMA_CASES]


# ---- static checks (no browser) ----------------------------------------------------------------------

FORBIDDEN = [
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    "Function(",
    "createContextualFragment",
    "DOMParser",
    "setAttribute('on",
    'setAttribute("on',
    "setAttribute('style",
    "srcdoc =",
]


def test_renderer_sources_use_no_html_parsing_or_code_evaluation() -> None:
    sources = sorted(TB_DIR.glob("*.js"))
    assert {p.name for p in sources} >= {"renderer.js", "markdown.js", "urls.js", "evaluate.js"}
    for path in sources:
        code = path.read_text(encoding="utf-8")
        for needle in FORBIDDEN:
            assert needle not in code, f"{path.name} contains {needle!r}"
        for spec in re.findall(r"""^\s*(?:import|export)\b[^;]*?from\s+['"]([^'"]+)['"]""", code, re.M):
            assert spec.startswith("./"), f"{path.name} imports {spec!r} (only local modules allowed)"
            assert (TB_DIR / spec).is_file(), f"{path.name} imports missing {spec!r}"
        assert not re.search(r"""import\s*\(\s*['"]https?:""", code)
    css = (TB_DIR / "tb.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(http" not in css


@pytest.mark.browser
def test_harness_csp_is_enforced_and_observed(harness: Harness) -> None:
    """The "no CSP violation" assertions elsewhere are meaningful: violations are blocked and seen."""
    response = harness.page.request.get(f"{harness.base_url}/harness/harness.html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    harness.page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__inline = 1';
            document.body.appendChild(s);
            document.body.setAttribute('style', 'color: red');
        }"""
    )
    harness.page.wait_for_function("() => window.__tb.events.csp.length >= 2")
    directives = sorted(c.split()[0] for c in harness.events()["csp"])
    assert directives == ["script-src-elem", "style-src-attr"]
    assert harness.page.evaluate("() => window.__inline === undefined")
