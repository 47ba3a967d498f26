"""A file's rows as text in a DuckDB table (or DuckDB's reader over the file), with what is known of them:
the header row, the columns kept, spreadsheet row numbers and letters, and the blank-row condition."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from ledgers.readers.headers import Columns, column_letter
from ledgers.readers.problems import Problem


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
    first_rowid: int = 0  # rowid of the first data row (see finish)
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


def table_from_rows(
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


def finish(raw: RawTable, cols: Columns, n: int) -> RawTable:
    """Fill in the blank-row condition, column positions and letters."""
    kept = [c for c in cols.names if c is not None]
    # a cell of spaces starts with one: starts_with() spares the trim for every other cell
    empty = [
        f'("{c}" IS NULL OR "{c}" = \'\' OR (starts_with("{c}", \' \') AND trim("{c}") = \'\'))' for c in kept
    ]
    # DuckDB evaluates every operand of an AND in a SELECT list; a CASE tests the rest only on the rows whose
    # first cell is empty (a blank row's first cell is), which spares a 1M-row read most of the cost
    raw.blank = (
        "false"
        if not empty
        else empty[0]
        if len(empty) == 1
        else f"(CASE WHEN {empty[0]} THEN {' AND '.join(empty[1:])} ELSE false END)"
    )
    raw.rows = n
    raw.positions = {c: i for i, c in enumerate(cols.names) if c is not None}
    raw.letters = {c: column_letter(i) for c, i in raw.positions.items()}
    raw.warnings = cols.warnings
    return raw
