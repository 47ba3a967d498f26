"""What a file is before it is read as a table: not a workbook or binary, its encoding, line endings and
delimiter. Each check runs in C over the bytes (``bytes.count``, ``isascii``); nothing is decoded that need
not be."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ledgers.readers.problems import ImportFailed, Problem

_BLANK_LINE = re.compile(
    rb"\n\r?\n"
)  # an empty line after LF or CRLF (one regex scan: faster than two finds)
SAVE_AS_CSV = "open it in Excel and save it as 'CSV UTF-8 (Comma delimited)'"


def refuse(file: str, message: str, row: int | None = None) -> ImportFailed:
    """The one problem that stops a file being read at all."""
    return ImportFailed([Problem(file, row, None, message)])


def check_kind_of_file(path: Path, data: bytes) -> None:
    """Refuse what is not a text table, saying what the file is and what to do."""
    file = path.name
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) >= 4 and data[1:4:2] == b"\x00\x00"):
        raise refuse(file, f"is a UTF-16 (Unicode) text file: {SAVE_AS_CSV}")
    if data[:4] == b"PK\x03\x04":
        raise refuse(file, "is an Excel workbook with a .csv name: rename it to .xlsx, or " + SAVE_AS_CSV)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise refuse(file, ole_message(data))
    if b"\x00" in data[: 1 << 16]:
        raise refuse(file, f"is not a text (CSV) file: it holds binary data; {SAVE_AS_CSV}")


def ole_message(data: bytes) -> str:
    """What an OLE (old Office) file is: a password-protected workbook or an old .xls."""
    if "EncryptionInfo".encode("utf-16-le") in data[: 1 << 20]:
        return "is a password-protected workbook: remove the password (File > Info > Protect Workbook) and save it"
    return "is an old-format (.xls) Excel workbook: open it in Excel and save it as .xlsx or CSV UTF-8"


def detect_encoding(data: bytes) -> str:
    """'utf-8' (with or without BOM) when the bytes decode as UTF-8, else 'cp1252' (a council export's £)."""
    if data.isascii():  # most exports: no byte needs decoding to know
        return "utf-8"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of comma, tab, semicolon and bar."""
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@dataclass(frozen=True)
class Lines:
    """How the rows of a text file are laid out."""

    one_ending: bool  # only LF, or only CRLF (no lone CR, no mix)
    blank_lines: bool  # an empty line between rows
    odd_quotes: bool  # an odd number of quote characters: one is never closed

    @property
    def one_per_row(self) -> bool:
        """Every row is one line: DuckDB's reader numbers them exactly (it would skip a blank line and throw
        every later row number out; and take the rest of the file as one field after an unclosed quote)."""
        return self.one_ending and not self.blank_lines and not self.odd_quotes


def lines_of(data: bytes) -> Lines:
    """The line endings, blank lines and quote balance of ``data``: a search that stops at the first hit
    where that settles it (no CR at all, no quote at all), a count only where it does not."""
    one_ending = b"\r" not in data or data.count(b"\r") == data.count(b"\r\n") == data.count(b"\n")
    blank = _BLANK_LINE.search(data) is not None
    odd_quotes = b'"' in data and data.count(b'"') % 2 == 1
    return Lines(one_ending, blank, odd_quotes)
