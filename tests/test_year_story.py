"""The year as a story on a small authority worked by hand: month ends P1, P2, P3, P6 and P9 of 2018/19, the
year closed at P12 with a period 13 adjustment, 2019/20 started in the same workspace and its first month end.

The authority (every figure below is worked out by hand):

- IFA (Children Looked After): one placement open since 1 January 2018 at £700 a week = £100 a day, invoiced
  each month for its days; no method, so forecast by commitments. 2018/19 has 365 days: every month end
  forecasts £36,500, the final outturn. Budget £36,000. Average placements 1.0.
- Staff (Safeguarding): method profile, budget £60,000 at £5,000 a month; £5,500 spent every month and a P13
  year-end accrual of £1,200. Forecast at Pp = 5,500p + 5,000(12 − p) = 60,000 + 500p; final 66,000 + 1,200 =
  £67,200.
- Grant (Safeguarding): income, method actuals, budget −£12,000; −£4,000 received at each quarter end; final
  −£16,000. Forecast at Pp = the receipts to date.
"""

from __future__ import annotations

import calendar
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from budget.cli import app
from budget.monthend.history import month_end_history
from budget.monthend.report import OutturnReport
from budget.monthend.track_record import BUDGET, RUN_RATE, TOOL, TrackRecord
from budget.monthend.year_end import close_year, start_year
from budget.workbooks.outturn import write_outturn_workbook
from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.placements import import_placements
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ImportFailed, WorkspaceError
from ledgers.store.workspace import Workspace, init_workspace, load_workspace
from ledgers.store.years import is_closed

from conftest import import_all, outturn_at, write
from recalc import cache_mismatches, recalculated_copy, soffice

Y18, Y19 = FinancialYear(2018), FinancialYear(2019)
RUN_18 = ("2018-04", "2018-05", "2018-06", "2018-09", "2018-12")  # P1, P2, P3, P6, P9
BUDGET_HEADER = "line,heading,gross,income,method," + ",".join(f"p{i}" for i in range(1, 13)) + "\n"


def _days(fy: FinancialYear, q: int) -> int:
    m = fy.month(q)
    return calendar.monthrange(m.year, m.month)[1]


def _ledger(fy: FinancialYear, periods: range, p13: bool) -> str:
    rows = ["period,cost_centre,account,amount,placement_id"]
    for q in periods:
        month = f"{fy.month(q):%Y-%m}"
        rows.append(f"{month},C1,5100,{_days(fy, q) * 100},PL1")
        rows.append(f"{month},C2,5000,5500,")
        if q % 3 == 0:
            rows.append(f"{month},C3,9000,-4000,")
    if p13:
        rows.append(f"{fy.label}-P13,C2,5000,1200,")
    return "\n".join(rows) + "\n"


def build(tmp: Path) -> Workspace:
    ws = init_workspace(tmp / "ws", "Hand Trust", "2018/19", contract_value=100_000)
    toml = (
        (ws.path / "careladder.toml")
        .read_text()
        .replace("variance_threshold = 100000", "variance_threshold = 50")
    )
    (ws.path / "careladder.toml").write_text(toml)
    ws = load_workspace(ws.path)
    write(
        tmp / "map.csv",
        "cost_centre,account,line,heading,kind\nC1,*,IFA,Children Looked After,expenditure\n"
        "C2,*,Staff,Safeguarding,expenditure\nC3,*,Grant,Safeguarding,income\n",
    )
    write(
        tmp / "budget18.csv",
        BUDGET_HEADER + f"IFA,Children Looked After,36000,0,,{','.join(['3000'] * 12)}\n"
        f"Staff,Safeguarding,60000,0,profile,{','.join(['5000'] * 12)}\n"
        f"Grant,Safeguarding,0,-12000,actuals,{','.join(['-1000'] * 12)}\n",
    )
    write(tmp / "gl18.csv", _ledger(Y18, range(1, 13), p13=True))
    write(
        tmp / "pl.csv",
        "placement_id,child_ref,line,start_date,end_date,planned_end_date,weekly_cost\n"
        "PL1,C-1,IFA,2018-01-01,,,700\n",
    )
    import_all(
        ws,
        (import_mapping, tmp / "map.csv"),
        (import_budget, tmp / "budget18.csv"),
        (import_ledger, tmp / "gl18.csv"),
        (import_placements, tmp / "pl.csv"),
    )
    return ws


def close(ws: Workspace) -> OutturnReport:
    s = ws.open()
    try:
        return close_year(s.con, ws.settings, Y18)
    finally:
        s.close()


