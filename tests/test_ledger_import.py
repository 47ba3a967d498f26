"""Ledger import: readers, every amount/date/encoding form, store round trip, replace/append, errors."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.readers.problems import ImportFailed
from ledgers.store.schema import SUSPENSE_LINE, Store
from ledgers.store.workspace import Workspace

from conftest import DATA, write


def _setup(store: Store, ws: Workspace) -> None:
    fy = ws.settings.financial_year
    import_mapping(store, DATA / "mapping.csv", fy)
    import_budget(store, DATA / "budget.csv", fy)


def _ledger_total(store: Store) -> tuple[int, int]:
    row = store.con.execute("SELECT count(*), COALESCE(sum(amount_p), 0) FROM ledger").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_ledger_below_title_rows_reconciles_to_the_penny(store: Store, workspace: Workspace) -> None:
    _setup(store, workspace)
    out = import_ledger(store, DATA / "ledger.csv", workspace.settings.financial_year)
    # hand-checked: 98,765.43 + 100,000 + 200,000.50 - 50,000 - 12,000 + 250,000 + 1,234.56 = 588,000.49
    assert out.rows_read == 7 and out.rows_stored == 7
    assert out.control_total_p == out.stored_total_p == 58_800_049
    assert out.by_period == [("2019/20-P01", 1, 9_876_543), ("2019/20-P02", 6, 48_923_506)]
    rows = dict(store.con.execute("SELECT reference, amount_p FROM ledger").fetchall())
    assert rows["JNL1"] == -5_000_000  # (50000.00)
    assert rows["INV004"] == -1_200_000  # 12000.00- (trailing minus)
    # source file and row remembered (header on row 3, first data row is row 4)
    src = store.con.execute(
        "SELECT source_file, source_row FROM ledger WHERE reference = 'INV001'"
    ).fetchone()
    assert src == ("ledger.csv", 4)


def test_most_specific_mapping_wins_and_unmapped_rows_go_to_suspense(
    store: Store, workspace: Workspace
) -> None:
    _setup(store, workspace)
    out = import_ledger(store, DATA / "ledger.csv", workspace.settings.financial_year)
    lines = dict(store.con.execute("SELECT reference, line FROM ledger").fetchall())
    assert lines["INV004"] == "Agency Social Workers"  # SAF01 + 51* beats SAF* + *
    assert lines["PAY05"] == "Social Work Teams"  # SAF02 only matches SAF* + *
    assert lines["INV005"] == SUSPENSE_LINE  # XYZ99 matches nothing: kept, not dropped
    kinds = dict(store.con.execute("SELECT reference, kind FROM ledger").fetchall())
    assert kinds["JNL1"] == "income"
    warning = [str(w) for w in out.warnings if "unmapped" in w.message]
    assert warning == [
        "ledger.csv:10: column 'cost_centre': unmapped code combinations (1) held on the line "
        "'Unmapped (suspense)', total £1,234.56: 1 row(s) (first rows: 10)"
    ]


def test_reimport_replaces_periods_and_identical_file_is_a_no_op(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    fy = workspace.settings.financial_year
    import_ledger(store, DATA / "ledger.csv", fy)
    again = import_ledger(store, DATA / "ledger.csv", fy)
    assert again.skipped and "identical" in again.messages[0]
    assert _ledger_total(store) == (7, 58_800_049)
    # a corrected May export replaces P2 only; April stays
    may = write(tmp_path / "may.csv", "date,cost_centre,account,amount\n31/05/2019,CLA10,5100,500.00\n")
    out = import_ledger(store, may, fy)
    assert "replaced stored periods 2019/20-P02" in out.messages[0]
    assert _ledger_total(store) == (2, 9_876_543 + 50_000)
    # --append adds a second part of the month to the stored period instead
    may2 = write(tmp_path / "may2.csv", "date,cost_centre,account,amount\n31/05/2019,CLA10,5100,250.00\n")
    import_ledger(store, may2, fy, append=True)
    assert _ledger_total(store) == (3, 9_876_543 + 50_000 + 25_000)
    # a year-to-date export covering P1 and P2 replaces everything stored for them
    ytd = write(
        tmp_path / "ytd.csv", "period,cost_centre,account,amount\nP1,CLA10,5100,1.00\nP2,CLA10,5100,2.00\n"
    )
    import_ledger(store, ytd, fy)
    assert _ledger_total(store) == (2, 300)
    log = store.con.execute(
        "SELECT file_name, mode FROM imports WHERE kind = 'ledger' ORDER BY import_id"
    ).fetchall()
    assert log == [
        ("ledger.csv", "superseded"),
        ("may.csv", "superseded"),
        ("may2.csv", "superseded"),
        ("ytd.csv", "replace"),
    ]


def test_windows_1252_and_bom_files_keep_the_pound_sign(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    fy = workspace.settings.financial_year
    import_ledger(store, DATA / "ledger_cp1252.csv", fy)
    assert store.con.execute("SELECT supplier, amount_p FROM ledger").fetchall() == [("Café Foster", 10_000)]
    bom = write(
        tmp_path / "bom.csv",
        "\ufeffPeriod,Resp,Account,Debit,Credit,Supplier\n"
        '2019/20-P09,CLA10,5100,"£1,000.00",,Bob’s Homes £\n201912,CLA10,5100,,250.25,Credit\n',
    )
    out = import_ledger(store, bom, fy)
    assert out.stored_total_p == 100_000 - 25_025
    got = store.con.execute("SELECT period, supplier FROM ledger WHERE supplier LIKE 'Bob%'").fetchall()
    assert got == [(9, "Bob’s Homes £")]


@pytest.mark.parametrize(
    "period, expected",
    [
        ("2019/20-P09", (2019, 9)),
        ("P9", (2019, 9)),
        ("9", (2019, 9)),
        ("201912", (2019, 9)),
        ("202003", (2019, 12)),
        ("2019-12", (2019, 9)),
    ],
)
def test_period_column_forms(
    store: Store, workspace: Workspace, tmp_path: Path, period: str, expected: tuple[int, int]
) -> None:
    _setup(store, workspace)
    f = write(tmp_path / "p.csv", f"Period,Cost Centre,Subjective,Amount\n{period},CLA10,5100,1.00\n")
    import_ledger(store, f, workspace.settings.financial_year)
    assert store.con.execute("SELECT fy, period FROM ledger").fetchone() == expected


def test_xlsx_with_title_rows_and_real_dates(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    from datetime import datetime

    _setup(store, workspace)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Council GL export"])
    ws.append([])
    ws.append(["Transaction Date", "Cost Centre", "Subjective", "Amount", "Supplier"])
    ws.append([datetime(2019, 12, 31), "CLA20", "5200", 4321.09, "Acme"])
    ws.append(["01/01/2020", "CLA20", "5200", "(21.09)", "Castle"])
    path = tmp_path / "gl.xlsx"
    wb.save(path)
    out = import_ledger(store, path, workspace.settings.financial_year)
    assert out.stored_total_p == 432_109 - 2_109
    assert store.con.execute("SELECT period, source_row FROM ledger ORDER BY source_row").fetchall() == [
        (9, 4),
        (10, 5),
    ]


def test_every_bad_cell_reported_at_once_and_nothing_stored(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    fy = workspace.settings.financial_year
    import_ledger(store, DATA / "ledger.csv", fy)
    before = _ledger_total(store)
    bad = write(
        tmp_path / "bad.csv",
        "date,cost_centre,account,amount\n"
        "31/12/2019,CLA10,5100,100.00\n"
        "31/13/2019,CLA10,5100,100.00\n"
        "31/12/2019,,5100,12.345\n"
        "31/12/2019,CLA10,5100,abc\n",
    )
    with pytest.raises(ImportFailed) as exc:
        import_ledger(store, bad, fy)
    msgs = [str(p) for p in exc.value.problems]
    assert "bad.csv:3: column 'date': '31/13/2019' is not a date (write 2019-12-31 or 31/12/2019)" in msgs
    assert any(m.startswith("bad.csv:4: column 'amount': '12.345' is not an amount") for m in msgs)
    assert "bad.csv:4: column 'cost_centre': is empty but required" in msgs
    assert any(m.startswith("bad.csv:5: column 'amount': 'abc'") for m in msgs)
    assert len(msgs) == 4
    assert _ledger_total(store) == before
    assert store.con.execute("SELECT count(*) FROM imports WHERE file_name = 'bad.csv'").fetchone() == (0,)


def test_missing_columns_named_with_the_header_found(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    f = write(tmp_path / "nocc.csv", "date,account,amount\n31/12/2019,5100,1\n")
    with pytest.raises(ImportFailed, match=r"nocc.csv:1: no header row .* missing cost_centre"):
        import_ledger(store, f, workspace.settings.financial_year)


def test_doubtful_rows_are_stored_and_warned(store: Store, workspace: Workspace, tmp_path: Path) -> None:
    _setup(store, workspace)
    f = write(
        tmp_path / "d.csv",
        "date,cost_centre,account,amount,reference\n"
        "31/12/2019,CLA10,5100,1.00,R1\n"
        "31/12/2019,CLA10,5100,2.00,R1\n"
        "30/04/2020,CLA10,5100,3.00,R2\n",
    )
    out = import_ledger(store, f, workspace.settings.financial_year)
    assert out.rows_stored == 3
    text = [str(w) for w in out.warnings]
    assert (
        "d.csv:4: column 'date': dates after the workspace year 2019/20 (future periods): 1 row(s) (first rows: 4)"
        in text
    )
    assert "d.csv:2: column 'reference': duplicate references: 2 row(s) (first rows: 2, 3)" in text


def test_a_row_of_empty_cells_is_skipped_and_keeps_the_row_numbers_after_it(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    # row 3 is every cell empty or spaces (a blank row in Excel), one line like the rest
    f = write(
        tmp_path / "b.csv",
        "date,cost_centre,account,amount,reference\n"
        "31/12/2019,CLA10,5100,1.00,R1\n"
        " , ,,  ,\n"
        "31/12/2019,CLA10,5100,2.50,R2\n",
    )
    out = import_ledger(store, f, workspace.settings.financial_year)
    assert out.rows_read == out.rows_stored == 2 and out.stored_total_p == 350
    rows = dict(store.con.execute("SELECT reference, source_row FROM ledger").fetchall())
    assert rows == {"R1": 2, "R2": 4}


@pytest.mark.parametrize("first", ["", "   "])
def test_a_row_with_only_its_first_cell_empty_is_refused_not_skipped(
    store: Store, workspace: Workspace, tmp_path: Path, first: str
) -> None:
    _setup(store, workspace)
    f = write(
        tmp_path / "e.csv",
        "date,cost_centre,account,amount,reference\n"
        "31/12/2019,CLA10,5100,1.00,R1\n"
        f"{first},CLA10,5100,2.00,R2\n"
        ",,,,R3\n",
    )
    with pytest.raises(ImportFailed) as exc:
        import_ledger(store, f, workspace.settings.financial_year)
    text = [str(p) for p in exc.value.problems]
    assert "e.csv:3: column 'date': is empty: a ledger row needs a date or a period" in text
    # only the last cell filled: not a blank row either
    assert "e.csv:4: column 'cost_centre': is empty but required" in text
    assert store.con.execute("SELECT count(*) FROM ledger").fetchall()[0][0] == 0


def test_run_rate_excludes_a_one_off_but_keeps_a_quarterly_pattern() -> None:
    from forecasts.lines import run_rate

    # April..December: £10,000 a month with one £50,000 one-off in July (P4): the last three ordinary months
    rate, note = run_rate(
        [1_000_000, 1_000_000, 1_000_000, 5_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000]
    )
    assert rate == 1_000_000 and "P4" in note
    # quarterly receipts of £30,000 in June, September, December: £10,000 a month on average
    rate, note = run_rate([0, 0, 3_000_000, 0, 0, 3_000_000, 0, 0, 3_000_000])
    assert rate == 1_000_000 and "year-to-date" in note


def test_columns_not_named_in_the_contract_are_kept(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    f = write(
        tmp_path / "x.csv",
        "date,cost_centre,account,amount,Cost Centre Name,PO Number\n"
        "31/12/2019,CLA10,5100,1.00,Fostering,PO-77\n",
    )
    import_ledger(store, f, workspace.settings.financial_year)
    extra = store.con.execute("SELECT extra->>'cost_centre_name', extra->>'po_number' FROM ledger").fetchall()
    assert extra == [("Fostering", "PO-77")]


def test_every_problem_in_one_run_including_empty_amounts_and_misplaced_commas(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    bad = write(
        tmp_path / "odd.csv",
        "date,cost_centre,account,amount\n"
        "31/12/2019,CLA10,5100,abc\n"
        "31/12/2019,CLA10,5100,\n"
        '31/12/2019,CLA10,5100,"1,50"\n'
        ',CLA10,5100,"1,500.00"\n',
    )
    with pytest.raises(ImportFailed) as exc:
        import_ledger(store, bad, workspace.settings.financial_year)
    got = [(p.row, p.column) for p in exc.value.problems]
    assert got == [(2, "amount"), (3, "amount"), (4, "amount"), (5, "date")]


def test_appending_the_same_file_twice_does_not_double_count(
    store: Store, workspace: Workspace, tmp_path: Path
) -> None:
    _setup(store, workspace)
    part = write(tmp_path / "part2.csv", "date,cost_centre,account,amount\n31/12/2019,CLA10,5100,100.00\n")
    import_ledger(store, part, workspace.settings.financial_year, append=True)
    again = import_ledger(store, part, workspace.settings.financial_year, append=True)
    assert again.skipped
    assert _ledger_total(store) == (1, 10_000)
