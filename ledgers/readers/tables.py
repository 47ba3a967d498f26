"""Read a CSV or XLSX input into a DuckDB table of text, finding the header below any title rows.

DuckDB's CSV reader does the heavy lifting for a regular file (one line per row: a 1M-row export reads in
about a second), strict about quoting, with a few spare columns so a row with more fields than the header is
seen rather than cut. A file whose rows are not one line each (blank lines, old-Mac or mixed line endings)
is read by Python's csv module instead, so that every row keeps the number an officer sees in Excel.
openpyxl reads XLSX. Every raw row carries ``_fields`` (how many fields it had) and its spreadsheet row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ledgers.readers.columns import Spec, normalise
from ledgers.readers.problems import WARNING, ImportFailed, Problem

HEADER_SEARCH_ROWS = 30
MAX_LINE_BYTES = 32 << 20  # a longer "row" is not a row of a table
SPARE_FIELDS = 8  # columns read beyond the header, to count the fields of a row that has too many
NO_NULL = "\x01"  # DuckDB's null string: an empty field reads as '' and only a missing field as NULL
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!")
SAVE_AS_CSV = "open it in Excel and save it as 'CSV UTF-8 (Comma delimited)'"


@dataclass
class RawTable:
    """An input file loaded as text into ``con`` as table ``name``."""

    file: str  # the file's name, as used in messages
    name: str  # DuckDB table holding the canonical columns (VARCHAR), in file order, + _fields [+ _row]
    header_row: int  # 1-based row of the header in the file
    present: list[str]  # canonical columns supplied by the file
    extra: list[str]  # other columns kept as text (normalised names)
    encoding: str
    rows: int  # data rows read (wholly blank rows are then skipped)
    first_rowid: int = 0  # rowid of the first data row (see _finish)
    blank: str = "false"  # SQL condition true for a wholly blank row (skipped)
    width: int = 0  # fields in the header row
    positions: dict[str, int] = field(default_factory=dict)  # stored column -> 0-based field of the row
    letters: dict[str, str] = field(default_factory=dict)  # stored column -> spreadsheet column letter
    warnings: list[Problem] = field(default_factory=list)
    numbered: bool = False  # the table has its own _row column (rows are not one line each)
    csv: dict[str, object] | None = None  # a regular CSV not yet read: DuckDB reads it as it is parsed
    tmp: str | None = None  # a re-encoded copy of the file, removed by ``close``

    @property
    def row_expr(self) -> str:
        """SQL for a row's spreadsheet row number in table ``name`` (see ``load_text``)."""
        if self.numbered:
            return "_row"
        return f"CAST(rowid - {self.first_rowid} + {self.header_row + 1} AS INTEGER)"

    @property
    def source(self) -> str:
        """The FROM clause of the raw rows: the table, or DuckDB's reader over the file."""
        if self.csv is None:
            return self.name
        return str(self.csv["source"])

    def close(self) -> None:
        if self.tmp:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None


def materialise(con: duckdb.DuckDBPyConnection, raw: RawTable, select: str, table: str) -> None:
    """``CREATE TEMP TABLE table AS SELECT select FROM`` the raw rows, in the file's order: for a regular CSV
    this is the one pass that reads, checks and types it (in DuckDB, in parallel)."""
    if raw.csv is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {raw.name}")
        return
    sql = f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {raw.source}"
    params = list(raw.csv["params"])  # type: ignore[call-overload]
    try:
        try:
            con.execute(sql, [*params, True])
        except duckdb.Error as exc:
            # Quoted line breaks (Alt+Enter in Excel) need the single-threaded reader (in parallel DuckDB
            # refuses them, or, in a CRLF file, misreads them as an unclosed quote); it finds them only as it
            # reads, and the failed statement aborts the transaction. Nothing but the parsing macros precedes
            # this read in an import's transaction, so start it again and read serially: the serial reader's
            # own error, if any, is the one reported.
            if not isinstance(
                exc, duckdb.InvalidInputException | duckdb.ParserException
            ) and "CSV" not in str(exc):
                raise
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:  # not inside a transaction: nothing was aborted
                pass
            else:
                con.execute("BEGIN TRANSACTION")
                from ledgers.readers.parse import install_macros

                install_macros(con)
            con.execute(sql, [*params, False])
    except duckdb.Error as exc:
        raise _engine_problem(raw.file, str(exc), raw.width) from None
    finally:
        raw.close()


