"""An XLSX input read by openpyxl into a raw table: cell values as text, formulas without stored values
refused, a value right of the header's last column seen."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import duckdb

from ledgers.readers.columns import Spec
from ledgers.readers.headers import Columns, column_letter, columns, find_header
from ledgers.readers.problems import ImportFailed, Problem
from ledgers.readers.rawtable import RawTable, finish, table_from_rows
from ledgers.readers.sniff import ole_message, refuse


def cell_text(v: object) -> str | None:
    """A cell's value as the text an officer sees (a date as 2019-12-31, a whole number without '.0')."""
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


def load_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, spec: Spec, table: str, sheet: str | None
) -> RawTable:
    """Load a sheet (the first unless ``sheet``) into temp table ``table`` as text, rows in ``_row``."""
    import openpyxl

    file = path.name
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise refuse(file, ole_message(path.read_bytes()))
    if head[:4] != b"PK\x03\x04":
        if not head:
            raise refuse(file, "the file is empty: no header row found")
        raise refuse(
            file, "is not an Excel workbook (.xlsx): open it in Excel and save it as .xlsx or CSV UTF-8"
        )
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise refuse(
            file, "is damaged or not a complete Excel workbook: open it in Excel and save it again"
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise refuse(file, f"has no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        ws.reset_dimensions()  # a writer's stated size may be wrong: read every row there is
        values = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    h = find_header([[v or "" for v in r] for r in values], spec, file)
    header = [v or "" for v in values[h]]
    while header and not header[-1].strip():
        header.pop()
    cols = columns(header, spec, file, h + 1)
    body = values[h + 1 :]
    _formulas_without_values(path, sheet, body, h + 1, cols, file)
    # an XLSX row has as many fields as its last filled cell (so a value right of the header is seen)
    trimmed: list[list[str | None]] = []
    for r in body:
        last = max((i for i, v in enumerate(r) if v is not None and str(v).strip()), default=-1)
        trimmed.append(list(r[: max(last + 1, len(header))]))
    table_from_rows(con, table, trimmed, cols.names, h + 2)
    raw = RawTable(file, table, h + 1, cols.present, cols.extras, "xlsx", 0, width=len(header))
    raw.numbered = True
    return finish(raw, cols, len(body))


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
    path: Path, sheet: str | None, body: list[list[str | None]], header_row: int, cols: Columns, file: str
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
