"""The workspace store: one DuckDB file, versioned schema, money in integer pence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ledgers.readers.problems import WorkspaceError

SCHEMA_VERSION = 2  # 2: the ledger stored normalised behind a view (a version 1 store is moved when written)
OPENABLE_VERSIONS = (1, 2)
STORE_FILE = "careladder.duckdb"
SUSPENSE_LINE = "Unmapped (suspense)"
SUSPENSE_HEADING = "Unmapped (suspense)"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS import_ids START 1;
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    rows INTEGER NOT NULL, control_total_p BIGINT, periods VARCHAR, imported_at TIMESTAMP NOT NULL,
    mode VARCHAR, note VARCHAR);
CREATE TABLE IF NOT EXISTS mapping (
    cost_centre VARCHAR NOT NULL, account VARCHAR NOT NULL, line VARCHAR NOT NULL, heading VARCHAR NOT NULL,
    kind VARCHAR, source_row INTEGER, import_id INTEGER);
CREATE TABLE IF NOT EXISTS budget (
    fy INTEGER NOT NULL, line VARCHAR NOT NULL, heading VARCHAR NOT NULL, line_order INTEGER NOT NULL,
    gross_p BIGINT NOT NULL, income_p BIGINT NOT NULL, profile_p BIGINT[], method VARCHAR,
    budget_numbers DOUBLE, budget_unit_cost_p BIGINT, funded_by VARCHAR, source_row INTEGER, import_id INTEGER);
CREATE TABLE IF NOT EXISTS placements (
    placement_id VARCHAR NOT NULL, child_ref VARCHAR NOT NULL, line VARCHAR NOT NULL, start_date DATE NOT NULL,
    end_date DATE, planned_end_date DATE, weekly_cost_p BIGINT NOT NULL, provider VARCHAR, placement_type VARCHAR,
    source_row INTEGER, import_id INTEGER, extra JSON);
CREATE TABLE IF NOT EXISTS savings (
    scheme VARCHAR NOT NULL, line VARCHAR NOT NULL, year VARCHAR NOT NULL, target_p BIGINT NOT NULL,
    delivered_p BIGINT, forecast_p BIGINT, rag VARCHAR, owner VARCHAR, recurrent BOOLEAN,
    model_from_line VARCHAR, model_to_line VARCHAR, model_start DATE, model_count DOUBLE,
    model_every_months INTEGER, model_weekly_cost_p BIGINT, model_annual_running_cost_p BIGINT,
    mitigation VARCHAR, source_row INTEGER, import_id INTEGER);
CREATE TABLE IF NOT EXISTS adjustments (
    fy INTEGER NOT NULL, line VARCHAR NOT NULL, amount_p BIGINT NOT NULL, reason VARCHAR NOT NULL,
    period INTEGER, one_off BOOLEAN, source_row INTEGER, import_id INTEGER);
CREATE TABLE IF NOT EXISTS forecast_months (
    fy INTEGER NOT NULL, period INTEGER NOT NULL, line VARCHAR NOT NULL, month DATE NOT NULL, method VARCHAR,
    numbers DOUBLE, numbers_low DOUBLE, numbers_high DOUBLE, cost_p BIGINT, cost_low_p BIGINT, cost_high_p BIGINT,
    cost_lo95_p BIGINT, cost_hi95_p BIGINT, weights VARCHAR, backtest_mase DOUBLE, run_at TIMESTAMP,
    gross_p BIGINT, income_p BIGINT);
CREATE TABLE IF NOT EXISTS outturn_lines (
    fy INTEGER NOT NULL, period INTEGER NOT NULL, line VARCHAR NOT NULL, heading VARCHAR NOT NULL,
    budget_gross_p BIGINT, budget_income_p BIGINT, forecast_gross_p BIGINT NOT NULL,
    forecast_income_p BIGINT NOT NULL, actual_gross_p BIGINT, actual_income_p BIGINT, adjustments_p BIGINT,
    method VARCHAR, open_placements INTEGER, avg_weekly_cost_p BIGINT, run_at TIMESTAMP NOT NULL, numbers DOUBLE);
CREATE TABLE IF NOT EXISTS commentary (
    fy INTEGER NOT NULL, period INTEGER NOT NULL, key VARCHAR NOT NULL, text VARCHAR NOT NULL, author VARCHAR,
    variance_p BIGINT, entered_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS run_placements (
    fy INTEGER NOT NULL, period INTEGER NOT NULL, placement_id VARCHAR NOT NULL, line VARCHAR NOT NULL,
    weekly_cost_p BIGINT NOT NULL, start_date DATE, end_date DATE, planned_end_date DATE);
CREATE TABLE IF NOT EXISTS run_line_months (
    fy INTEGER NOT NULL, period INTEGER NOT NULL, line VARCHAR NOT NULL, month DATE NOT NULL,
    net_p BIGINT NOT NULL, adjustments_p BIGINT);
CREATE TABLE IF NOT EXISTS years (
    fy INTEGER PRIMARY KEY, status VARCHAR NOT NULL, final_period INTEGER, net_position_p BIGINT,
    council_share_p BIGINT, retained_share_p BIGINT, final_contract_sum_p BIGINT, changed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS final_outturn (
    fy INTEGER NOT NULL, line VARCHAR NOT NULL, heading VARCHAR NOT NULL, line_order INTEGER NOT NULL,
    budget_net_p BIGINT NOT NULL, final_gross_p BIGINT NOT NULL, final_income_p BIGINT NOT NULL, numbers DOUBLE);
CREATE TABLE IF NOT EXISTS cash_balances (
    balance_date DATE NOT NULL, balance_p BIGINT NOT NULL, source_row INTEGER, import_id INTEGER);
CREATE TABLE IF NOT EXISTS funding (
    fund VARCHAR NOT NULL, line VARCHAR NOT NULL, total_p BIGINT NOT NULL, start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL, spent_p BIGINT, source_row INTEGER, import_id INTEGER);
"""
# columns added after version 1 was first released: added in place when a store is opened for writing
LATER_COLUMNS = ("ALTER TABLE outturn_lines ADD COLUMN IF NOT EXISTS numbers DOUBLE",)