def column_letter(i: int) -> str:
    """Spreadsheet letter of 0-based column ``i`` (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def detect_encoding(data: bytes) -> str:
    """'utf-8' (with or without BOM) when the bytes decode as UTF-8, else 'cp1252' (a council export's £)."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def _refuse(file: str, message: str, row: int | None = None) -> ImportFailed:
    return ImportFailed([Problem(file, row, None, message)])


def _check_kind_of_file(path: Path, data: bytes) -> None:
    """Refuse what is not a text table, saying what the file is and what to do."""
    file = path.name
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) >= 4 and data[1:4:2] == b"\x00\x00"):
        raise _refuse(file, f"is a UTF-16 (Unicode) text file: {SAVE_AS_CSV}")
    if data[:4] == b"PK\x03\x04":
        raise _refuse(file, "is an Excel workbook with a .csv name: rename it to .xlsx, or " + SAVE_AS_CSV)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(file, _ole_message(data))
    if b"\x00" in data[: 1 << 16]:
        raise _refuse(file, f"is not a text (CSV) file: it holds binary data; {SAVE_AS_CSV}")


def _ole_message(data: bytes) -> str:
    if "EncryptionInfo".encode("utf-16-le") in data[: 1 << 20]:
        return "is a password-protected workbook: remove the password (File > Info > Protect Workbook) and save it"
    return "is an old-format (.xls) Excel workbook: open it in Excel and save it as .xlsx or CSV UTF-8"


def _find_header(rows: list[list[str]], spec: Spec, file: str) -> int:
    """Index of the header row: the first row supplying every required column (else the best-scoring row)."""
    best, best_score = -1, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [c for c in row if str(c or "").strip()]
        if not cells:
            continue
        score = spec.score([str(c or "") for c in row])
        if score == spec.needed:
            return i
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        raise _refuse(file, "the file is empty: no header row found")
    found = spec.match([str(c or "") for c in rows[best]])
    missing = spec.missing(found)
    if spec.personal:  # the best row may be a data row holding a child reference: name matched columns only
        heads = ", ".join(sorted(found, key=lambda n: found[n])) or "no column of this file kind"
    else:
        heads = ", ".join(str(c)[:40] for c in rows[best] if str(c or "").strip())
        if len(heads) > 300:
            heads = heads[:300] + " …"
    raise _refuse(
        file,
        f"no header row with the required columns for a {spec.kind} file: missing "
        f"{', '.join(missing)} (best candidate row has: {heads})",
        best + 1,
    )


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@dataclass
class _Columns:
    names: list[str | None]  # per source field the name it is stored as (None = not kept)
    present: list[str]
    extras: list[str]
    warnings: list[Problem]


