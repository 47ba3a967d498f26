"""Read a CSV or XLSX input into a DuckDB table of text, finding the header below any title rows.

DuckDB's CSV reader does the heavy lifting (a 1M-row export reads in about a second); openpyxl reads XLSX.
Every raw row keeps its spreadsheet row number in ``_row``.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from ledgers.readers.columns import Spec, normalise
from ledgers.readers.problems import ImportFailed, Problem

HEADER_SEARCH_ROWS = 30


@dataclass
class RawTable:
    """An input file loaded as text into ``con`` as table ``name``."""

    file: str  # the file's name, as used in messages
    name: str  # DuckDB table holding the canonical columns (VARCHAR), in file order
    header_row: int  # 1-based row of the header in the file
    present: list[str]  # canonical columns supplied by the file
    extra: list[str]  # other columns kept as text (normalised names)
    encoding: str
    rows: int  # data rows read (wholly blank rows are then skipped)
    first_rowid: int = 0  # rowid of the first data row (see _finish)
    blank: str = "false"  # SQL condition true for a wholly blank row (skipped)

    @property
    def row_expr(self) -> str:
        """SQL for a row's spreadsheet row number."""
        return f"CAST(rowid - {self.first_rowid} + {self.header_row + 1} AS INTEGER)"


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
        raise ImportFailed([Problem(file, None, None, "the file is empty: no header row found")])
    found = spec.match([str(c or "") for c in rows[best]])
    missing = spec.missing(found)
    if spec.personal:  # the best row may be a data row holding a child reference: name matched columns only
        heads = ", ".join(sorted(found, key=lambda n: found[n])) or "no column of this file kind"
    else:
        heads = ", ".join(str(c) for c in rows[best] if str(c or "").strip())
    raise ImportFailed(
        [
            Problem(
                file,
                best + 1,
                None,
                f"no header row with the required columns for a {spec.kind} file: missing "
                f"{', '.join(missing)} (best candidate row has: {heads})",
            )
        ]
    )


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _columns(header: list[str], spec: Spec) -> tuple[list[str | None], list[str], list[str]]:
    """Per source column the name it is stored as (None = dropped duplicate/blank), canonical present, extras."""
    found = spec.match(header)
    by_index = {i: name for name, i in found.items()}
    names: list[str | None] = []
    extras: list[str] = []
    used = set(found)
    for i, h in enumerate(header):
        if i in by_index:
            names.append(by_index[i])
            continue
        key = normalise(h)
        if not key or key in used or not spec.extra_text:
            names.append(None)
            continue
        used.add(key)
        extras.append(key)
        names.append(key)
    return names, sorted(found, key=lambda n: found[n]), extras


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
        raise ImportFailed([Problem(str(path), None, None, "file not found")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _load_xlsx(con, path, spec, table, sheet)
    data = path.read_bytes()
    encoding = detect_encoding(data)
    text_head = data[: 256 * 1024].decode(encoding, errors="replace").lstrip("\ufeff")
    head_lines = text_head.splitlines()[: HEADER_SEARCH_ROWS + 1]
    delim = _delimiter(next((ln for ln in head_lines if ln.strip()), ","))
    rows = list(csv.reader(io.StringIO("\n".join(head_lines)), delimiter=delim))
    h = _find_header(rows, spec, file)
    header = rows[h]
    names, present, extras = _columns(header, spec)
    source = path
    tmp: str | None = None
    if encoding != "utf-8":
        fd, tmp = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "wb") as out:
            out.write(data.decode(encoding).encode("utf-8"))
        source = Path(tmp)
    del data
    cols = {f"c{i}": "VARCHAR" for i in range(len(header))}
    select = ", ".join(f'c{i} AS "{n}"' for i, n in enumerate(names) if n is not None)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM read_csv(?, delim=?, quote='\"', "
            "escape='\"', header=false, skip=?, columns=?, auto_detect=false, null_padding=true, "
            "strict_mode=false)",
            [str(source), delim, h + 1, cols],
        )
    except duckdb.Error as exc:
        # the engine's message quotes the row it failed on: never shown for a file that holds child references
        reason = "the rows are not in CSV form (save it again as CSV UTF-8)" if spec.personal else exc
        raise ImportFailed([Problem(file, None, None, f"cannot be read as CSV: {reason}")]) from None
    finally:
        if tmp:
            os.unlink(tmp)
    first, blank, n = _finish(con, table, h + 1)
    return RawTable(file, table, h + 1, present, extras, encoding, n, first, blank)


def _finish(con: duckdb.DuckDBPyConnection, table: str, header_row: int) -> tuple[int, str, int]:
    """(first rowid, SQL condition for a wholly blank row, number of rows read including blank ones).

    rowids are consecutive in the file's order (DuckDB preserves insertion order) but may start at an offset
    inside a transaction; the spreadsheet row of a row is ``rowid - first + header_row + 1``.
    """
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    blank = " AND ".join(f'("{c}" IS NULL OR trim("{c}") = \'\')' for c in cols) or "false"
    first, n = con.execute(f"SELECT COALESCE(min(rowid), 0), count(*) FROM {table}").fetchall()[0]
    return int(first), blank, int(n)


def _load_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, spec: Spec, table: str, sheet: str | None
) -> RawTable:
    import openpyxl
    import pandas as pd

    file = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFailed(
            [Problem(file, None, None, f"cannot be opened as an Excel workbook: {exc}")]
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ImportFailed(
                [Problem(file, None, None, f"has no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})")]
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        values = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    h = _find_header([[v or "" for v in r] for r in values], spec, file)
    header = [v or "" for v in values[h]]
    names, present, extras = _columns(header, spec)
    keep = [(i, n) for i, n in enumerate(names) if n is not None]
    body = values[h + 1 :]
    frame = pd.DataFrame(
        {n: pd.Series([r[i] if i < len(r) else None for r in body], dtype=object) for i, n in keep}
    )
    if frame.empty and not keep:
        frame = pd.DataFrame({"_": pd.Series([], dtype=object)})
    con.register("_xlsx_frame", frame)
    casts = ", ".join(f'CAST("{n}" AS VARCHAR) AS "{n}"' for _, n in keep)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {casts} FROM _xlsx_frame")
    con.unregister("_xlsx_frame")
    first, blank, n = _finish(con, table, h + 1)
    return RawTable(file, table, h + 1, present, extras, "xlsx", n, first, blank)
