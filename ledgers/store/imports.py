"""One import = one transaction: read, validate every row, store all or nothing, and log it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ledgers.readers.columns import Spec
from ledgers.readers.parse import parse_table
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, WARNING, ImportFailed, Problem
from ledgers.readers.tables import RawTable, load_raw
from ledgers.store.schema import Store


@dataclass
class ImportOutcome:
    """What an import did, for the reconciliation printed after it."""

    kind: str
    file: str
    import_id: int | None
    rows_read: int = 0
    rows_stored: int = 0
    control_total_p: int | None = None  # the file's own total of its amounts
    stored_total_p: int | None = None  # the total now stored from this import
    by_period: list[tuple[str, int, int]] = field(default_factory=list)  # (label, rows, pence)
    warnings: list[Problem] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    skipped: bool = False  # identical file already imported: nothing done


@dataclass
class ImportContext:
    """Handed to an importer's store step, inside the transaction."""

    con: duckdb.DuckDBPyConnection
    raw: RawTable
    parsed: str  # name of the typed table
    import_id: int
    fy: FinancialYear
    outcome: ImportOutcome
    options: dict[str, object]
    parse_failed: bool = False  # some cells could not be parsed: validators see NULLs there


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def warn(
    outcome: ImportOutcome, file: str, rows: list[int], total: int, column: str | None, message: str
) -> None:
    """Record a doubtful-row warning with its count and first rows."""
    if total <= 0:
        return
    first = ", ".join(str(r) for r in rows[:10])
    more = f" (first rows: {first})" if rows else ""
    outcome.warnings.append(
        Problem(file, rows[0] if rows else None, column, f"{message}: {total} row(s){more}", WARNING)
    )


