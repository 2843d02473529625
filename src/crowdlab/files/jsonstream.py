"""Streaming read of a JSON task file: one top-level element at a time, with its line numbers.

Accepted shapes: a list ``[{...}, {...}]`` (the guide's format), a single object, or objects one after
another (JSON Lines). Only one element is held in memory at a time; an element larger than
``max_chars`` is refused rather than buffered without bound.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crowdlab.files.errors import (
    EMPTY_FILE,
    INVALID_JSON_SYNTAX,
    JSON_TOO_DEEP,
    NOT_A_TASK_LIST,
    VALUE_TOO_LONG,
    TaskFileError,
)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass(slots=True)
class Element:
    """One decoded top-level element and the lines (1-based) where it starts and ends."""

    line: int
    line_end: int
    value: Any


class _Buffer:
    """A sliding window over the text with line/column bookkeeping for positions inside it."""

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self.text = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # line of text[counted]
        self._counted = 0
        self._line_start = 0  # index in text where the current line starts (may be negative)

    def fill(self) -> bool:
        """Drop consumed text, append a chunk; False at the end of the input."""
        if self.eof:
            return False
        self._advance(self.pos)
        self.text = self.text[self.pos :]
        self._counted -= self.pos
        self._line_start -= self.pos
        self.pos = 0
        chunk = self._read()
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def _advance(self, index: int) -> None:
        if index > self._counted:
            newlines = self.text.count("\n", self._counted, index)
            if newlines:
                self._line += newlines
                self._line_start = self.text.rindex("\n", self._counted, index) + 1
            self._counted = index

    def line_at(self, index: int) -> int:
        self._advance(index)
        return self._line

    def location(self, index: int) -> tuple[int, int]:
        line = self.line_at(index)
        return line, index - self._line_start + 1

    def skip_whitespace(self) -> str:
        """Advance over blanks; return the next character ('' at the end of the input)."""
        while True:
            match = _WHITESPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""


def _syntax_error(buffer: _Buffer, index: int, what: str) -> TaskFileError:
    line, column = buffer.location(index)
    return TaskFileError(
        INVALID_JSON_SYNTAX,
        f"Invalid JSON at line {line}, column {column}: {what}",
        line=line,
        column=column,
    )


def _too_long(line: int, max_chars: int) -> TaskFileError:
    return TaskFileError(
        VALUE_TOO_LONG,
        f"The task starting on line {line} is longer than {max_chars} characters or its JSON is broken",
        line=line,
    )


def _decode(buffer: _Buffer, max_chars: int) -> Element:
    start_line = buffer.line_at(buffer.pos)
    while True:
        try:
            value, end = _DECODER.raw_decode(buffer.text, buffer.pos)
        except json.JSONDecodeError as exc:
            # Truncated input fails at its very end (or, for a string, where the string starts); an
            # error well inside the text is a real one and is reported without reading further.
            truncated = exc.pos >= len(buffer.text) - 16 or exc.msg.startswith("Unterminated string")
            if not truncated or buffer.eof:
                raise _syntax_error(buffer, exc.pos, exc.msg) from None
            if len(buffer.text) - buffer.pos > max_chars:
                raise _too_long(start_line, max_chars) from None
            buffer.fill()  # positions shift: decode again (at the end of input it fails for good)
            continue
        except ValueError as exc:  # not a JSONDecodeError: e.g. an integer beyond the digit limit
            raise _syntax_error(buffer, buffer.pos, str(exc)) from None
        except RecursionError:
            raise TaskFileError(
                JSON_TOO_DEEP, f"The JSON starting on line {start_line} is nested too deeply", line=start_line
            ) from None
        if end == len(buffer.text) and buffer.fill():
            continue  # a number or literal may continue in the next chunk
        if end - buffer.pos > max_chars:
            raise _too_long(start_line, max_chars)
        line_end = buffer.line_at(end - 1) if end > buffer.pos else start_line
        buffer.pos = end
        return Element(start_line, line_end, value)


def iter_elements(read: Callable[[], str], max_chars: int) -> Iterator[Element]:
    """Yield the top-level elements of a JSON task file; TaskFileError on syntax errors."""
    buffer = _Buffer(read)
    first = buffer.skip_whitespace()
    if not first:
        raise TaskFileError(EMPTY_FILE, "The file is empty")
    if first == "{":
        while buffer.skip_whitespace():
            if buffer.text[buffer.pos] != "{":
                raise _syntax_error(buffer, buffer.pos, "expected a task object")
            yield _decode(buffer, max_chars)
        return
    if first != "[":
        raise TaskFileError(
            NOT_A_TASK_LIST, "A JSON task file must be a list of task objects: [{...}, {...}]", line=1
        )
    buffer.pos += 1
    if buffer.skip_whitespace() == "]":
        buffer.pos += 1
    else:
        while True:
            if not buffer.skip_whitespace():
                raise _syntax_error(buffer, buffer.pos, "the list is not closed with ]")
            yield _decode(buffer, max_chars)
            following = buffer.skip_whitespace()
            if following == ",":
                buffer.pos += 1
                if buffer.skip_whitespace() == "]":
                    raise _syntax_error(buffer, buffer.pos, "a comma before ] (trailing commas are not JSON)")
                continue
            if following == "]":
                buffer.pos += 1
                break
            if not following:
                raise _syntax_error(buffer, buffer.pos, "the list is not closed with ]")
            raise _syntax_error(buffer, buffer.pos, "expected ',' or ']' after a task")
    if buffer.skip_whitespace():
        raise _syntax_error(buffer, buffer.pos, "extra data after the list")
