"""Ring-fenced funds on the small authority (tests/small_authority.py), worked by hand; bad files refused."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from small_authority import small_authority
from typer.testing import CliRunner

from budget.cli import app
from budget.monthend.outturn_json import outturn_json
from budget.workbooks.outturn import write_outturn_workbook

from conftest import outturn_at

FUNDS = """fund,line,total,start_year,end_year,spent_to_date
Workforce Grant,Staff,1500000.00,2018/19,2020/21,
Fostering Fund,Fostering,40000.00,2019,2019,25000.00
"""


def imported(tmp_path: Path, text: str = FUNDS) -> tuple[Path, object]:
    ws = small_authority(tmp_path)
    f = tmp_path / "funding.csv"
    f.write_text(text, encoding="utf-8")
    return ws.path, CliRunner().invoke(app, ["funding", "import", str(f), "-w", str(ws.path)])


def test_fund_positions_worked_by_hand(tmp_path: Path) -> None:
    path, res = imported(tmp_path)
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert "reconciled to the penny" in res.stderr  # type: ignore[attr-defined]
    from ledgers.store.workspace import load_workspace

    report = outturn_at(load_workspace(path), "2019-12")
    staff, fostering = report.funding
    # Staff from the ledger: March 2019 £80,000 + April–December £720,000; forecast January–March at the run
    # rate, 3 × £80,000; balance £1,500,000 − £800,000 − £240,000; 2020/21 still to run.
    assert (staff.allocation_p, staff.spent_to_date_p, staff.forecast_to_year_end_p) == (
        1_500_000_00,
        800_000_00,
        240_000_00,
    )
    assert staff.balance_at_year_end_p == 460_000_00 and staff.years_left == 1
    assert staff.spent_source == "ledger 2018/19–2019/20 to P9"
    # Fostering: spent as the file says; forecast the open placement's 31 + 29 + 31 days at £100
    assert (fostering.spent_to_date_p, fostering.forecast_to_year_end_p) == (25_000_00, 9_100_00)
    assert fostering.balance_at_year_end_p == 5_900_00 and fostering.years_left == 0
    got = outturn_json(report)["funding"]
    assert [f["balance_at_year_end"] for f in got] == [460000.0, 5900.0]  # type: ignore[index]
    out = tmp_path / "outturn.xlsx"
    write_outturn_workbook(report, out)
    sheet = openpyxl.load_workbook(out)["Funding"]
    assert sheet["H6"].value == "=E6-F6-G6" and sheet["E8"].value == "=SUM(E6:E7)"
    values = openpyxl.load_workbook(out, data_only=True)["Funding"]
    assert [values[f"{c}6"].value for c in "ABCDEFGHI"] == [
        "Workforce Grant", "Staff", "2018/19", "2020/21", 1500000, 800000, 240000, 460000, 1,
    ]  # fmt: skip
    assert values["H8"].value == 465900


def test_bad_funding_file_is_refused_whole(tmp_path: Path) -> None:
    bad = """Funds 2019/20,,,,,
fund,line,total,start_year,end_year,spent_to_date
Workforce Grant,Staff,1500000.00,2020/21,2018/19,
Workforce Grant,Nowhere,1400000.00,2018/19,2020/21,
Fostering Fund,Fostering,lots,2019/20,2019/20,-5.00
Other Fund,Staff,1000.00,2019/20,twenty,
"""
    path, res = imported(tmp_path, bad)
    assert res.exit_code == 2  # type: ignore[attr-defined]
    err = res.stderr  # type: ignore[attr-defined]
    assert "funding.csv:3: column 'end_year': end year 2018/19 is before the start year 2020/21" in err
    assert "funding.csv:4: column 'line': line 'Nowhere' is not a line of the 2019/20 budget" in err
    assert "funding.csv:4: column 'total': fund 'Workforce Grant' has a different total on row 3" in err
    assert "funding.csv:5: column 'total':" in err
    assert "funding.csv:5: column 'spent_to_date': spent to date should not be negative" in err
    assert "funding.csv:6: column 'end_year': financial year 'twenty' should be written like 2019/20" in err
    assert "funding.csv:6: column 'spent_to_date': line 'Staff' also pays for fund 'Workforce Grant'" in err
    assert "Traceback" not in err
    from ledgers.store.workspace import load_workspace

    store = load_workspace(path).open()
    try:
        assert store.con.execute("SELECT count(*) FROM funding").fetchall() == [(0,)]
    finally:
        store.close()


def test_a_fund_over_two_lines_counts_its_allocation_once(tmp_path: Path) -> None:
    text = "fund,line,total,start_year,end_year\nBig Fund,Staff,900000,2019/20,2019/20\nBig Fund,Fostering,900000,2019/20,2019/20\n"
    path, res = imported(tmp_path, text)
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    from ledgers.store.workspace import load_workspace

    (fund,) = outturn_at(load_workspace(path), "2019-12").funding
    # this year only: Staff April–December £720,000 + Fostering £27,000; forecast £240,000 + £9,100
    assert fund.lines == ["Staff", "Fostering"] and fund.allocation_p == 900_000_00
    assert (fund.spent_to_date_p, fund.forecast_to_year_end_p) == (747_000_00, 249_100_00)
    assert fund.balance_at_year_end_p == -96_100_00
