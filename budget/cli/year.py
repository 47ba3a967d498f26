"""`careladder year close | start | reopen`: one workspace, year after year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import WorkspaceOpt, err, handles_errors
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Settings, load_workspace

year_app = typer.Typer(help="Close a financial year and start the next.", no_args_is_help=True)

YearOpt = Annotated[
    str | None,
    typer.Option("--year", help="Financial year to read, e.g. 2018/19 (default: the workspace's year)."),
]


def year_of(settings: Settings, text: str | None) -> FinancialYear:
    """The ``--year`` given (or the workspace's), as a financial year; a clear error when malformed."""
    if text is None:
        return settings.financial_year
    try:
        return FinancialYear.parse(text)
    except ValueError as exc:
        raise WorkspaceError(f"--year: {exc}") from None


@year_app.command("close")
@handles_errors
def year_close(
    year: YearOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Final outturn workbook to write (.xlsx).")
    ] = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Run the final outturn at P12 (with any period 13 adjustments), store it and close the year."""
    from budget.monthend.year_end import close_year
    from budget.workbooks.outturn import write_outturn_workbook
    from ledgers.readers.money import console_money, words

    ws = load_workspace(workspace)
    fy = year_of(ws.settings, year)
    store = ws.open()
    try:
        report = close_year(store.con, ws.settings, fy)
    finally:
        store.close()
    if out is not None:
        write_outturn_workbook(report, out)
        err.print(f"Wrote {out}", markup=False)
    s = report.surplus
    err.print(
        f"{fy.label} closed: final net outturn {console_money(report.grand_total.forecast_net_p)} against budget "
        f"{console_money(report.grand_total.budget_net_p)} ({words(s.net_position_p)} "
        f"{'underspend' if s.net_position_p > 0 else 'overspend' if s.net_position_p < 0 else 'on budget'}); "
        f"council's share {console_money(s.council_share_p)}, final contract sum {console_money(s.final_contract_sum_p)}",
        markup=False,
    )


@year_app.command("start")
@handles_errors
def year_start(
    year: Annotated[str, typer.Argument(help="The new financial year, e.g. 2020/21.")],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Move the workspace on to the next financial year (import its budget next)."""
    from budget.monthend.year_end import start_year

    ws = load_workspace(workspace)
    fy = year_of(ws.settings, year)
    store = ws.open()
    try:
        started = start_year(store.con, workspace, ws.settings, fy)
    finally:
        store.close()
    if not started.previous_closed:
        err.print(
            f"warning: {started.previous.label} is not closed yet: close it with "
            f"'careladder year close --year {started.previous.label}' once its year-end ledger is in",
            markup=False,
        )
    err.print(
        f"Workspace moved on to {fy.label}; {started.commentary_keys} commentary key(s), the savings plan and "
        f"the scenarios carried forward. Next: 'careladder budget import FILE' for {fy.label}",
        markup=False,
    )


@year_app.command("reopen")
@handles_errors
def year_reopen(
    year: Annotated[str, typer.Argument(help="The closed financial year, e.g. 2019/20.")],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Reopen a closed year: its imports are accepted again; close it again to store a new final outturn."""
    from budget.monthend.year_end import reopen_year

    ws = load_workspace(workspace)
    fy = year_of(ws.settings, year)
    store = ws.open()
    try:
        reopen_year(store.con, fy)
    finally:
        store.close()
    err.print(
        f"{fy.label} reopened: imports into it are accepted; 'careladder year close' closes it again",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(year_app, name="year")
