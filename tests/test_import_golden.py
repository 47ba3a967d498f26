"""Golden-file test of what the importers store (beangulp style): a change in parsing, mapping or periods
shows up as a diff of tests/golden/import_small.txt. Regenerate deliberately with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_import_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.store.schema import Store
from ledgers.store.workspace import Workspace

from conftest import DATA

GOLDEN = Path(__file__).parent / "golden" / "import_small.txt"


def stored_text(store: Store) -> str:
    lines = ["# ledger: file:row fy-period date cost_centre/account amount(pence) -> line | heading | kind"]
    for r in store.con.execute(
        "SELECT source_file, source_row, fy, period, date, cost_centre, account, amount_p, line, heading, kind, "
        "supplier FROM ledger ORDER BY source_file, source_row"
    ).fetchall():
        lines.append(
            f"{r[0]}:{r[1]} {r[2]}-P{r[3]:02d} {r[4]} {r[5]}/{r[6]} {r[7]} -> {r[8]} | {r[9]} | {r[10]} "
            f"| {r[11]}"
        )
    lines.append("# budget: line | heading | gross | income | method | profile")
    for r in store.con.execute(
        "SELECT line, heading, gross_p, income_p, method, profile_p FROM budget ORDER BY line_order"
    ).fetchall():
        lines.append(f"{r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]}")
    return "\n".join(lines) + "\n"


def test_stored_rows_match_the_golden_file(store: Store, workspace: Workspace) -> None:
    fy = workspace.settings.financial_year
    import_mapping(store, DATA / "mapping.csv", fy)
    import_budget(store, DATA / "budget.csv", fy)
    import_ledger(store, DATA / "ledger.csv", fy)
    import_ledger(store, DATA / "ledger_cp1252.csv", fy)
    text = stored_text(store)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