def start_next(ws: Workspace, tmp: Path) -> Workspace:
    s = ws.open()
    try:
        new = start_year(s.con, ws.path, ws.settings, Y19).workspace
    finally:
        s.close()
    write(
        tmp / "budget19.csv",
        BUDGET_HEADER + f"IFA,Children Looked After,37000,0,,{','.join(['3000'] * 11 + ['4000'])}\n"
        f"Staff,Safeguarding,66000,0,profile,{','.join(['5500'] * 12)}\n"
        f"Grant,Safeguarding,0,-16000,actuals,{','.join(['0', '0', '-4000'] * 4)}\n",
    )
    write(tmp / "gl19.csv", _ledger(Y19, range(1, 2), p13=False))
    import_all(new, (import_budget, tmp / "budget19.csv"), (import_ledger, tmp / "gl19.csv"))
    return new


@pytest.fixture
def story(tmp_path: Path) -> tuple[Workspace, dict[str, OutturnReport]]:
    """2018/19 run at P1, P2, P3, P6, P9 and closed; 2019/20 started and run at P1."""
    ws = build(tmp_path)
    reports = {p: outturn_at(ws, p) for p in RUN_18}
    reports["close"] = close(ws)
    new = start_next(ws, tmp_path)
    reports["2019-04"] = outturn_at(new, "2019-04")
    return new, reports


def pounds(p: int | None) -> float | None:
    return None if p is None else p / 100


def test_three_consecutive_month_ends_and_their_trajectory(tmp_path: Path) -> None:
    ws = build(tmp_path)
    reports = [outturn_at(ws, p) for p in RUN_18[:3]]
    traj = reports[-1].trajectory
    assert traj is not None and traj.periods == [1, 2, 3] and not traj.closed
    rows = {r.name: r for r in traj.rows}
    assert {q: pounds(v) for q, v in rows["IFA"].forecast_p.items()} == {1: 36_500, 2: 36_500, 3: 36_500}
    assert {q: pounds(v) for q, v in rows["Staff"].forecast_p.items()} == {1: 60_500, 2: 61_000, 3: 61_500}
    assert {q: pounds(v) for q, v in rows["Grant"].forecast_p.items()} == {1: 0, 2: 0, 3: -4_000}
    # Safeguarding = Staff + Grant; the grand total adds IFA
    assert {q: pounds(v) for q, v in rows["Safeguarding"].forecast_p.items()} == {
        1: 60_500,
        2: 61_000,
        3: 57_500,
    }
    assert {q: pounds(v) for q, v in rows["Grand Total"].forecast_p.items()} == {
        1: 97_000,
        2: 97_500,
        3: 94_000,
    }
    assert pounds(rows["Grand Total"].budget_net_p) == 36_000 + 60_000 - 12_000
    assert rows["IFA"].numbers == {1: 1.0, 2: 1.0, 3: 1.0}
    # moved: highest less lowest forecast; Grant moved £4,000, Staff £1,000, IFA not at all (not a mover)
    assert [(r.name, pounds(r.moved_p)) for r in traj.movers()] == [("Grant", 4_000), ("Staff", 1_000)]
    # the movement since P2 comes from the same history
    assert pounds(next(ln for ln in reports[-1].lines if ln.name == "Staff").movement_net_p) == 500


def test_close_stores_the_final_outturn_including_period_13(
    story: tuple[Workspace, dict[str, OutturnReport]],
) -> None:
    ws, reports = story
    final = reports["close"]
    assert final.period_no == 12
    nets = {ln.name: pounds(ln.figures.forecast_net_p) for ln in final.lines}
    assert nets == {"IFA": 36_500, "Staff": 67_200, "Grant": -16_000}  # Staff: 12 × 5,500 + 1,200 of P13
    s = ws.open()
    try:
        assert is_closed(s.con, Y18) and not is_closed(s.con, Y19)
        history = month_end_history(s.con, Y18)
        assert history.periods == [1, 2, 3, 6, 9, 12]
        assert {f.line: pounds(f.final_net_p) for f in history.final} == nets
        net, council = s.con.execute(
            "SELECT net_position_p, council_share_p FROM years WHERE fy = 2018"
        ).fetchone()
    finally:
        s.close()
    # budget 84,000 against final 87,700: a £3,700 overspend, of which the council bears none (share 0.0)
    assert (pounds(net), pounds(council)) == (-3_700, 0)


