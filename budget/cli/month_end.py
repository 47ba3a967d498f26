"""`careladder forecast`, `careladder outturn` and `careladder demo`: the month-end commands.

The forecasting and workbook modules are imported inside the commands, so that every other command starts
quickly (pandas, statsmodels and xlsxwriter are only loaded when a month end needs them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import UnusedWorkspaceOpt, WorkspaceOpt, err, handles_errors
from budget.monthend.report import direction
from ledgers.readers.money import words
from ledgers.store.workspace import load_workspace

PeriodOpt = Annotated[
    str, typer.Option("--period", help="Month end as YYYY-MM, e.g. 2019-12 (P9 of 2019/20).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


@handles_errors
def forecast(
    period: PeriodOpt,
    horizon: Annotated[
        int | None, typer.Option("--horizon", help="Months ahead (default: to the year end).")
    ] = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = Path("."),
    jobs: Annotated[int, typer.Option("--jobs", help="Worker processes for the statistical forecasts.")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="Address of an existing Dask scheduler.")] = None,
) -> None:
    """Forecast every line for the months after the period end and store the forecasts."""
    from budget.monthend.forecast_store import forecast_json
    from budget.monthend.outturn import forecast_run

    if horizon is not None and horizon < 1:
        err.print(f"error: --horizon must be at least 1 month; received {horizon}", markup=False)
        raise typer.Exit(2)
    ws = load_workspace(workspace)
    store = ws.open()
    try:
        forecasts = forecast_run(
            store.con, ws.settings, period, horizon=horizon, n_jobs=jobs, dask_address=dask
        )
    finally:
        store.close()
    n = sum(len(lf.months) for lf in forecasts.values())
    err.print(f"Forecast {len(forecasts)} lines, {n} line-months stored for {period}", markup=False)
    if as_json:
        typer.echo(json.dumps(forecast_json(period, forecasts)))


@handles_errors
def outturn(
    period: PeriodOpt,
    out: Annotated[Path | None, typer.Option("--out", help="Workbook to write (.xlsx).")] = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = Path("."),
    detail: Annotated[
        bool,
        typer.Option(
            "--detail", help="Also write outturn-YYYY-MM-detail.xlsx (finance team: what lies behind)."
        ),
    ] = False,
    cash: Annotated[bool, typer.Option("--cash", help="Add the Cash sheet (and cash to the JSON).")] = False,
) -> None:
    """The forecast outturn against budget: workbook for the finance meeting and/or JSON."""
    from budget.monthend.outturn import outturn_report
    from budget.monthend.outturn_json import outturn_json
    from budget.workbooks.outturn import write_outturn_workbook

    ws = load_workspace(workspace)
    store = ws.open()
    try:
        report = outturn_report(store.con, ws.settings, period, with_cash=cash)
        if detail:
            from budget.workbooks.detail import write_detail

            written = write_detail(store.con, ws.path, report, out.parent if out is not None else Path("."))
            err.print(f"Wrote {written}", markup=False)
        fy = ws.settings.financial_year
        from ledgers.store.queries import ledger_rows_to  # pandas: loaded on use, not for every command

        if ledger_rows_to(store.con, fy.start_year, report.period_no) == 0:
            err.print(
                f"warning: no ledger rows are stored for {fy.label} P1–P{report.period_no}: the forecast has no "
                "actuals to go on (run 'careladder ledger import FILE')",
                markup=False,
            )
    finally:
        store.close()
    if out is not None:
        write_outturn_workbook(report, out)
        err.print(f"Wrote {out}", markup=False)
    total = report.grand_total
    net = report.surplus.net_position_p
    err.print(
        f"{report.authority} {report.financial_year} P{report.period_no}: forecast net outturn "
        f"£{total.forecast_net_p / 100:,.0f} against budget £{total.budget_net_p / 100:,.0f}: "
        f"{words(net)} {direction(net, 'budget-minus-forecast')}",
        markup=False,
    )
    if as_json:
        typer.echo(json.dumps(outturn_json(report)))


@handles_errors
def demo(
    outdir: Annotated[Path, typer.Argument(help="Folder for the demo's inputs, workspace and workbooks.")],
    workspace: UnusedWorkspaceOpt = Path("."),
) -> None:
    """Build a realistic sample children's trust (2019/20) and run its December month end."""
    from budget.demo.run import run_demo

    run_demo(outdir, say=lambda s: err.print(s, markup=False))


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast)
    app.command("outturn")(outturn)
    app.command("demo")(demo)
