"""The forecast accuracy report on a small workspace whose series are known exactly.

History runs April 2016 to December 2019 (45 months; the workspace year is 2019/20, P9):
- Legal: the same 12-month pattern every year (April £1,000, May £1,100, … March £2,100), so a
  seasonal-naive forecast is exact: MASE 0, and so is the panel's combination on it.
- Staff: a straight line, £50,000 in April 2016 rising £500 a month, so drift is exact (MASE 0), and naive
  is wrong by £500 a month per month ahead.
- IFA: ledger rows only in 2019/20 (9 months): "too short". Its placements give a 45-month numbers series.
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from budget.cli.backtest import register
from budget.monthend.accuracy import AccuracyReport, accuracy_report, report_json
from budget.workbooks.backtest import (
    ACCURACY_HEADERS,
    CHART_ROWS,
    CHARTS_PER_PAGE_ROWS,
    write_backtest_workbook,
)
from budget.workbooks.xlsx import chart_page_breaks
from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.placements import import_placements
from ledgers.store.workspace import Workspace, init_workspace

from conftest import import_all, write

MONTHS = list(pd.date_range("2016-04-30", "2019-12-31", freq="ME"))  # 45 month ends
FAST = ("naive", "drift", "trend")  # no prophet: keeps these tests to about a second


def legal_pounds(month: pd.Timestamp) -> int:
    return 1000 + 100 * ((month.month - 4) % 12)


def build(tmp: Path) -> Workspace:
    ws = init_workspace(tmp / "ws", "Known Trust", "2019/20")
    write(
        tmp / "map.csv",
        "cost_centre,account,line,heading\nC1,*,IFA,Children Looked After\nC2,*,Staff,Safeguarding\n"
        "C3,*,Legal,Other Services\n",
    )
    write(
        tmp / "budget.csv",
        "line,heading,gross,income,method\nIFA,Children Looked After,90000,0,\n"
        "Staff,Safeguarding,600000,0,\nLegal,Other Services,120000,0,profile\n",
    )
    rows = ["date,cost_centre,account,amount"]
    for t, m in enumerate(MONTHS):
        d = m.strftime("%Y-%m-%d")
        rows += [f"{d},C2,5000,{50_000 + 500 * t}", f"{d},C3,5000,{legal_pounds(m)}"]
        if m >= pd.Timestamp("2019-04-01"):
            rows.append(f"{d},C1,5100,3000")
    write(tmp / "gl.csv", "\n".join(rows) + "\n")
    # month-end numbers: 1 to Mar 2017, 2 to Dec 2017, 3 to May 2018, then 2 (B ended 30 June 2018)
    write(
        tmp / "pl.csv",
        "placement_id,child_ref,line,start_date,end_date,weekly_cost\n"
        "A,C-1,IFA,2016-04-01,,800\nB,C-2,IFA,2017-04-10,2018-06-30,900\nC,C-3,IFA,2018-01-15,,1000\n",
    )
    import_all(
        ws,
        (import_mapping, tmp / "map.csv"),
        (import_budget, tmp / "budget.csv"),
        (functools.partial(import_ledger, history=True), tmp / "gl.csv"),
        (import_placements, tmp / "pl.csv"),
    )
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build(tmp_path_factory.mktemp("backtest"))


def report_of(ws: Workspace, period: str | None = None, horizon: int | None = None) -> AccuracyReport:
    s = ws.open()
    try:
        return accuracy_report(s.con, ws.settings, period, horizon=horizon, models=FAST)
    finally:
        s.close()


def test_known_series_scores(ws: Workspace) -> None:
    r = report_of(ws)
    assert (r.period, r.period_no, r.horizon) == ("2019-12", 9, 3)  # latest stored month; 3 months left
    by_id = {s.unique_id: s for s in r.series}
    assert list(by_id) == ["IFA|spend", "IFA|placements", "Staff|spend", "Legal|spend"]
    legal = {sc.method: sc for sc in by_id["Legal|spend"].scores}
    assert legal["seasonal-naive"].mase == 0.0 and legal["seasonal-naive"].coverage80 == 1.0
    assert set(legal) == {"seasonal-naive", "naive", "drift", "trend", "ensemble"}
    # one spend panel (Staff and Legal; IFA spend is too short): one choice, one set of weights for both
    assert by_id["Legal|spend"].chosen == by_id["Staff|spend"].chosen
    assert by_id["Legal|spend"].weights == by_id["Staff|spend"].weights
    assert sum(by_id["Staff|spend"].weights.values()) == pytest.approx(1.0)
    staff = {sc.method: sc for sc in by_id["Staff|spend"].scores}
    assert staff["drift"].mase == 0.0
    # origins are months 33..44 (Jan to Dec 2019); naive misses by £500, £1,000, £1,500 at steps 1–3:
    # 10 origins with all three steps, Nov 2019 with two, Dec 2019 with one → £32,000 over 33 cells; the scale
    # is seasonal naive's in-sample error before each origin, £6,000 (12 × £500) → 32000 / 33 / 6000
    assert staff["naive"].mase == pytest.approx(32_000 / 33 / 6_000)
    # seasonal naive is a year behind: always £6,000 short → MASE 1
    assert staff["seasonal-naive"].mase == pytest.approx(1.0)
    assert by_id["IFA|placements"].months == 45
    assert by_id["IFA|placements"].outturn_method == "commitments (default)"
    assert by_id["Legal|spend"].outturn_method == "profile"
    assert by_id["Staff|spend"].outturn_method == "run-rate (default)"
    short = [(s.unique_id, s.months) for s in r.too_short]
    assert short == [("IFA|spend", 9)]


def test_past_forecasts_for_charts(ws: Workspace) -> None:
    staff = next(s for s in report_of(ws).series if s.unique_id == "Staff|spend")
    past = staff.past
    assert past is not None
    assert past.months[0] == "2019-01" and past.months[-1] == "2019-12" and len(past.months) == 12
    assert past.actual[0] == 50_000 + 500 * 33  # £66,500 in Jan 2019
    # the first origins had no known errors yet: the combination was seasonal naive, a year behind
    assert past.by_step[1][:2] == [60_500.0, 61_000.0]
    assert past.by_step[3][:2] == [None, None]  # no origin three months before Jan or Feb 2019
    assert past.by_step[3][2] == 50_000 + 500 * 23  # Mar 2019 from Dec 2018: Mar 2018's £61,500
    ifa = next(s for s in report_of(ws).series if s.unique_id == "IFA|placements")
    assert ifa.past is not None and ifa.past.actual[:3] == [2.0, 2.0, 2.0]  # Jan–Mar 2019


def test_json_shape(ws: Workspace) -> None:
    out = report_json(report_of(ws, period="2019-12", horizon=2))
    assert out["period"] == "2019-12" and out["horizon"] == 2
    assert [s["unique_id"] for s in out["series"]] == ["IFA|placements", "Staff|spend", "Legal|spend"]
    legal = out["series"][2]
    assert set(legal) >= {"unique_id", "line", "measure", "chosen", "weights", "scores"}
    assert (legal["line"], legal["measure"]) == ("Legal", "spend")
    # the panel (Legal and Staff) takes each series' own growth: exact on Legal's repeating year
    assert "own trend" in legal["chosen"] and legal["chosen"] == out["series"][1]["chosen"]
    assert legal["scores"]["ensemble"]["mase"] == pytest.approx(0.0, abs=1e-9)
    assert set(legal["scores"]) == {"seasonal-naive", "naive", "drift", "trend", "ensemble"}
    assert legal["scores"]["seasonal-naive"] == {
        "mase": 0.0,
        "smape": 0.0,
        "coverage80": 1.0,
        "coverage95": 1.0,
    }
    assert out["series"][0]["measure"] == "placements"
    assert out["too_short"] == [{"unique_id": "IFA|spend", "line": "IFA", "measure": "spend", "months": 9}]
    json.dumps(out, allow_nan=False)


def test_workbook(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "accuracy.xlsx"
    write_backtest_workbook(report_of(ws), path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Accuracy", "Charts", "Chart data", "Notes"]
    sheet = wb["Accuracy"]
    assert [c.value for c in sheet[5]] == ACCURACY_HEADERS
    rows = {(r[0], r[1], r[3]): r for r in sheet.iter_rows(min_row=6, values_only=True)}
    mase = ACCURACY_HEADERS.index("MASE")
    assert rows[("Staff", "spend", "naive")][mase] == pytest.approx(32_000 / 33 / 6_000)
    assert rows[("Legal", "spend", "seasonal-naive")][mase] == 0
    assert rows[("IFA", "spend", "too short")][2] == 9
    best = next(r for r in sheet.iter_rows(min_row=6) if r[0].value == "Staff" and r[3].value == "drift")
    worst = next(r for r in sheet.iter_rows(min_row=6) if r[0].value == "Staff" and r[3].value == "naive")
    assert (
        best[mase].fill.fgColor.rgb.endswith("C6EFCE")
        and worst[mase].fill.fgColor.rgb != best[mase].fill.fgColor.rgb
    )
    outturn = ACCURACY_HEADERS.index("Outturn method")
    assert rows[("Legal", "spend", "ensemble")][outturn] == "profile"
    charts = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # IFA placements, Staff spend, Legal spend
    assert wb["Charts"].row_breaks.brk == []  # two rows of charts: one page
    # 9 charts are 5 rows of 16 sheet rows from row 4: pages break before rows 36 and 68 (two rows a page)
    assert (CHART_ROWS, CHARTS_PER_PAGE_ROWS) == (16, 2)
    assert chart_page_breaks(9, 2, 16, 2) == [36, 68] and chart_page_breaks(4, 2, 16, 2) == []
    notes = " ".join(str(r[0]) for r in wb["Notes"].iter_rows(values_only=True) if r[0])
    assert "beats a seasonal-naive forecast" in notes and "Prophet is left out" in notes


def test_cli_json_and_bad_input(ws: Workspace, tmp_path: Path) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    runner = CliRunner()
    out = tmp_path / "b.xlsx"
    args = ["backtest", "-w", str(ws.path), "--models", ",".join(FAST), "--json", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "own trend" in data["series"][1]["chosen"] and out.exists()
    bad = runner.invoke(app, ["backtest", "-w", str(ws.path), "--models", "arima"])
    assert bad.exit_code == 2 and "unknown model" in bad.stderr
    later = runner.invoke(app, ["backtest", "-w", str(ws.path), "--period", "2020-01", "--models", "naive"])
    assert later.exit_code == 2 and "latest stored month is 2019-12" in later.stderr