def run_import(
    store: Store,
    path: Path,
    spec: Spec,
    fy: FinancialYear,
    validate: Callable[[ImportContext], list[Problem]],
    save: Callable[[ImportContext], None],
    sheet: str | None = None,
    options: dict[str, object] | None = None,
    skip_identical: bool = True,
) -> ImportOutcome:
    """Import ``path`` of kind ``spec.kind``: every error reported at once; nothing stored unless all is well."""
    path = Path(path)
    if path.is_dir():
        raise ImportFailed(
            [Problem(str(path), None, None, "is a folder, not a file: give the path of the CSV or XLSX file")]
        )
    # the file is read once: its hash (is it identical to an import the store holds?) and its text
    data = path.read_bytes() if path.exists() else None
    sha = "" if data is None else hashlib.sha256(data).hexdigest()
    con = store.con
    outcome = ImportOutcome(spec.kind, path.name, None)
    append = (options or {}).get("mode") == "append"
    if skip_identical and sha:
        prev = con.execute(
            "SELECT import_id, imported_at, rows FROM imports WHERE kind = ? AND sha256 = ? "
            "AND mode <> 'superseded' ORDER BY import_id DESC LIMIT 1",
            [spec.kind, sha],
        ).fetchone()
        # appending a file whose rows are still (partly) stored would count them twice; replacing is a no-op
        # only when what is stored now for the file's scope is exactly that import's rows
        if prev is not None and (
            _still_stored(con, spec.kind, int(prev[0]))
            if append
            else _holds_exactly(con, spec.kind, int(prev[0]), int(prev[2] or 0))
        ):
            outcome.skipped = True
            outcome.import_id = int(prev[0])
            outcome.messages.append(
                f"{path.name} is identical to import #{prev[0]} of {prev[1]:%Y-%m-%d %H:%M}, which is what "
                "the store holds: nothing to do"
            )
            return outcome
    with store.transaction():
        raw = load_raw(con, path, spec, f"raw_{spec.kind}", sheet, data)
        data = None  # DuckDB reads the file itself: the bytes are not kept while it does
        parsed = f"parsed_{spec.kind}"
        problems = parse_table(con, raw, spec, parsed, fy)
        outcome.rows_read = int(con.execute(f"SELECT count(*) FROM {parsed}").fetchall()[0][0])
        refused_rows = any(p.severity == ERROR for p in problems)
        if outcome.rows_read == 0 and not refused_rows and not (options or {}).get("clear"):
            # an import replaces what is stored: a file of no rows would silently empty it (rows refused
            # already have their own messages: the file is not header-only)
            problems.append(
                Problem(
                    raw.file,
                    raw.header_row,
                    None,
                    f"the file has no {spec.kind} rows, only a header: nothing imported (to empty the "
                    f"stored {spec.kind}, import it with --clear)",
                    ERROR,
                )
            )
        import_id = int(con.execute("SELECT nextval('import_ids')").fetchall()[0][0])
        outcome.import_id = import_id
        failed = any(p.severity == ERROR for p in problems)
        ctx = ImportContext(con, raw, parsed, import_id, fy, outcome, options or {}, failed)
        problems += validate(ctx)  # always, so one run lists every problem
        errors = [p for p in problems if p.severity == ERROR]
        if errors:
            raise ImportFailed(sorted(errors, key=lambda p: (p.row or 0, p.column or "")))
        outcome.warnings += [p for p in problems if p.severity == WARNING]
        save(ctx)
        con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                spec.kind,
                path.name,
                sha,
                outcome.rows_stored,
                outcome.control_total_p,
                ", ".join(lbl for lbl, _, _ in outcome.by_period) or None,
                datetime.now(),
                str((options or {}).get("mode", "replace")),
                "; ".join(outcome.messages) or None,
            ],
        )
        con.execute(f"DROP VIEW IF EXISTS {parsed}")
        for t in (raw.name, f"{parsed}_all"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return outcome


_TABLES = {
    "ledger": "ledger_rows",
    "mapping": "mapping",
    "budget": "budget",
    "placements": "placements",
    "savings": "savings",
    "adjustments": "adjustments",
    "cash": "cash_balances",
    "funding": "funding",
}
# what one import of each kind replaces: the ledger periods it holds, the budget/adjustments of its year
_SCOPE = {
    "ledger": "(fy, period) IN (SELECT (fy, period) FROM ledger_rows WHERE import_id = ?)",
    "budget": "fy IN (SELECT fy FROM budget WHERE import_id = ?)",
    "adjustments": "fy IN (SELECT fy FROM adjustments WHERE import_id = ?)",
}


def _holds_exactly(con: duckdb.DuckDBPyConnection, kind: str, import_id: int, rows_stored: int) -> bool:
    """Whether the store holds, for the scope of import ``import_id``, exactly that import's rows: all of
    them, and nothing from any other import (a later file may have replaced some of its periods)."""
    table = _TABLES.get(kind)
    if table is None or rows_stored <= 0:
        return False
    mine = con.execute(f"SELECT count(*) FROM {table} WHERE import_id = ?", [import_id]).fetchall()[0][0]
    if int(mine) != rows_stored:
        return False
    scope = _SCOPE.get(kind)
    where, params = (f"WHERE {scope}", [import_id]) if scope else ("", [])
    total = con.execute(f"SELECT count(*) FROM {table} {where}", params).fetchall()[0][0]
    return int(total) == rows_stored


def _still_stored(con: duckdb.DuckDBPyConnection, kind: str, import_id: int) -> bool:
    table = {
        "ledger": "ledger_rows",
        "mapping": "mapping",
        "budget": "budget",
        "placements": "placements",
        "savings": "savings",
        "adjustments": "adjustments",
        "cash": "cash_balances",
        "funding": "funding",
    }.get(kind)
    if table is None:
        return False
    n = con.execute(f"SELECT count(*) FROM {table} WHERE import_id = ?", [import_id]).fetchall()[0][0]
    return bool(n)


def supersede(
    con: duckdb.DuckDBPyConnection, kind: str, table: str, where: str = "", params: list[object] | None = None
) -> list[int]:
    """Delete the stored rows an import replaces; return the import ids they came from."""
    cond = f"WHERE {where}" if where else ""
    ids = [
        int(r[0])
        for r in con.execute(f"SELECT DISTINCT import_id FROM {table} {cond}", params or []).fetchall()
        if r[0] is not None
    ]
    con.execute(f"DELETE FROM {table} {cond}", params or [])
    for i in ids:
        if not _still_stored(con, kind, i):
            con.execute("UPDATE imports SET mode = 'superseded' WHERE import_id = ?", [i])
    return ids