def test_trajectory_of_the_closed_year_has_gaps_and_the_final(
    story: tuple[Workspace, dict[str, OutturnReport]],
) -> None:
    _, reports = story
    traj = reports["close"].trajectory
    assert traj is not None and traj.closed and traj.periods == [1, 2, 3, 6, 9, 12]
    rows = {r.name: r for r in traj.rows}
    staff = {q: pounds(v) for q, v in rows["Staff"].forecast_p.items()}
    assert staff == {1: 60_500, 2: 61_000, 3: 61_500, 6: 63_000, 9: 64_500, 12: 67_200}
    assert 4 not in rows["Staff"].forecast_p  # never run: a gap, not a zero
    assert pounds(rows["Staff"].final_net_p) == 67_200
    assert pounds(rows["Grand Total"].final_net_p) == 87_700


def _record(reports: dict[str, OutturnReport]) -> TrackRecord:
    record = reports["2019-04"].track_record
    assert record is not None and record.financial_year == "2018/19"
    return record


def test_accuracy_against_the_final_outturn(story: tuple[Workspace, dict[str, OutturnReport]]) -> None:
    record = _record(story[1])
    rows = {(r.level, r.name): r for r in record.rows}
    staff, grant, ifa = rows[("line", "Staff")], rows[("line", "Grant")], rows[("line", "IFA")]
    # Staff: forecast 60,000 + 500p − 67,200; budget 60,000 − 67,200; run rate 5,500 × 12 − 67,200
    assert [pounds(staff.error_p(q, TOOL)) for q in (3, 6, 9)] == [-5_700, -4_200, -2_700]
    assert [pounds(staff.error_p(q, BUDGET)) for q in (3, 6, 9)] == [-7_200, -7_200, -7_200]
    assert [pounds(staff.error_p(q, RUN_RATE)) for q in (3, 6, 9)] == [-1_200, -1_200, -1_200]
    assert staff.within_amber_from == 12  # 2% of 67,200 = 1,344; P9 was still 2,700 out
    assert staff.most_accurate == [RUN_RATE]  # mean |error| over P1–P9 run: 5,100 / 7,200 / 1,200
    assert pounds(staff.mean_absolute_error_p(TOOL)) == (6_700 + 6_200 + 5_700 + 4_200 + 2_700) / 5
    # Grant: forecast = receipts to date; budget −12,000; run rate −4,000 a quarter × 4 = −16,000 from P3
    assert [pounds(grant.error_p(q, TOOL)) for q in (3, 6, 9)] == [12_000, 8_000, 4_000]
    assert [pounds(grant.error_p(q, BUDGET)) for q in (3, 6, 9)] == [4_000, 4_000, 4_000]
    assert [pounds(grant.error_p(q, RUN_RATE)) for q in (3, 6, 9)] == [0, 0, 0]
    # run rate at P1 and P2 said 0 (16,000 out): mean 6,400 against the budget's 4,000
    assert grant.most_accurate == [BUDGET]
    assert grant.within_amber_from == 12
    # IFA: commitments right from P1; run rate at P9 = 27,500 × 12 / 9 = 36,666.67
    assert [pounds(ifa.error_p(q, TOOL)) for q in (3, 6, 9)] == [0, 0, 0]
    assert [pounds(ifa.error_p(q, RUN_RATE)) for q in (3, 6, 9)] == [-100, 100, 166.67]
    assert ifa.within_amber_from == 1 and ifa.most_accurate == [TOOL]
    # Safeguarding (final 51,200): P3 forecast 61,500 − 4,000 = 57,500; budget 48,000; run rate 66,000 − 16,000
    safeguarding = rows[("heading", "Safeguarding")]
    assert [pounds(safeguarding.error_p(3, m)) for m in (TOOL, BUDGET, RUN_RATE)] == [6_300, -3_200, -1_200]
    total = rows[("total", "Grand Total")]
    assert pounds(total.final_net_p) == 87_700
    assert [pounds(total.error_p(3, m)) for m in (TOOL, BUDGET, RUN_RATE)] == [6_300, -3_700, -1_300]
    assert pounds(total.amber_limit_p) == 1_754  # 2% of 87,700


