"""Read a CSV or XLSX input into a DuckDB table of text, finding the header below any title rows.

DuckDB's CSV reader does the heavy lifting for a regular file (one line per row: a 1M-row export reads in
about a second), strict about quoting, with a few spare columns so a row with more fields than the header is
seen rather than cut. A file whose rows are not one line each (blank lines, old-Mac or mixed line endings)
is read by Python's csv module instead, so that every row keeps the number an officer sees in Excel.
openpyxl reads XLSX (``workbook``). Every raw row carries ``_fields`` (how many fields it had) and its
spreadsheet row. What the file is (encoding, line endings, delimiter) is ``sniff``; its header ``headers``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path

import duckdb

from ledgers.readers.columns import Spec
from ledgers.readers.headers import HEADER_SEARCH_ROWS, Columns, columns, find_header
from ledgers.readers.problems import ImportFailed, Problem
from ledgers.readers.rawtable import RawTable, finish, table_from_rows
from ledgers.readers.sniff import (
    SAVE_AS_CSV,
    check_kind_of_file,
    delimiter,
    detect_encoding,
    lines_of,
    refuse,
)

__all__ = ["EXCEL_ERRORS", "SAVE_AS_CSV", "SPARE_FIELDS", "RawTable", "load_raw", "load_text", "materialise"]

MAX_LINE_BYTES = 32 << 20  # a longer "row" is not a row of a table
# the first read's longest line: DuckDB sizes its buffers from it, and with 32 MB ones a file of tens of MB is
# read on one thread; a longer line stops that read and the next one allows MAX_LINE_BYTES (see materialise)
FAST_LINE_BYTES = 2 << 20
SPARE_FIELDS = 8  # columns read beyond the header, to count the fields of a row that has too many
NO_NULL = "\x01"  # DuckDB's null string: an empty field reads as '' and only a missing field as NULL
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!")


def materialise(con: duckdb.DuckDBPyConnection, raw: RawTable, select: str, table: str) -> None:
    """``CREATE TEMP TABLE table AS SELECT select FROM`` the raw rows, in the file's order: for a regular CSV
    this is the one pass that reads, checks and types it (in DuckDB, in parallel).

    A CSV is read first as what it should be, every row as wide as the header and no longer than
    FAST_LINE_BYTES (DuckDB's strict reader, on every core); a row of another width or length, or a quoted
    line break the parallel reader cannot place, stops that read, and the file is read again with spare columns that count each row's fields (so a ragged row is
    reported), in parallel, then serially (quoted line breaks, Alt+Enter in Excel, need the single-threaded
    reader; in a CRLF file the parallel one misreads them as an unclosed quote). A failed statement aborts the
    transaction; nothing but the parsing macros precedes this read in an import's transaction, so it is
    started again before each further read. The last reader's error, if any, is the one reported."""
    if raw.csv is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {raw.name}")
        return
    params = list(raw.csv["params"])  # type: ignore[call-overload]
    fast, fast_params = str(raw.csv["fast"]), list(raw.csv["fast_params"])  # type: ignore[call-overload]
    reads = [
        (f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {fast}", fast_params),
        (f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {raw.source}", [*params, True]),
        (f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {raw.source}", [*params, False]),
    ]
    try:
        for i, (sql, args) in enumerate(reads):
            try:
                con.execute(sql, args)
                return
            except duckdb.Error as exc:
                csv_error = isinstance(exc, duckdb.InvalidInputException | duckdb.ParserException)
                if i == len(reads) - 1 or not (csv_error or "CSV" in str(exc)):
                    raise
                _start_again(con)
    except duckdb.Error as exc:
        raise _engine_problem(raw.file, str(exc), raw.width) from None
    finally:
        raw.close()


def _start_again(con: duckdb.DuckDBPyConnection) -> None:
    """After a failed read: roll back the aborted transaction and begin again with the parsing macros."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:  # not inside a transaction: nothing was aborted
        return
    con.execute("BEGIN TRANSACTION")
    from ledgers.readers.parse import install_macros

    install_macros(con)


def load_raw(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: Spec,
    table: str,
    sheet: str | None = None,
    data: bytes | None = None,
) -> RawTable:
    """Load ``path`` into temp table ``table`` as text, with spreadsheet row numbers in ``_row`` (``data``:
    the file's bytes when the caller has read them already)."""
    path = Path(path)
    file = path.name
    if not path.exists():
        raise refuse(str(path), "file not found")
    if path.is_dir():
        raise refuse(str(path), "is a folder, not a file: give the path of the CSV or XLSX file")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from ledgers.readers.workbook import load_xlsx

        return load_xlsx(con, path, spec, table, sheet)
    if data is None:
        data = path.read_bytes()
    if not data or data.isspace():
        raise refuse(file, "the file is empty: no header row found")
    check_kind_of_file(path, data)
    encoding = detect_encoding(data)
    csv.field_size_limit(MAX_LINE_BYTES)
    text_head = data[: 256 * 1024].decode(encoding, errors="replace").lstrip("\ufeff")
    first_line = next((ln for ln in re.split(r"\r\n|\r|\n", text_head) if ln.strip()), ",")
    delim = delimiter(first_line)
    head = _records(file, text_head, delim, HEADER_SEARCH_ROWS + 1, partial=True)
    h = find_header(head, spec, file)
    header = head[h]
    cols = columns(header, spec, file, h + 1)
    # DuckDB reads a file with one kind of line ending and no blank lines (which it would skip, throwing
    # every later row number out) exactly; any other file is read by Python's csv module, record by record
    one_line_per_row = lines_of(data).one_per_row
    if one_line_per_row:
        raw = RawTable(file, table, h + 1, cols.present, cols.extras, encoding, 0, width=len(header))
        _csv_source(raw, path, data, encoding, delim, h, header, cols)
        n = 0
    else:
        records = _records(file, data.decode(encoding).lstrip("\ufeff"), delim)
        body = records[h + 1 :]
        table_from_rows(con, table, body, cols.names, h + 2)
        raw = RawTable(file, table, h + 1, cols.present, cols.extras, encoding, 0, width=len(header))
        raw.numbered = True
        n = len(body)
    del data
    return finish(raw, cols, n)


def _records(
    file: str, text: str, delim: str, limit: int | None = None, partial: bool = False
) -> list[list[str]]:
    """CSV records of ``text`` (a blank line is an empty record, as Excel shows a blank row)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    out: list[list[str]] = []
    try:
        for rec in reader:
            out.append(rec)
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as exc:
        if partial:  # the head was cut mid-record: what was read is enough to find the header
            return out
        raise refuse(
            file, f"is not valid CSV near line {reader.line_num}: {_csv_problem(str(exc))}"
        ) from None
    return out


def _csv_problem(msg: str) -> str:
    if "expected after" in msg or "unterminated" in msg.lower() or "end of data" in msg:
        return 'a quote (") opens a field but is not closed where the field ends; ' + SAVE_AS_CSV
    if "field larger" in msg:
        return f"a field is longer than {MAX_LINE_BYTES >> 20} MB: is this the right file?"
    return msg.splitlines()[0][:200]


def load_text(
    con: duckdb.DuckDBPyConnection, path: Path, spec: Spec, table: str, sheet: str | None = None
) -> RawTable:
    """``load_raw`` with the rows always stored, as text, in temp table ``table`` with their spreadsheet
    rows in ``_row`` (for a reader that works on the text itself rather than through ``parse_table``)."""
    raw = load_raw(con, path, spec, table, sheet)
    if raw.csv is not None:
        materialise(con, raw, "*", f"{table}_csv")
        first = int(con.execute(f"SELECT COALESCE(min(rowid), 0) FROM {table}_csv").fetchall()[0][0])
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT *, "
            f"CAST(rowid - {first} + {raw.header_row + 1} AS INTEGER) AS _row FROM {table}_csv"
        )
        con.execute(f"DROP TABLE {table}_csv")
        raw.csv = None
        raw.numbered = True
    return raw


def _csv_source(
    raw: RawTable,
    path: Path,
    data: bytes,
    encoding: str,
    delim: str,
    h: int,
    header: list[str],
    cols: Columns,
) -> None:
    """Set ``raw.csv``: DuckDB's reader over a one-line-per-row file (strict quoting, spare columns to count
    extra fields, an empty field read as '' so that only a missing field is NULL)."""
    source = path
    if encoding != "utf-8":
        fd, raw.tmp = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "wb") as out:
            out.write(data.decode(encoding).encode("utf-8"))
        source = Path(raw.tmp)
    width = len(header)
    types = {f"c{i}": "VARCHAR" for i in range(width + SPARE_FIELDS)}
    select = [f'c{i} AS "{n}"' for i, n in enumerate(cols.names) if n is not None]
    count = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in range(width + SPARE_FIELDS))
    fields = f"CASE WHEN c{width - 1} IS NOT NULL AND c{width} IS NULL THEN {width} ELSE {count} END"
    reader = (
        "read_csv(?, delim=?, quote='\"', escape='\"', header=false, skip=?, columns=?, auto_detect=false, "
        "null_padding=true, strict_mode=true, nullstr=?, max_line_size=?, parallel=?)"
    )
    # every row as wide as the header, or the read stops (see ``materialise``)
    exact = (
        "read_csv(?, delim=?, quote='\"', escape='\"', header=false, skip=?, columns=?, auto_detect=false, "
        "null_padding=false, strict_mode=true, nullstr=?, max_line_size=?, parallel=true)"
    )
    kept = ", ".join(select + [f"CAST({width} AS INTEGER) AS _fields"])
    raw.csv = {
        "source": f"(SELECT {', '.join(select + [f'{fields} AS _fields'])} FROM {reader})",
        "params": [str(source), delim, h + 1, types, NO_NULL, MAX_LINE_BYTES],
        "fast": f"(SELECT {kept} FROM {exact})",
        "fast_params": [
            str(source),
            delim,
            h + 1,
            dict(list(types.items())[:width]),
            NO_NULL,
            FAST_LINE_BYTES,
        ],
    }


def _engine_problem(file: str, msg: str, width: int) -> ImportFailed:
    """A short message for a DuckDB CSV error (its own text runs to pages of advice)."""
    m = re.search(r"CSV Error on Line: (\d+)", msg)
    row = int(m.group(1)) if m else None
    if "unterminated quote" in msg or "Unterminated quote" in msg:
        text = 'a quote (") opens a field but is not closed where the field ends; ' + SAVE_AS_CSV
    elif "Expected Number of Columns" in msg:
        text = (
            f"the row has more than {width + SPARE_FIELDS} fields but the header has {width}: "
            "text with commas must be in quotes; " + SAVE_AS_CSV
        )
    elif "maximum line size" in msg.lower() or "max_line_size" in msg:
        text = f"the row is longer than {MAX_LINE_BYTES >> 20} MB: is this the right file?"
    elif "unicode" in msg.lower():
        text = f"the text is not in a known encoding; {SAVE_AS_CSV}"
    else:
        # never the engine's own text: it quotes the row it failed on (which may hold a child reference)
        text = f"the rows are not in CSV form: {SAVE_AS_CSV}"
    return ImportFailed([Problem(file, row, None, text)])
