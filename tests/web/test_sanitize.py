"""Requester HTML instructions reduced to the allow-list: what survives and what never does."""

from __future__ import annotations

import pytest

from crowdlab.web.sanitize import safe_url, sanitize_html

LINK = 'rel="noopener noreferrer nofollow" target="_blank"'
IMG = 'loading="lazy" referrerpolicy="no-referrer"'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", ""),
        (None, ""),
        ("<p>Hi <b>there</b> &amp; <i>you</i></p>", "<p>Hi <b>there</b> &amp; <i>you</i></p>"),
        ('<p onclick="x()" class="c" id="i" style="color:red">text</p>', "<p>text</p>"),
        ("<script>alert(1)</script>after", "after"),
        ("<style>p{}</style><iframe src=https://e.com>in</iframe>ok", "ok"),
        ("<svg><script>1</script><text>t</text></svg>kept", "kept"),
        ("<embed src=x>after", "after"),
        ("<form><input value=x><b>bold</b></form>", "<b>bold</b>"),
        ("<div><p>unclosed", "<div><p>unclosed</p></div>"),
        ("</p>stray<br/>", "stray<br>"),
        ("<table><tr><td colspan=2 rowspan=x>c", '<table><tr><td colspan="2">c</td></tr></table>'),
        ('<a href="https://e.com/?a=1&b=2">y</a>', f'<a href="https://e.com/?a=1&amp;b=2" {LINK}>y</a>'),
        ('<a href="javascript:alert(1)">x</a>', f"<a {LINK}>x</a>"),
        ('<a href=" jav&#x09;ascript:alert(1)">x</a>', f"<a {LINK}>x</a>"),
        ('<a href="data:text/html,<b>">x</a>', f"<a {LINK}>x</a>"),
        (
            '<img src="https://e.com/a.png" onerror="x" alt="A">',
            f'<img src="https://e.com/a.png" alt="A" {IMG}>',
        ),
        ('<img src="data:image/svg+xml,<svg onload=x>">', ""),
        ('<img src="data:image/png;base64,AAAA">', f'<img src="data:image/png;base64,AAAA" {IMG}>'),
        ('<p title="&quot;><script>">t</p>', "<p>t</p>"),
        ('<abbr title="&quot;><b>">x</abbr>', '<abbr title="&quot;&gt;&lt;b&gt;">x</abbr>'),
        ("<!-- hidden --><p>shown</p>", "<p>shown</p>"),
        ("plain\n\ntext &amp; more\nline", "<p>plain</p><p>text &amp; more<br>line</p>"),
        ("1 < 2 and <b>bold</b>", "1 &lt; 2 and <b>bold</b>"),
    ],
)
def test_sanitize_html(source: str | None, expected: str) -> None:
    assert sanitize_html(source) == expected


def test_deep_nesting_is_bounded_and_closed() -> None:
    out = sanitize_html("<div>" * 500 + "x")
    assert out.count("<div>") == out.count("</div>") <= 64
    assert "x" in out


@pytest.mark.parametrize(
    ("url", "image", "ok"),
    [
        ("https://e.com/x", False, True),
        ("/relative/path", False, True),
        ("mailto:a@b.c", False, True),
        ("mailto:a@b.c", True, False),
        ("//evil.com/x", False, False),
        ("JaVaScRiPt:alert(1)", False, False),
        ("vbscript:x", False, False),
        ("data:image/gif;base64,R0l", True, True),
        ("data:image/gif;base64,R0l", False, False),
    ],
)
def test_safe_url(url: str, image: bool, ok: bool) -> None:
    assert (safe_url(url, image=image) is not None) is ok