def test_next_year_first_month_end(story: tuple[Workspace, dict[str, OutturnReport]]) -> None:
    ws, reports = story
    assert ws.settings.financial_year == Y19
    r = reports["2019-04"]
    nets = {ln.name: pounds(ln.figures.forecast_net_p) for ln in r.lines}
    # IFA: 366 days of 2019/20 at £100; Staff 5,500 + 11 × 5,500 profile; Grant nothing received yet
    assert nets == {"IFA": 36_600, "Staff": 66_000, "Grant": 0}
    assert r.trajectory is not None and r.trajectory.periods == [1]
    assert all(ln.movement_net_p is None for ln in r.lines)  # no earlier month end of 2019/20
    # the Monthly view: April actual, then the forecast months; each line adds up to its forecast
    assert r.monthly is not None
    monthly = {ln.name: ln for ln in r.monthly.lines}
    assert [pounds(v) for v in monthly["Staff"].months_p] == [5_500] * 12
    assert pounds(monthly["IFA"].months_p[0]) == 3_000 and pounds(monthly["IFA"].months_p[10]) == 2_900
    assert all(
        ln.year_p == next(x for x in r.lines if x.name == ln.name).figures.forecast_net_p
        for ln in monthly.values()
    )
    assert [pounds(v) for v in monthly["Grant"].profile_p[:3]] == [0, 0, -4_000]


