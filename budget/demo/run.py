"""`careladder demo`: a realistic sample children's trust, imported and taken through its December month end."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from budget.demo.authority import write_demo_inputs
from budget.demo.funds import write_demo_funding
from budget.monthend.outturn import forecast_run, outturn_report
from budget.monthend.report import OutturnReport, direction
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
from ledgers.readers.money import words
from ledgers.readers.problems import WorkspaceError
from ledgers.store.imports import ImportOutcome
from ledgers.store.workspace import SETTINGS_FILE, Workspace, init_workspace

AUTHORITY = "Sample Children's Services Trust"
YEAR = "2019/20"
CONTRACT_VALUE = 51_642_000
PERIODS = ("2019-11", "2019-12")  # November first, so December shows the movement since P8


def fresh_workspace(path: Path) -> Workspace:
    """A new demo workspace; an earlier demo workspace in the same place is replaced."""
    if path.exists():
        if not (path / SETTINGS_FILE).exists():
            raise WorkspaceError(f"{path} exists and is not a careladder workspace: choose another OUTDIR")
        shutil.rmtree(path)
    return init_workspace(path, AUTHORITY, YEAR, CONTRACT_VALUE)


def run_demo(outdir: Path, say: Callable[[str], None] = print) -> OutturnReport:
    """Write the inputs, import them into OUTDIR/workspace, run P8 and P9, write the workbooks."""
    started = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    inputs = write_demo_inputs(outdir / "inputs")
    funding, balances = write_demo_funding(outdir / "inputs")
    say(f"Demo inputs written to {outdir / 'inputs'}")
    ws = fresh_workspace(outdir / "workspace")
    fy = ws.settings.financial_year
    store = ws.open()
    try:
        outcomes: list[ImportOutcome] = [
            import_mapping(store, inputs.mapping, fy),
            import_budget(store, inputs.budget, fy),
            *(import_ledger(store, p, fy, history=True) for p in inputs.ledgers),
            import_placements(store, inputs.placements, fy),
            import_savings(store, inputs.savings, fy),
            import_adjustments(store, inputs.adjustments, fy),
            import_funding(store, funding, fy),
            import_cash_balances(store, balances, fy),
        ]
        for o in outcomes:
            ok = "reconciled" if o.control_total_p == o.stored_total_p else "NOT RECONCILED"
            say(
                f"  {o.kind:<12} {o.file:<24} {o.rows_stored:>7} rows  {ok}"
                + (f"  ({len(o.warnings)} warning(s))" if o.warnings else "")
            )
            for w in o.warnings:
                say(f"    warning: {w}")
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
        f"(forecast net £{report.grand_total.forecast_net_p / 100:,.0f} against budget "
        f"£{report.grand_total.budget_net_p / 100:,.0f}); council's share £{report.surplus.council_share_p / 100:,.0f}"
    )
    for f in report.funding:
        say(
            f"  fund {f.fund}: £{f.allocation_p / 100:,.0f}, spent £{f.spent_to_date_p / 100:,.0f}, forecast "
            f"£{f.forecast_to_year_end_p / 100:,.0f} more, £{f.balance_at_year_end_p / 100:,.0f} left at the year end"
        )
    low = report.cash.lowest if report.cash is not None else None
    if report.cash is not None and low is not None:
        say(
            f"  cash: £{report.cash.months[-1].closing_p / 100:,.0f} at the year end, lowest "
            f"£{low.closing_p / 100:,.0f} at the end of {low.month:%B %Y}"
        )
    say(f"Demo finished in {time.perf_counter() - started:.1f} s")
    return report
