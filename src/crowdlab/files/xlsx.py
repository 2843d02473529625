"""XLSX in (python-calamine, behind a zip-bomb guard) and out (openpyxl in write-only mode).

Reading: the zip directory is checked first (entry count, declared uncompressed sizes), then every
entry is decompressed once into nothing while counting, so a directory that lies about sizes is caught
too; only then does calamine parse the first sheet. calamine holds the sheet in memory, so XLSX is
bounded by ``Limits.max_xlsx_uncompressed_bytes`` rather than streamed like TSV and JSON.

Writing: strings are written as strings even when they start with ``=`` (no formula injection), text
longer than an XLSX cell holds (32,767 characters) raises ValueError instead of being cut, and
characters XML cannot carry (control characters, ``\\r``) or that readers would alter (a literal
``_x000D_``, blank-only text) use the OOXML ``_xHHHH_`` escape, which calamine and Excel decode.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from typing import IO, Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from crowdlab.files.errors import FILE_TOO_LARGE, INVALID_XLSX, Limits, TaskFileError

MAX_CELL_CHARS = 32_767  # Excel's limit; openpyxl would cut longer text silently
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ZIP_CHUNK = 1 << 20


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return "_x005F_" if char == "_" else f"_x{ord(char):04X}_"


def escape_text(text: str) -> str:
    """Text as stored in a cell so that it reads back unchanged (OOXML ``_xHHHH_`` escapes)."""
    if text and not text.strip():
        return "".join(f"_x{ord(char):04X}_" for char in text)
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def _spool(stream: BinaryIO, limits: Limits) -> IO[bytes]:
    """A seekable copy of a non-seekable stream, refusing more than ``max_bytes``."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    total = 0
    while chunk := stream.read(_ZIP_CHUNK):
        total += len(chunk)
        if total > limits.max_bytes:
            spool.close()
            raise TaskFileError(FILE_TOO_LARGE, f"The file is larger than {limits.max_bytes // 2**20} MB")
        spool.write(chunk)
    spool.seek(0)
    return spool


def check_zip(stream: IO[bytes], limits: Limits) -> None:
    """Refuse archives that are not XLSX or would expand beyond the limits (zip bombs)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_xlsx_entries:
                raise TaskFileError(
                    INVALID_XLSX, f"The XLSX archive has more than {limits.max_xlsx_entries} parts"
                )
            if not any(entry.filename == "xl/workbook.xml" for entry in entries):
                raise TaskFileError(INVALID_XLSX, "The file is a zip archive but not an XLSX workbook")
            declared = sum(entry.file_size for entry in entries)
            if declared > limits.max_xlsx_uncompressed_bytes:
                raise _bomb(limits)
            actual = 0
            for entry in entries:
                with archive.open(entry) as member:
                    while chunk := member.read(_ZIP_CHUNK):
                        actual += len(chunk)
                        if actual > limits.max_xlsx_uncompressed_bytes:
                            raise _bomb(limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
        raise TaskFileError(INVALID_XLSX, f"The file is not a readable XLSX workbook ({exc})") from None
    finally:
        stream.seek(0)


def _bomb(limits: Limits) -> TaskFileError:
    return TaskFileError(
        FILE_TOO_LARGE,
        f"The XLSX workbook expands to more than {limits.max_xlsx_uncompressed_bytes // 2**20} MB; "
        "split it or upload TSV",
    )


def read_rows(stream: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    """Yield ``(line, cells)`` for every row of the first sheet; line 1 is the sheet's first row."""
    from python_calamine import CalamineError, CalamineWorkbook

    spool: IO[bytes] | None = None
    if stream.seekable():
        start = stream.tell()
        size = stream.seek(0, os.SEEK_END) - start
        if size > limits.max_bytes:
            raise TaskFileError(FILE_TOO_LARGE, f"The file is larger than {limits.max_bytes // 2**20} MB")
        stream.seek(start)
        if start:
            spool = _spool(stream, limits)
    else:
        spool = _spool(stream, limits)
    source: IO[bytes] = spool if spool is not None else stream
    try:
        check_zip(source, limits)
        workbook = CalamineWorkbook.from_filelike(source)  # reads the whole archive into memory
        if not workbook.sheet_names:
            raise TaskFileError(INVALID_XLSX, "The workbook has no sheets")
        sheet = workbook.get_sheet_by_index(0)
        first_row = sheet.start[0] if sheet.start else 0
        rows = sheet.iter_rows()
    except TaskFileError:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise TaskFileError(INVALID_XLSX, f"The file is not a readable XLSX workbook ({exc})") from None
    finally:
        if spool is not None:
            spool.close()
    for index, row in enumerate(rows):
        yield first_row + index + 1, row


class SheetWriter:
    """Appends rows to a one-sheet write-only workbook and saves it to a binary stream."""

    def __init__(self, title: str = "Sheet1") -> None:
        self._workbook = Workbook(write_only=True)
        sheet = self._workbook.create_sheet(title)
        assert isinstance(sheet, WriteOnlyWorksheet)
        self._sheet = sheet

    def append(self, values: Sequence[Any]) -> None:
        """One row; ``None`` is an empty cell, strings are escaped and never become formulas.

        ValueError for text longer than an XLSX cell holds (32,767 characters): TSV and JSON have no
        such limit, and cutting the value would lose data without a word.
        """
        cells: list[Any] = []
        for value in values:
            if isinstance(value, str):
                text = escape_text(value)
                if len(text) > MAX_CELL_CHARS:
                    raise ValueError(
                        f"A value of {len(value)} characters does not fit in an XLSX cell "
                        f"(at most {MAX_CELL_CHARS}); use TSV or JSON"
                    )
                cell = WriteOnlyCell(self._sheet, value=text)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        self._sheet.append(cells)

    def save(self, out: BinaryIO) -> None:
        """Write the workbook to ``out`` (openpyxl needs a seekable target; a temp file bridges)."""
        try:
            seekable = out.seekable()
        except (AttributeError, OSError, ValueError):
            seekable = False
        if seekable:
            self._workbook.save(out)
            return
        with tempfile.TemporaryFile() as temporary:
            self._workbook.save(temporary)
            temporary.seek(0)
            shutil.copyfileobj(temporary, out)