ACCOUNT_KINDS = """CREATE TABLE IF NOT EXISTS account_kinds (
    cost_centre VARCHAR NOT NULL, account VARCHAR NOT NULL, kind VARCHAR NOT NULL, basis VARCHAR NOT NULL,
    reason VARCHAR NOT NULL, first_net_p BIGINT, import_id INTEGER, decided_at TIMESTAMP NOT NULL)"""
# The ledger is stored normalised (``LEDGER_VIEW``): what is a function of an import's code combination
# (its file, codes, line, heading and kind) once per combination in ``ledger_codes``, each row in
# ``ledger_rows`` with its combination's id and its own fields. Readers use the view ``ledger``.
LEDGER_TABLES = """
CREATE TABLE IF NOT EXISTS ledger_codes (
    combo_id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL, source_file VARCHAR NOT NULL,
    cost_centre VARCHAR NOT NULL, account VARCHAR NOT NULL, line VARCHAR NOT NULL, heading VARCHAR NOT NULL,
    kind VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_rows (
    import_id INTEGER NOT NULL, combo_id INTEGER NOT NULL, source_row INTEGER NOT NULL, fy INTEGER NOT NULL,
    period INTEGER NOT NULL, date DATE, amount_p BIGINT NOT NULL, description VARCHAR, supplier VARCHAR,
    reference VARCHAR, placement_id VARCHAR, extra JSON)"""
