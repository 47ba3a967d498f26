"""`careladder cash`: the cash position to the year end; `careladder cash import FILE`: month-end bank balances."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import SheetOpt, WorkspaceOpt, err, handles_errors
from budget.cli.imports import FileArg, run
from ledgers.readers.money import money_text
from ledgers.store.workspace import load_workspace

app = typer.Typer(
    help="The cash position to the year end (--period), or import month-end bank balances (import FILE).",
    invoke_without_command=True,
)


@app.callback()
@handles_errors
def cash(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", help="Month end as YYYY-MM, e.g. 2019-12 (P9 of 2019/20).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Workbook to write (.xlsx).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Month-end cash balances to the year end: opening balance, contract payments, income, payments."""
    if ctx.invoked_subcommand is not None:
        return
    if period is None:
        err.print("error: --period YYYY-MM is required (or: careladder cash import FILE)", markup=False)
        raise typer.Exit(2)
    from budget.monthend.actuals import checked_period
    from budget.monthend.cash import cash_position
    from budget.monthend.outturn import compute_forecasts

    ws = load_workspace(workspace)
    store = ws.open()
    try:
        fy, p = checked_period(ws.settings, period)
        forecasts, placements = compute_forecasts(store.con, ws.settings, fy, p, reuse_stored=True)
        position = cash_position(store.con, ws.settings, period, forecasts, set(placements["line"]))
    finally:
        store.close()
    if out is not None:
        from budget.workbooks.cash import write_cash_workbook

        write_cash_workbook(position, out)
        err.print(f"Wrote {out}", markup=False)
    low = position.lowest
    if low is not None:
        err.print(
            f"{position.authority} cash: {money_text(position.opening_p)} at {position.opening_at:%d/%m/%Y}, "
            f"{money_text(position.months[-1].closing_p)} at the year end; lowest {money_text(low.closing_p)} "
            f"at the end of {low.month:%B %Y}",
            markup=False,
        )
    for note in position.notes:
        err.print(f"note: {note}", markup=False)
    if as_json:
        typer.echo(json.dumps(position.as_json()))


@app.command("import")
@handles_errors
def cash_import(file: FileArg, workspace: WorkspaceOpt = Path("."), sheet: SheetOpt = None) -> None:
    """Import month-end bank balances (date, balance); the latest up to the period opens the cash position."""
    from ledgers.importers.cash import import_cash_balances

    run(workspace, lambda s, fy: import_cash_balances(s, file, fy, sheet))