def _columns(header: list[str], spec: Spec, file: str, header_row: int) -> _Columns:
    """Name each header field; two fields with the same name are refused, naming both."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        key = normalise(h)
        if not key:
            continue
        if key in seen:
            j = seen[key]
            problems.append(
                Problem(
                    file,
                    header_row,
                    None,
                    f"columns {column_letter(j)} '{header[j].strip()}' and {column_letter(i)} '{h.strip()}' "
                    "have the same name: rename or remove one",
                )
            )
        else:
            seen[key] = i
    if problems:
        raise ImportFailed(problems)
    found = spec.match(header)
    by_index = {i: name for name, i in found.items()}
    names: list[str | None] = []
    extras: list[str] = []
    warnings: list[Problem] = []
    used = set(found)
    keys = [normalise(h) for h in header]
    for i, h in enumerate(header):
        if i in by_index:
            names.append(by_index[i])
            continue
        key = keys[i] or f"column_{column_letter(i).lower()}"
        also = next((c.name for c in spec.columns if c.name in found and keys[i] in c.keys), None)
        if also is not None:
            j = found[also]
            warnings.append(
                Problem(
                    file,
                    header_row,
                    also,
                    f"columns {column_letter(j)} '{header[j].strip()}' and {column_letter(i)} '{h.strip()}' "
                    f"both read as {also}: {column_letter(j)} is used, {column_letter(i)} is kept as text",
                    WARNING,
                )
            )
        if key in used or not spec.extra_text:
            names.append(None)
            continue
        used.add(key)
        extras.append(key)
        names.append(key)
    return _Columns(names, sorted(found, key=lambda n: found[n]), extras, warnings)


def _cell_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return format(round(v, 8), "f").rstrip("0").rstrip(".")
    s = str(v)
    return s if s.strip() else None


def load_raw(
    con: duckdb.DuckDBPyConnection, path: Path, spec: Spec, table: str, sheet: str | None = None
) -> RawTable:
    """Load ``path`` into temp table ``table`` as text, with spreadsheet row numbers in ``_row``."""
    path = Path(path)
    file = path.name
    if not path.exists():
        raise _refuse(str(path), "file not found")
    if path.is_dir():
        raise _refuse(str(path), "is a folder, not a file: give the path of the CSV or XLSX file")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return _load_xlsx(con, path, spec, table, sheet)
    data = path.read_bytes()
    if not data.strip():
        raise _refuse(file, "the file is empty: no header row found")
    _check_kind_of_file(path, data)
    encoding = detect_encoding(data)
    csv.field_size_limit(MAX_LINE_BYTES)
    text_head = data[: 256 * 1024].decode(encoding, errors="replace").lstrip("\ufeff")
    first_line = next((ln for ln in re.split(r"\r\n|\r|\n", text_head) if ln.strip()), ",")
    delim = _delimiter(first_line)
    head = _records(file, text_head, delim, HEADER_SEARCH_ROWS + 1, partial=True)
    h = _find_header(head, spec, file)
    header = head[h]
    cols = _columns(header, spec, file, h + 1)
    # DuckDB reads a file with one kind of line ending and no blank lines (which it would skip, throwing
    # every later row number out) exactly; any other file is read by Python's csv module, record by record
    cr, crlf = data.count(b"\r"), data.count(b"\r\n")
    one_ending = cr == 0 or cr == crlf == data.count(b"\n")
    # an odd number of quotes: one is never closed (DuckDB would take the rest of the file as one field)
    one_line_per_row = (
        one_ending and b"\n\n" not in data and b"\n\r\n" not in data and data.count(b'"') % 2 == 0
    )
    if one_line_per_row:
        raw = RawTable(file, table, h + 1, cols.present, cols.extras, encoding, 0, width=len(header))
        _csv_source(raw, path, data, encoding, delim, h, header, cols)
        n = 0
    else:
        records = _records(file, data.decode(encoding).lstrip("\ufeff"), delim)
        body = records[h + 1 :]
        _table_from_rows(con, table, body, cols.names, h + 2)
        raw = RawTable(file, table, h + 1, cols.present, cols.extras, encoding, 0, width=len(header))
        raw.numbered = True
        n = len(body)
    del data
    return _finish(con, raw, cols, n)


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
        raise _refuse(
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
    cols: _Columns,
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
    raw.csv = {
        "source": f"(SELECT {', '.join(select + [f'{fields} AS _fields'])} FROM {reader})",
        "params": [str(source), delim, h + 1, types, NO_NULL, MAX_LINE_BYTES],
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


def _table_from_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    body: Sequence[Sequence[str | None]],
    names: list[str | None],
    first_row: int,
) -> None:
    """Temp table of the kept fields of ``body`` (rows of text), with _fields and _row (spreadsheet row)."""
    import pandas as pd

    data: dict[str, pd.Series] = {}
    for i, n in enumerate(names):
        if n is not None:
            data[n] = pd.Series([r[i] if i < len(r) else None for r in body], dtype=object)
    data["_fields"] = pd.Series([len(r) for r in body], dtype="int64")
    data["_row"] = pd.Series(range(first_row, first_row + len(body)), dtype="int64")
    frame = pd.DataFrame(data)
    con.register("_rows_frame", frame)
    casts = [f'CAST("{n}" AS VARCHAR) AS "{n}"' for n in names if n is not None]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT "
        f"{', '.join(casts + ['CAST(_fields AS INTEGER) AS _fields', 'CAST(_row AS INTEGER) AS _row'])} "
        "FROM _rows_frame"
    )
    con.unregister("_rows_frame")


def _finish(con: duckdb.DuckDBPyConnection, raw: RawTable, cols: _Columns, n: int) -> RawTable:
    """Fill in the blank-row condition, column positions and letters."""
    kept = [c for c in cols.names if c is not None]
    # ascii() (the first character's code) spares the trim for every cell that starts with a letter or digit
    raw.blank = (
        " AND ".join(
            f'("{c}" IS NULL OR "{c}" = \'\' OR (ascii("{c}") <= 32 AND trim("{c}") = \'\'))' for c in kept
        )
        or "false"
    )
    raw.rows = n
    raw.positions = {c: i for i, c in enumerate(cols.names) if c is not None}
    raw.letters = {c: column_letter(i) for c, i in raw.positions.items()}
    raw.warnings = cols.warnings
    return raw


def _load_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, spec: Spec, table: str, sheet: str | None
) -> RawTable:
    import openpyxl

    file = path.name
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(file, _ole_message(path.read_bytes()))
    if head[:4] != b"PK\x03\x04":
        if not head:
            raise _refuse(file, "the file is empty: no header row found")
        raise _refuse(
            file, "is not an Excel workbook (.xlsx): open it in Excel and save it as .xlsx or CSV UTF-8"
        )
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise _refuse(
            file, "is damaged or not a complete Excel workbook: open it in Excel and save it again"
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise _refuse(file, f"has no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        ws.reset_dimensions()  # a writer's stated size may be wrong: read every row there is
        values = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    h = _find_header([[v or "" for v in r] for r in values], spec, file)
    header = [v or "" for v in values[h]]
    while header and not header[-1].strip():
        header.pop()
    cols = _columns(header, spec, file, h + 1)
    body = values[h + 1 :]
    _formulas_without_values(path, sheet, body, h + 1, cols, file)
    # an XLSX row has as many fields as its last filled cell (so a value right of the header is seen)
    trimmed: list[list[str | None]] = []
    for r in body:
        last = max((i for i, v in enumerate(r) if v is not None and str(v).strip()), default=-1)
        trimmed.append(list(r[: max(last + 1, len(header))]))
    _table_from_rows(con, table, trimmed, cols.names, h + 2)
    raw = RawTable(file, table, h + 1, cols.present, cols.extras, "xlsx", 0, width=len(header))
    raw.numbered = True
    return _finish(con, raw, cols, len(body))


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (a <f> element), read from the zip directly."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with z.open(name) as f:
                    tail = b""
                    while chunk := f.read(1 << 20):
                        if re.search(rb"<(\w+:)?f[ >/]", tail + chunk):
                            return True
                        tail = chunk[-16:]
    return False


def _formulas_without_values(
    path: Path, sheet: str | None, body: list[list[str | None]], header_row: int, cols: _Columns, file: str
) -> None:
    """Refuse kept cells that hold a formula whose value the workbook never stored (not saved by Excel)."""
    import openpyxl

    if not _has_formulas(path):
        return
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    problems: list[Problem] = []
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        ws.reset_dimensions()
        for i, row in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True)):
            for j, v in enumerate(row):
                if (
                    isinstance(v, str)
                    and v.startswith("=")
                    and i < len(body)
                    and (j >= len(body[i]) or body[i][j] is None)
                ):
                    name = cols.names[j] if j < len(cols.names) else None
                    problems.append(
                        Problem(
                            file,
                            header_row + 1 + i,
                            name or column_letter(j),
                            "is a formula with no stored value: open and save the file in Excel so values "
                            "are stored",
                        )
                    )
    finally:
        wb.close()
    if problems:
        raise ImportFailed(problems)