def test_closed_year_refuses_imports_until_reopened(
    tmp_path: Path, story: tuple[Workspace, dict[str, OutturnReport]]
) -> None:
    ws, _ = story
    late = write(
        tmp_path / "late.csv",
        "period,cost_centre,account,amount\n2019-04,C2,5000,10\n2018/19-P13,C2,5000,99\n",
    )
    s = ws.open()
    try:
        with pytest.raises(ImportFailed) as failed:
            import_ledger(s, late, Y19)
        assert [(p.row, p.column) for p in failed.value.problems] == [(3, "date")]
        assert "2018/19 is closed" in failed.value.problems[0].message
        assert s.con.execute("SELECT count(*) FROM ledger WHERE amount_p = 9900").fetchone() == (0,)
        with pytest.raises(WorkspaceError, match="closed"):
            import_budget(s, tmp_path / "budget18.csv", Y18)
    finally:
        s.close()
    runner = CliRunner()
    res = runner.invoke(app, ["year", "reopen", "2018/19", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["ledger", "import", str(late), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["year", "close", "--year", "2018/19", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    # the file's P13 replaces the stored P13 (as any re-imported period does): 87,700 − 1,200 + 99
    assert "final net outturn £86,599" in res.output


def test_cli_year_start_and_reading_a_closed_year(tmp_path: Path) -> None:
    ws = build(tmp_path)
    runner = CliRunner()
    for p in RUN_18:
        assert runner.invoke(app, ["outturn", "--period", p, "-w", str(ws.path)]).exit_code == 0
    res = runner.invoke(app, ["year", "start", "2020/21", "-w", str(ws.path)])
    assert res.exit_code == 2 and "the next year to start is 2019/20" in res.output
    res = runner.invoke(app, ["year", "close", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["year", "start", "2019/20", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert 'financial_year = "2019/20"' in (ws.path / "careladder.toml").read_text()
    assert "# careladder workspace settings" in (ws.path / "careladder.toml").read_text()  # comments kept
    out = tmp_path / "closed.xlsx"
    res = runner.invoke(
        app,
        [
            "outturn",
            "--year",
            "2018/19",
            "--period",
            "2019-03",
            "--out",
            str(out),
            "--json",
            "-w",
            str(ws.path),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["financial_year"] == "2018/19"
    assert {x["name"]: x["forecast_net"] for x in data["lines"]}["Staff"] == 67_200
    # reading the closed year stored nothing new
    s = ws.open()
    try:
        assert month_end_history(s.con, Y18).periods == [1, 2, 3, 6, 9, 12]
    finally:
        s.close()
    res = runner.invoke(app, ["backtest", "--year", "2018/19", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    acc = json.loads(res.stdout)["month_end_accuracy"]
    assert acc["financial_year"] == "2018/19"
    staff = next(r for r in acc["rows"] if r["name"] == "Staff")
    assert staff["errors"]["P6"] == {"forecast": -4_200, "budget": -7_200, "run_rate": -1_200}
    assert staff["within_amber_from"] == "P12" and staff["most_accurate"] == ["run_rate"]


def test_carried_forward_commentary(tmp_path: Path) -> None:
    from budget.monthend.commentary import Entry, import_commentary

    ws = build(tmp_path)
    outturn_at(ws, "2018-12")
    s = ws.open()
    try:
        import_commentary(
            s.con,
            Y18,
            9,
            [Entry("line|IFA", "One long-term placement, costed to the year end")],
            "AB",
            ws.settings.variance_sign,
            ws.settings.variance_threshold_p,
        )
    finally:
        s.close()
    close(ws)
    new = start_next(ws, tmp_path)
    r = outturn_at(new, "2019-04")
    ifa = next(v for v in r.variances if v.name == "IFA")  # 37,000 − 36,600: £400 underspend
    assert ifa.commentary.startswith("carried forward from last year")
    assert ifa.commentary.endswith("One long-term placement, costed to the year end")


def test_new_sheets_recalculate_and_fit_the_page(
    tmp_path: Path, story: tuple[Workspace, dict[str, OutturnReport]]
) -> None:
    _, reports = story
    out = tmp_path / "p1.xlsx"
    write_outturn_workbook(reports["2019-04"], out)
    closed = tmp_path / "closed.xlsx"
    write_outturn_workbook(reports["close"], closed)
    for path in (out, closed):
        wb = openpyxl.load_workbook(path)
        assert {"Trajectory", "Monthly"} <= set(wb.sheetnames)
        for name in ("Trajectory", "Monthly"):
            ws = wb[name]
            n = {"Trajectory": 16, "Monthly": 15}[name]  # columns A–P, A–O
            dims = [(d.min, d.max, d.width) for d in ws.column_dimensions.values() if d.min and d.min <= n]
            chars = sum(w * (min(hi, n) - lo + 1) for lo, hi, w in dims)
            assert sum(min(hi, n) - lo + 1 for lo, hi, _ in dims) == n  # every printed column sized
            # one page wide on A4 landscape: 11.69 in less 0.3 in margins each side, ~7.5 px a character
            scale = (11.69 - 0.6) * 96 / (chars * 7.5)
            assert scale >= 0.70, (name, scale)
            assert ws.page_setup.orientation == "landscape"
        wb.close()
    wb = openpyxl.load_workbook(closed, data_only=True)
    t = wb["Trajectory"]
    staff_row = next(r for r in range(1, 40) if t.cell(r, 1).value == "Staff")
    assert [t.cell(staff_row, c).value for c in range(2, 17)] == [
        60_000,
        60_500,
        61_000,
        61_500,
        None,
        None,
        63_000,
        None,
        None,
        64_500,
        None,
        None,
        67_200,
        67_200,
        6_700,
    ]
    m = wb["Monthly"]
    staff_row = next(r for r in range(1, 40) if m.cell(r, 1).value == "Staff")
    assert m.cell(staff_row, 13).value == 6_700  # March 5,500 + P13 1,200
    assert m.cell(staff_row, 15).value == 67_200
    wb.close()
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    for path in (out, closed):
        wrong = cache_mismatches(path, recalculated_copy(path, tmp_path / path.stem))
        assert wrong == {}


def test_year_option_on_forecast_mtfs_and_commentary(
    tmp_path: Path, story: tuple[Workspace, dict[str, OutturnReport]]
) -> None:
    """--year reaches back to 2018/19 from the 2019/20 workspace: refused while closed, used once reopened."""
    ws, _ = story
    runner = CliRunner()
    notes = write(tmp_path / "notes.csv", "key,commentary\nline|Staff,Agency cover in two teams\n")
    commands = (
        ["forecast", "--year", "2018/19", "--period", "2018-12", "--json"],
        ["commentary", "import", str(notes), "--year", "2018/19", "--period", "2018-12"],
    )
    for command in commands:
        res = runner.invoke(app, [*command, "-w", str(ws.path)])
        assert res.exit_code == 2 and "2018/19 is closed" in res.output, res.output
    assert runner.invoke(app, ["year", "reopen", "2018/19", "-w", str(ws.path)]).exit_code == 0
    res = runner.invoke(app, [*commands[0], "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    months = {x["line"]: x["months"] for x in json.loads(res.stdout)["lines"]}
    # Staff on its profile: £5,000 in each of January to March; IFA £100 a day
    assert [(m["month"], m["cost"]) for m in months["Staff"]] == [
        ("2019-01", 5_000),
        ("2019-02", 5_000),
        ("2019-03", 5_000),
    ]
    assert [m["cost"] for m in months["IFA"]] == [3_100, 2_800, 3_100]
    res = runner.invoke(app, [*commands[1], "-w", str(ws.path)])
    assert res.exit_code == 0 and "1 comment(s) stored for P9 2018/19" in res.output, res.output
    s = ws.open()
    try:
        stored = s.con.execute("SELECT fy, period, text FROM commentary").fetchall()
    finally:
        s.close()
    assert (2018, 9, "Agency cover in two teams") in stored
    out = tmp_path / "mtfs18.xlsx"
    res = runner.invoke(
        app, ["mtfs", "--year", "2018/19", "--period", "2018-12", "--out", str(out), "-w", str(ws.path)]
    )
    assert res.exit_code == 0, res.output
    text = [str(c) for sh in openpyxl.load_workbook(out).worksheets for r in sh.values for c in r if c]
    assert any("stored outturn run of P9 (2018-12)" in t for t in text)
