"""The cash position on a small authority worked by hand (see tests/small_authority.py), to the penny."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from small_authority import small_authority
from typer.testing import CliRunner

from budget.cli import app
from budget.monthend.cash import contract_schedule
from budget.monthend.outturn_json import outturn_json
from ledgers.readers.problems import WorkspaceError

from conftest import outturn_at

# Hand-worked, opening £50,000 at 31/03/2019: contract £100,000 and grant £10,000 in each month; Staff £80,000
# paid in the month; Fostering paid a month in arrears: April pays March 2019's £3,100, May–January the
# £3,000 of April–December, February January's commitment (31 days × £100) £3,100, March February's (29) £2,900.
FOSTERING = [3100_00] + [3000_00] * 9 + [3100_00, 2900_00]
CLOSING = [76_900_00, *[76_900_00 + 27_000_00 * i for i in range(1, 10)], 346_800_00, 373_900_00]


def test_month_end_balances_match_the_hand_worked_example(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, "[cash]\nopening_balance = 50000\n")
    cash = outturn_at(ws, "2019-12", with_cash=True).cash
    assert cash is not None
    assert cash.opening_p == 50_000_00 and cash.opening_at.isoformat() == "2019-03-31"
    assert [m.contract_p for m in cash.months] == [100_000_00] * 12
    assert [m.other_income_p for m in cash.months] == [10_000_00] * 12
    assert [m.expenditure_p for m in cash.months] == [80_000_00 + f for f in FOSTERING]
    assert [m.closing_p for m in cash.months] == CLOSING
    assert cash.lowest is not None and cash.lowest.month.isoformat() == "2019-04-01"
    assert cash.contract_line == "Contract Value"  # its £100,000 a month is the schedule, not other income
    lags = {(c.line, c.kind): c.lag for c in cash.lines}
    assert lags == {
        ("Fostering", "expenditure"): 1,
        ("Staff", "expenditure"): 0,
        ("Grant Income", "income"): 0,
    }


def test_a_bank_balance_import_opens_at_its_month_and_lags_are_settings(tmp_path: Path) -> None:
    settings = '[cash]\nopening_balance = 50000\n[cash.payment_lag]\n"Staff" = 1\n"Fostering" = 2\n'
    ws = small_authority(tmp_path, settings)
    balances = tmp_path / "bank.csv"
    balances.write_text("date,balance\n2019-09-30,1000.00\n2019-12-31,250000.00\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["cash", "import", str(balances), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["cash", "--period", "2019-12", "-w", str(ws.path), "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["opening_balance"] == 250000.0 and got["opening_at"] == "2019-12-31"
    # Jan: Staff pays December's £80,000, Fostering (two months behind) November's £3,000; Feb: January's
    # £80,000 and December's £3,000; March: February's £80,000 and January's commitment £3,100.
    assert [m["expenditure"] for m in got["months"]] == [83000.0, 83000.0, 83100.0]
    assert [m["closing_balance"] for m in got["months"]] == [277000.0, 304000.0, 330900.0]
    assert got["lowest"] == {"month": "2020-01", "closing_balance": 277000.0}


def test_contract_schedule_default_and_setting(tmp_path: Path) -> None:
    ws = small_authority(tmp_path)
    assert contract_schedule(ws.settings, ws.settings.financial_year) == [100_000_00] * 12
    odd = small_authority(
        tmp_path / "odd", '[cash.contract_schedule]\n"2019-04" = 600000\n"2019-10" = 600000\n'
    )
    cash = outturn_at(odd, "2019-12", with_cash=True).cash
    assert cash is not None
    assert [m.contract_p for m in cash.months] == [600_000_00, 0, 0, 0, 0, 0, 600_000_00, 0, 0, 0, 0, 0]
    # no opening balance: the balances are the movement from £0 (and say so)
    assert cash.opening_p == 0 and "no opening balance" in cash.opening_source
    assert cash.months[-1].closing_p == 373_900_00 - 50_000_00


def test_one_twelfth_instalments_put_the_pennies_left_in_march(tmp_path: Path) -> None:
    ws = small_authority(tmp_path)
    ws.settings.contract_value_p = 1_000_000_00
    plan = contract_schedule(ws.settings, ws.settings.financial_year)
    # £1,000,000 / 12 = £83,333.33 eleven times and £83,333.37 in March
    assert plan[:11] == [83_333_33] * 11 and plan[11] == 83_333_37 and sum(plan) == 1_000_000_00


def test_a_bad_lag_setting_names_the_setting(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, '[cash.payment_lag]\n"Staff" = "soon"\n')
    with pytest.raises(WorkspaceError, match=r"\[cash.payment_lag\] 'Staff' should be whole months"):
        outturn_at(ws, "2019-12", with_cash=True)


def test_cash_workbook_and_outturn_json(tmp_path: Path) -> None:
    ws = small_authority(tmp_path, "[cash]\nopening_balance = 50000\n")
    out = tmp_path / "cash.xlsx"
    res = CliRunner().invoke(app, ["cash", "--period", "2019-12", "-w", str(ws.path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "lowest £76,900.00 at the end of April 2019" in res.stderr
    sheet = openpyxl.load_workbook(out, data_only=True)["Cash"]
    header = [c.value for c in sheet[6]]
    assert header[2] == "Apr 19" and header[13] == "Mar 20" and header[14] == "Year"
    rows = {sheet.cell(r, 1).value: [sheet.cell(r, c).value for c in range(3, 15)] for r in range(7, 13)}
    assert rows["Month-end balance"] == [x / 100 for x in CLOSING]
    assert rows["Expenditure paid"] == [(80_000_00 + f) / 100 for f in FOSTERING]
    assert sheet["C14"].value == 76900 and sheet["D14"].value == "Apr 19"
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart and "Cash!$C$12:$N$12" in chart  # the month-end balances
    report = outturn_at(ws, "2019-12", with_cash=True)
    assert outturn_json(report)["cash"]["lowest"] == {"month": "2019-04", "closing_balance": 76900.0}
    assert "cash" not in outturn_json(outturn_at(ws, "2019-12"))
