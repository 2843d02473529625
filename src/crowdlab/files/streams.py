"""Byte streams in: the size limit, format sniffing, UTF-8 decoding and line reading.

Every reader goes through :func:`open_upload`, which never reads more than ``Limits.max_bytes`` (the
limit is checked up front when the stream can seek, and while reading otherwise) and lets the caller
peek at the first bytes to tell TSV, XLSX and JSON apart.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import BinaryIO, Literal

from crowdlab.files.errors import (
    FILE_TOO_LARGE,
    NOT_UTF8,
    UNKNOWN_FORMAT,
    Limits,
    TaskFileError,
)

FileFormat = Literal["tsv", "xlsx", "json"]
FORMATS: tuple[FileFormat, ...] = ("tsv", "xlsx", "json")
_EXTENSIONS: dict[str, FileFormat] = {
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".jsonl": "json",
}
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20


def _too_large(limit: int) -> TaskFileError:
    return TaskFileError(
        FILE_TOO_LARGE, f"The file is larger than {limit // (1024 * 1024)} MB; split it into several files"
    )


class LimitedReader(io.RawIOBase):
    """A raw reader over the caller's stream that refuses to read past ``max_bytes``.

    Closing it does not close the caller's stream. ``peek(n)`` returns the first bytes without
    consuming them.
    """

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        super().__init__()
        self._stream = stream
        self._max = max_bytes
        self._pending = b""
        self.count = 0

    def readable(self) -> bool:
        """Always readable."""
        return True

    def peek(self, size: int) -> bytes:
        """Up to ``size`` first bytes, kept for the next reads."""
        while len(self._pending) < size:
            data = self._stream.read(size - len(self._pending))
            if not data:
                break
            self._pending += data
        return self._pending[:size]

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the stream; TaskFileError(FILE_TOO_LARGE) past the limit."""
        wanted = len(buffer)
        if self._pending:
            data, self._pending = self._pending[:wanted], self._pending[wanted:]
        else:
            data = self._stream.read(wanted)
        size = len(data)
        buffer[:size] = data
        self.count += size
        if self.count > self._max:
            raise _too_large(self._max)
        return size


def check_size(stream: BinaryIO, limits: Limits) -> None:
    """Refuse a seekable stream whose remaining size exceeds the limit, before reading anything."""
    try:
        if not stream.seekable():
            return
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
    except (OSError, ValueError):
        return
    if end - start > limits.max_bytes:
        raise _too_large(limits.max_bytes)


def detect_format(filename: str | None, head: bytes) -> FileFormat:
    """The file format from the name's extension, else from the first bytes (zip magic, ``[``/``{``)."""
    if filename:
        extension = os.path.splitext(filename.lower())[1]
        if extension in _EXTENSIONS:
            return _EXTENSIONS[extension]
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "tsv"


def resolve_format(format: str | None, filename: str | None, head: bytes) -> FileFormat:
    """Validate an explicit format name or sniff one."""
    if format is None:
        return detect_format(filename, head)
    lowered = format.lower()
    for known in FORMATS:
        if lowered == known:
            return known
    raise TaskFileError(UNKNOWN_FORMAT, f"Unknown file format {format!r}; use tsv, xlsx or json")


def open_text(reader: LimitedReader) -> io.TextIOWrapper:
    """Decode the limited stream as UTF-8 (a leading BOM is dropped), line endings untranslated."""
    buffered = io.BufferedReader(reader, buffer_size=_CHUNK)
    return io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")


class LineReader:
    """Reads physical lines (terminator kept) of at most ``max_chars`` characters each.

    A decoding error becomes ``TaskFileError(NOT_UTF8)`` naming the last line read successfully.
    """

    def __init__(self, text: io.TextIOWrapper, max_chars: int) -> None:
        self._readline: Callable[[int], str] = text.readline
        self.max_chars = max_chars
        self.lines_read = 0

    def __call__(self) -> str:
        try:
            piece = self._readline(self.max_chars)
        except UnicodeDecodeError as exc:
            raise TaskFileError(
                NOT_UTF8,
                f"The file is not UTF-8 text (invalid byte {exc.object[exc.start : exc.start + 1]!r} "
                f"after line {self.lines_read}); save it in UTF-8 encoding",
                line=self.lines_read + 1,
            ) from None
        if piece.endswith(("\n", "\r")):
            self.lines_read += 1
        return piece


def read_chunks(text: io.TextIOWrapper, size: int = _CHUNK) -> Callable[[], str]:
    """A ``read()`` function returning successive text chunks ('' at the end), NOT_UTF8 on bad bytes."""
    consumed = 0

    def read() -> str:
        nonlocal consumed
        try:
            chunk = text.read(size)
        except UnicodeDecodeError:
            raise TaskFileError(
                NOT_UTF8,
                f"The file is not UTF-8 text (invalid byte after character {consumed}); "
                "save it in UTF-8 encoding",
            ) from None
        consumed += len(chunk)
        return chunk

    return read
