"""The ledger's stored layout: rows hold their own fields and a combination key; what is a function of an
import's code combination (file, codes, line, heading, kind) is held once per combination, read through the
view ``ledger``. A workspace of schema version 1 with a ``ledger`` table is moved to it in place when opened
for writing, and reads back row for row and figure for figure as it did."""

from __future__ import annotations

from pathlib import Path

import duckdb
from test_income_kinds import BY_HAND, MAPPING_PLAIN, authority, figures, ledger

from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.store.schema import open_store
from ledgers.store.workspace import Workspace

from conftest import outturn_at, write

# the ledger table exactly as schema version 1 created it
V1_LEDGER = """CREATE TABLE ledger (
    import_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    fy INTEGER NOT NULL, period INTEGER NOT NULL, date DATE, cost_centre VARCHAR NOT NULL, account VARCHAR NOT NULL,
    amount_p BIGINT NOT NULL, description VARCHAR, supplier VARCHAR, reference VARCHAR, placement_id VARCHAR,
    line VARCHAR NOT NULL, heading VARCHAR NOT NULL, kind VARCHAR NOT NULL, extra JSON)"""
ALL_ROWS = "SELECT * FROM ledger ORDER BY import_id, source_row"


def to_version_1_layout(ws: Workspace) -> list[tuple[object, ...]]:
    """Rewrite the workspace's store in the old layout (one ``ledger`` table); returns its rows."""
    s = ws.open()
    try:
        rows = s.con.execute(ALL_ROWS).fetchall()
        s.con.execute("CREATE TEMP TABLE _old AS SELECT * FROM ledger")
        s.con.execute("DROP VIEW ledger")
        s.con.execute("DROP TABLE ledger_rows")
        s.con.execute("DROP TABLE ledger_codes")
        s.con.execute(V1_LEDGER)
        s.con.execute("INSERT INTO ledger SELECT * FROM _old")
        s.con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    finally:
        s.close()
    return rows


def table_types(ws: Workspace) -> dict[str, str]:
    s = open_store(ws.path / "careladder.duckdb", read_only=True)
    try:
        return dict(s.con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    finally:
        s.close()


def test_the_ledger_is_stored_once_per_combination_and_read_as_before(tmp_path: Path) -> None:
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    s = ws.open()
    try:
        con = s.con
        # gl-dec replaced every period of gl-nov: its 7 combinations are stored once, its 65 rows by key
        assert con.execute("SELECT count(*) FROM ledger_codes").fetchall() == [(7,)]
        assert con.execute("SELECT count(*), sum(amount_p) FROM ledger_rows").fetchall() == [
            (65, -18_400_000)
        ]
        assert con.execute(
            "SELECT DISTINCT source_file, line FROM ledger WHERE cost_centre = 'F1' ORDER BY 2"
        ).fetchall() == [("gl-dec.csv", "Family Support")]
    finally:
        s.close()
    assert table_types(ws)["ledger"] == "VIEW"


def test_a_version_1_store_is_moved_in_place_and_gives_the_same_figures(tmp_path: Path) -> None:
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    before = figures(outturn_at(ws, "2019-12"))
    assert before == BY_HAND
    rows = to_version_1_layout(ws)
    assert len(rows) == 65
    # read only, the old layout is read as it stands (nothing is changed)
    assert table_types(ws)["ledger"] == "BASE TABLE"
    # opened for writing (a month end), it is moved and gives the same figures, row for row the same ledger
    assert figures(outturn_at(ws, "2019-12")) == BY_HAND
    assert table_types(ws)["ledger"] == "VIEW"
    s = ws.open()
    try:
        # marked version 2, so an older careladder refuses it clearly rather than failing to write a view
        assert s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("2",)]
        assert s.con.execute(ALL_ROWS).fetchall() == rows
        assert s.con.execute("SELECT count(*) FROM ledger_codes").fetchall() == [(7,)]
    finally:
        s.close()


def test_a_moved_store_keeps_rows_whose_line_differs_within_a_combination_until_remapped(
    tmp_path: Path,
) -> None:
    """The move keeps every stored value, even a line an older version left on some rows of a combination;
    the next mapping import re-maps the combinations, and a re-import replaces its periods as before."""
    ws, _ = authority(tmp_path, MAPPING_PLAIN)
    to_version_1_layout(ws)
    con = duckdb.connect(str(ws.path / "careladder.duckdb"))
    try:
        con.execute("UPDATE ledger SET line = 'Old line' WHERE cost_centre = 'L1' AND period = 1")
        old = con.execute(ALL_ROWS).fetchall()
    finally:
        con.close()
    s = ws.open()
    try:
        con = s.con
        assert con.execute(ALL_ROWS).fetchall() == old
        assert con.execute(
            "SELECT line, count(*) FROM ledger WHERE cost_centre = 'L1' GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("Legal", 8), ("Old line", 2)]
        fy = ws.settings.financial_year
        write(tmp_path / "map2.csv", MAPPING_PLAIN.replace("L1,*,Legal", "L1,*,Legal Services"))
        import_mapping(s, tmp_path / "map2.csv", fy, income_accounts=ws.settings.income_accounts)
        assert con.execute(
            "SELECT line, count(*) FROM ledger WHERE cost_centre = 'L1' GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("Legal Services", 10)]
        # a file of the first eight periods replaces them; the December rows stay; nothing is lost or doubled
        write(tmp_path / "gl-nov2.csv", ledger(8).replace("Salaries", "Salaries (corrected)"))
        out = import_ledger(s, tmp_path / "gl-nov2.csv", fy, income_accounts=ws.settings.income_accounts)
        assert out.rows_stored == 57 and out.stored_total_p == out.control_total_p
        assert con.execute("SELECT source_file, count(*) FROM ledger GROUP BY 1 ORDER BY 1").fetchall() == [
            ("gl-dec.csv", 8),
            ("gl-nov2.csv", 57),
        ]
        assert con.execute("SELECT sum(amount_p) FROM ledger").fetchall() == [(-18_400_000,)]
    finally:
        s.close()