# the stored ledger as one table: the same name, columns and order as the table of schema version 1
LEDGER_VIEW = """CREATE OR REPLACE VIEW ledger AS
SELECT r.import_id, c.source_file, r.source_row, r.fy, r.period, r.date, c.cost_centre, c.account, r.amount_p,
       r.description, r.supplier, r.reference, r.placement_id, c.line, c.heading, c.kind, r.extra
FROM ledger_rows r JOIN ledger_codes c ON r.combo_id = c.combo_id"""
# a version 1 ``ledger`` table, moved into the normalised tables (one combination per distinct import,
# file, codes, line, heading and kind, so every row reads back exactly as it was stored)
LEDGER_MIGRATION = (
    """INSERT INTO ledger_codes SELECT row_number() OVER (
            ORDER BY import_id, source_file, cost_centre, account, line, heading, kind)::INTEGER, *
        FROM (SELECT DISTINCT import_id, source_file, cost_centre, account, line, heading, kind FROM ledger)""",
    """INSERT INTO ledger_rows SELECT l.import_id, c.combo_id, l.source_row, l.fy, l.period, l.date, l.amount_p,
        l.description, l.supplier, l.reference, l.placement_id, l.extra
    FROM ledger l JOIN ledger_codes c ON l.import_id = c.import_id AND l.source_file = c.source_file
        AND l.cost_centre = c.cost_centre AND l.account = c.account AND l.line = c.line
        AND l.heading = c.heading AND l.kind = c.kind""",
    "DROP TABLE ledger",
)
# Columns added to version 1 after stores were in use: (table, column, type), added when such a store is
# opened for writing, so older workspaces keep working.
ADDED_COLUMNS = (("forecast_months", "gross_p", "BIGINT"), ("forecast_months", "income_p", "BIGINT"))


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Add what version 1 gained later (the income/expenditure decisions, gross and income forecasts)."""
    # duckdb_tables()/duckdb_columns(): the catalog itself (information_schema's views over it cost more)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "account_kinds" not in tables:
        con.execute(ACCOUNT_KINDS)
    if "ledger_rows" not in tables or "ledger" in tables:
        _normalise_ledger(con, "ledger" in tables)
    have = set(con.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall())
    for table, column, kind in ADDED_COLUMNS:
        if (table, column) not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _normalise_ledger(con: duckdb.DuckDBPyConnection, migrate: bool) -> None:
    """The normalised ledger tables and their view; ``migrate``: a version 1 ``ledger`` table is moved into
    them first (all or nothing, its row count and total checked)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in LEDGER_TABLES.split(";"):
            con.execute(stmt)
        if migrate:
            before = con.execute("SELECT count(*), sum(amount_p) FROM ledger").fetchall()[0]
            for stmt in LEDGER_MIGRATION:
                con.execute(stmt)
            after = con.execute("SELECT count(*), sum(amount_p) FROM ledger_rows").fetchall()[0]
            if before != after:
                raise WorkspaceError(
                    f"the stored ledger could not be moved to this version's layout: {before} {after}"
                )
        con.execute(LEDGER_VIEW)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class Store:
    """An open workspace store (a DuckDB connection), used as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path):
        self.con = con
        self.path = path

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: on any exception everything done inside is rolled back."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")


def temp_table(
    con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[tuple[object, ...]]
) -> None:
    """A temporary table of ``rows`` (column name -> SQL type), in their order: each column is passed as one
    list parameter and unnested in DuckDB (one statement, no binding of row after row)."""
    values = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    cols = ", ".join(f"unnest(${i + 1}::{t}[]) AS {c}" for i, (c, t) in enumerate(columns.items()))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cols}", values)


def create_store(path: Path) -> None:
    """Create a new store file with the current schema."""
    con = duckdb.connect(str(path))
    try:
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                con.execute(stmt)
        upgrade(con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    finally:
        con.close()


def open_store(path: Path, read_only: bool = False) -> Store:
    """Open the store, refusing another schema version and reporting a busy workspace clearly."""
    if not path.exists():
        raise WorkspaceError(f"no store at {path}: run 'careladder init' first")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WorkspaceError(
                f"workspace is busy: another careladder command is using {path.parent}; "
                "try again when it has finished"
            ) from None
        raise WorkspaceError(f"cannot open the store {path}: {exc}") from None
    except duckdb.Error as exc:
        raise WorkspaceError(f"{path} is not a careladder store: {exc}") from None
    con.execute("SET enable_progress_bar = false")
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        con.close()
        raise WorkspaceError(f"{path} is not a careladder store (no meta table)") from None
    version = int(row[0]) if row else None
    if version not in OPENABLE_VERSIONS:
        con.close()
        raise WorkspaceError(
            f"the store {path} has schema version {version}, this careladder uses version {SCHEMA_VERSION}: "
            "use the careladder version that created it, or re-create the workspace and re-import"
        )
    if not read_only:
        _bring_up_to_date(con)
        upgrade(con)
        if version != SCHEMA_VERSION:  # moved to this version's layout: an older careladder now refuses it
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
    return Store(con, path)


def _bring_up_to_date(con: duckdb.DuckDBPyConnection) -> None:
    """Tables and columns this version added to schema version 1 (all idempotent)."""
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            con.execute(stmt)
    for stmt in LATER_COLUMNS:
        con.execute(stmt)
