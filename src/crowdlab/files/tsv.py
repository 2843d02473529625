"""TSV as the Toloka task-file guide defines it: reading records and writing quoted cells.

Reading follows the quoting rules of the guide ("Escaping in TSV/XLSX"), which are those of the
SuperCSV tokenizer Toloka's own upload used:

* cells are separated by tabs, records by ``\\n``, ``\\r\\n`` or ``\\r``;
* a ``"`` anywhere in a cell opens a quoted section that may hold tabs and line breaks and ends at
  the next lone ``"``; inside it ``""`` is one literal quote. The quote characters themselves are
  dropped, so ``book "All about dogs"`` reads as ``book All about dogs`` (the guide's "correct, but
  the quotes won't be displayed");
* a quoted section still open at the end of the file is the error "unexpected end of file while
  reading quoted column beginning on line A and ending on line B" — the guide's unpaired-quote case.

An empty cell is *absent*; a cell that was quoted but empty (``""``) reads as :data:`QUOTED_EMPTY`, a
``str`` equal to ``''`` that callers can tell apart by identity: for a ``string`` or ``file`` field it
is the empty string, for other types it is absent.

Lines without a quote take a fast path (``str.split``); only lines with quotes are scanned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crowdlab.files.errors import UNEXPECTED_END_OF_FILE, VALUE_TOO_LONG, row_error


class _QuotedEmpty(str):
    __slots__ = ()


QUOTED_EMPTY: str = _QuotedEmpty("")
"""The value of a cell written as ``""``: an empty string that was given on purpose."""

_SPECIAL = re.compile(r'[\t"\r\n]')
_NEEDS_QUOTES = re.compile(r'[\t\r\n"]')
_TERMINATORS = ("\n", "\r")
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(slots=True)
class Record:
    """One logical TSV record: the physical lines it spans and its cells (or the error that stopped it)."""

    line: int
    line_end: int
    cells: list[str]
    error: dict[str, Any] | None = None
    blank: bool = False


def _strip_terminator(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(_TERMINATORS):
        return line[:-1]
    return line


class RecordReader:
    """Turns physical lines (from ``read_line``, '' at the end) into :class:`Record` objects."""

    def __init__(self, read_line: Callable[[], str], max_chars: int) -> None:
        self._read = read_line
        self._max = max_chars
        self._line = 0

    def __iter__(self) -> Iterator[Record]:
        read = self._read
        while True:
            text = read()
            if not text:
                return
            self._line += 1
            if not text.endswith(_TERMINATORS) and len(text) >= self._max:
                yield self._skip_long_line(text)
                continue
            if '"' in text:
                yield self._quoted(text)
                continue
            body = _strip_terminator(text)
            if not body.strip("\t"):
                yield Record(self._line, self._line, [], blank=True)
            else:
                yield Record(self._line, self._line, body.split("\t"))

    def _skip_long_line(self, text: str) -> Record:
        while text and not text.endswith(_TERMINATORS):
            text = self._read()
        return Record(
            self._line,
            self._line,
            [],
            row_error(VALUE_TOO_LONG, f"The line is longer than {self._max} characters"),
        )

    def _quoted(self, text: str) -> Record:
        start = self._line
        cells: list[str] = []
        parts: list[str] = []
        size = 0
        quoted = False
        overflow = False
        pos = 0

        def finish() -> str:
            value = "".join(parts)
            return QUOTED_EMPTY if quoted and not value else value

        while True:
            match = _SPECIAL.search(text, pos)
            if match is None:  # last line of the file, no terminator
                parts.append(text[pos:])
                cells.append(finish())
                return self._record(start, cells, overflow)
            char = match.group()
            if not overflow:
                parts.append(text[pos : match.start()])
                size += match.start() - pos
            pos = match.end()
            if char == "\t":
                cells.append(finish())
                parts, size, quoted = [], 0, False
                continue
            if char != '"':
                cells.append(finish())
                return self._record(start, cells, overflow)
            quoted = True
            quote_line = self._line
            while True:  # inside a quoted section
                if size > self._max and not overflow:
                    overflow = True
                    parts = []
                index = text.find('"', pos)
                if index < 0:
                    if not overflow:
                        parts.append(text[pos:])
                        size += len(text) - pos
                    complete = text.endswith(_TERMINATORS)
                    text = self._read()
                    if not text:
                        message = (
                            "unexpected end of file while reading quoted column beginning on line "
                            f"{quote_line} and ending on line {self._line}; check that every quote "
                            'inside a value is doubled ("") and the value is enclosed in quotes'
                        )
                        return Record(
                            start,
                            self._line,
                            [],
                            row_error(
                                UNEXPECTED_END_OF_FILE,
                                message,
                                quote_line=quote_line,
                                end_line=self._line,
                            ),
                        )
                    if complete:
                        self._line += 1
                    pos = 0
                else:
                    if not overflow:
                        parts.append(text[pos:index])
                        size += index - pos
                    if text.startswith('"', index + 1):
                        if not overflow:
                            parts.append('"')
                            size += 1
                        pos = index + 2
                        continue
                    pos = index + 1
                    break

    def _record(self, start: int, cells: list[str], overflow: bool) -> Record:
        if overflow:
            return Record(
                start,
                self._line,
                [],
                row_error(VALUE_TOO_LONG, f"A value in this row is longer than {self._max} characters"),
            )
        return Record(start, self._line, cells)


def quote_cell(text: str | None) -> str:
    """One cell as written to a TSV: absent -> empty; '' -> ``""``; quoted if it holds tab/newline/quote."""
    if text is None:
        return ""
    if not text:
        return '""'
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def format_line(cells: Iterable[str | None]) -> str:
    """One TSV line (with its ``\\n``) from cell texts."""
    return "\t".join([quote_cell(cell) for cell in cells]) + "\n"


def parse_tsv_text(text: str, max_chars: int = 1 << 24) -> list[Record]:
    """Parse a whole TSV string (tests and small inputs)."""
    lines = iter(_PHYSICAL_LINE.findall(text))

    def read() -> str:
        return next(lines, "")

    return list(RecordReader(read, max_chars))
