"""`careladder demo`: a realistic sample children's trust, imported and taken through its December month end.

The workspace starts in 2018/19: its quarter-end month ends (P3, P6, P9) are run as they would have been (the
placements list as it stood at each month end) and quickly (statistical lines at the naive base, no backtest); the year is
closed and 2019/20 started in the same workspace, so December's workbook carries the year's trajectory and how
right 2018/19's month ends were."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from budget.demo.authority import DEMO_SCENARIOS, write_demo_inputs
from budget.demo.funds import write_demo_funding
from budget.monthend.outturn import forecast_run, outturn_report
from budget.monthend.report import OutturnReport, direction
from budget.monthend.year_end import close_year, start_year
from budget.mtfs.projection import mtfs_report
from budget.workbooks.detail import write_detail
from budget.workbooks.mtfs import write_mtfs_workbook
from budget.workbooks.outturn import write_outturn_workbook
from ledgers.importers.budgets import import_budget
from ledgers.importers.cash import import_cash_balances
from ledgers.importers.funding import import_funding
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.placements import import_placements
from ledgers.importers.plans import import_adjustments, import_savings
from ledgers.readers.money import console_money, words
from ledgers.readers.periods import FinancialYear, month_label
from ledgers.readers.problems import WorkspaceError
from ledgers.store.imports import ImportOutcome
from ledgers.store.workspace import SETTINGS_FILE, Workspace, init_workspace

AUTHORITY = "Sample Children's Services Trust"
YEAR = "2019/20"
CLOSED_YEAR = "2018/19"
CLOSED_PERIODS = (3, 6, 9)  # 2018/19's quarter ends; the year end is the close (the months between: gaps)
QUICK_PERIODS = (3, 6)  # 2019/20's quarter ends before November; the months between are gaps on Trajectory
QUICK_MODELS = ("naive",)  # the earlier month ends: the panel's naive base, no backtest
CONTRACT_VALUE = 51_642_000
PERIODS = ("2019-11", "2019-12")  # November first, so December shows the movement since P8


def fresh_workspace(path: Path) -> Workspace:
    """A new demo workspace; an earlier demo workspace in the same place is replaced."""
    if path.exists():
        if not (path / SETTINGS_FILE).exists():
            raise WorkspaceError(f"{path} exists and is not a careladder workspace: choose another OUTDIR")
        shutil.rmtree(path)
    return init_workspace(path, AUTHORITY, CLOSED_YEAR, CONTRACT_VALUE, DEMO_SCENARIOS)


def _say_outcomes(outcomes: list[ImportOutcome], say: Callable[[str], None]) -> None:
    for o in outcomes:
        ok = "reconciled" if o.control_total_p == o.stored_total_p else "NOT RECONCILED"
        say(
            f"  {o.kind:<12} {o.file:<24} {o.rows_stored:>7} rows  {ok}"
            + (f"  ({len(o.warnings)} warning(s))" if o.warnings else "")
        )
        for w in o.warnings:
            say(f"    warning: {w}")


def run_demo(outdir: Path, say: Callable[[str], None] = print) -> OutturnReport:
    """Write the inputs, import them into OUTDIR/workspace, run and close 2018/19, start 2019/20, run its
    month ends to P9 (P8 and P9 with the full statistical forecast), write the workbooks."""
    started = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    inputs = write_demo_inputs(outdir / "inputs")
    funding, balances = write_demo_funding(outdir / "inputs")
    say(f"Demo inputs written to {outdir / 'inputs'}")
    ws = fresh_workspace(outdir / "workspace")
    closed = ws.settings.financial_year
    store = ws.open()
    try:
        *history, current = inputs.ledgers
        outcomes: list[ImportOutcome] = [
            import_mapping(store, inputs.mapping, closed),
            import_budget(store, inputs.closed_budget, closed),
            *(import_ledger(store, p, closed, history=True) for p in history),
            import_placements(store, inputs.placements, closed),
            import_savings(store, inputs.savings, closed),
        ]
        _say_outcomes(outcomes, say)
        for q in CLOSED_PERIODS:
            outturn_report(
                store.con, ws.settings, month_label(closed, q), models=QUICK_MODELS, quick=True, as_known=True
            )
        final = close_year(store.con, ws.settings, closed)
        net = final.surplus.net_position_p
        say(
            f"{closed.label} closed: final net outturn {console_money(final.grand_total.forecast_net_p)} against "
            f"budget {console_money(final.grand_total.budget_net_p)} ({words(net)} {direction(net, 'budget-minus-forecast')})"
        )
        ws = start_year(store.con, ws.path, ws.settings, FinancialYear.parse(YEAR)).workspace
        fy = ws.settings.financial_year
        say(f"Workspace moved on to {fy.label}")
        outcomes = [
            import_budget(store, inputs.budget, fy),
            import_ledger(store, current, fy, history=True),
            import_adjustments(store, inputs.adjustments, fy),
            import_funding(store, funding, fy),
            import_cash_balances(store, balances, fy),
        ]
        _say_outcomes(outcomes, say)
        for q in QUICK_PERIODS:
            outturn_report(
                store.con, ws.settings, month_label(fy, q), models=QUICK_MODELS, quick=True, as_known=True
            )
        report = None
        for period in PERIODS:
            forecast_run(store.con, ws.settings, period)
            report = outturn_report(store.con, ws.settings, period, with_cash=period == PERIODS[-1])
        assert report is not None
        mtfs = mtfs_report(store.con, ws.settings)
        detail = write_detail(store.con, ws.path, report, outdir)
    finally:
        store.close()
    out = outdir / f"outturn-{report.period}.xlsx"
    write_outturn_workbook(report, out)
    say(f"Wrote {out}")
    say(f"Wrote {detail} (finance team: placements by key, no child references)")
    write_mtfs_workbook(mtfs, outdir / f"mtfs-{report.period}.xlsx")
    say(f"Wrote {outdir / f'mtfs-{report.period}.xlsx'}")
    net = report.surplus.net_position_p
    say(
        f"{report.authority}: forecast outturn {report.financial_year} at P{report.period_no}: "
        f"{words(net)} {direction(net, 'budget-minus-forecast')} "
        f"(forecast net {console_money(report.grand_total.forecast_net_p)} against budget "
        f"{console_money(report.grand_total.budget_net_p)}); "
        f"council's share {console_money(report.surplus.council_share_p)}"
    )
    for f in report.funding:
        say(
            f"  fund {f.fund}: {console_money(f.allocation_p)}, spent {console_money(f.spent_to_date_p)}, forecast "
            f"{console_money(f.forecast_to_year_end_p)} more, {console_money(f.balance_at_year_end_p)} left at the year end"
        )
    low = report.cash.lowest if report.cash is not None else None
    if report.cash is not None and low is not None:
        say(
            f"  cash: {console_money(report.cash.months[-1].closing_p)} at the year end, lowest "
            f"{console_money(low.closing_p)} at the end of {low.month:%B %Y}"
        )
    say(f"Demo finished in {time.perf_counter() - started:.1f} s")
    return report
