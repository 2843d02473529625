"""Requester-written HTML (project instructions) cut down to a small allow-list before a worker sees it.

Instructions are written by requesters and shown to every worker, so they are hostile input: no
script, no event handlers, no styles, no forms, no frames; links and images only over http(s)
(images also as raster ``data:`` URLs). Everything else is dropped; the text inside unknown tags is
kept, the content of ``script``/``style``-like elements is not. Output is well-formed: every open tag
is closed, every text and attribute value is escaped again.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
VOID_TAGS = frozenset({"br", "hr", "img"})
# HTML's void elements: they never have content, so dropping one must not swallow what follows.
HTML_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "link", "meta", "param", "source",
     "track", "wbr"}
)  # fmt: skip
# Elements whose content is code or UI, never text for the reader: dropped with everything inside.
DROP_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "noembed", "noframes", "textarea", "select", "title", "head", "svg", "math",
        "button", "canvas", "audio", "video",
    }
)  # fmt: skip
ALLOWED_ATTRS: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "abbr": frozenset({"title"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start", "reversed"}),
    "details": frozenset({"open"}),
}
_RASTER_DATA = re.compile(r"^data:image/(png|jpe?g|gif|webp|bmp|avif)(;[a-z0-9=.+-]*)*,", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,4}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
MAX_DEPTH = 64


def safe_url(value: str, *, image: bool = False) -> str | None:
    """The URL when it is http(s), relative or (for images) a raster data: URL; else None."""
    cleaned = _CONTROL.sub("", value)
    if not cleaned:
        return None
    if image and cleaned.lower().startswith("data:"):
        return value.strip() if _RASTER_DATA.match(cleaned) else None
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    if scheme in ("http", "https") or (scheme == "" and not cleaned.startswith("//")):
        return value.strip()
    if scheme == "mailto" and not image:
        return value.strip()
    return None


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.dropping: list[str] = []  # open DROP_WITH_CONTENT elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag in DROP_WITH_CONTENT and tag not in HTML_VOID:
                self.dropping.append(tag)
            return
        if tag in DROP_WITH_CONTENT:
            if tag not in HTML_VOID:
                self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS or (tag not in VOID_TAGS and len(self.stack) >= MAX_DEPTH):
            return
        parts = [tag]
        allowed = ALLOWED_ATTRS.get(tag, frozenset())
        seen: set[str] = set()
        for name, value in attrs:
            if name not in allowed or name in seen:
                continue
            seen.add(name)
            text = value or ""
            if name in ("href", "src"):
                url = safe_url(text, image=name == "src")
                if url is None:
                    continue
                text = url
            elif name in ("width", "height", "colspan", "rowspan", "start") and not _NUMBER.match(text):
                continue
            elif name in ("open", "reversed"):
                parts.append(name)
                continue
            parts.append(f'{name}="{html.escape(text, quote=True)}"')
        if tag == "a":
            parts.append('rel="noopener noreferrer nofollow" target="_blank"')
        if tag == "img":
            if not any(p.startswith("src=") for p in parts):
                return
            parts.append('loading="lazy" referrerpolicy="no-referrer"')
        self.out.append("<" + " ".join(parts) + ">")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1] == tag and not self.dropping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag not in self.stack:
            return  # a stray end tag
        while self.stack:
            open_tag = self.stack.pop()
            self.out.append(f"</{open_tag}>")
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def close_all(self) -> str:
        self.close()
        while self.stack:
            self.out.append(f"</{self.stack.pop()}>")
        return "".join(self.out)


def sanitize_html(source: str | None) -> str:
    """Requester HTML reduced to the allow-list; plain text becomes escaped paragraphs."""
    if not source or not source.strip():
        return ""
    if "<" not in source:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", source) if p.strip()]
        return "".join(
            "<p>" + "<br>".join(html.escape(html.unescape(line)) for line in p.splitlines()) + "</p>"
            for p in paragraphs
        )
    parser = _Sanitizer()
    parser.feed(source)
    return parser.close_all()
