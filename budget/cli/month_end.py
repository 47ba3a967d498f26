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
from budget.cli.year import YearOpt, year_of
from budget.monthend.report import direction
from ledgers.readers.money import console_money, words
from ledgers.store.workspace import load_workspace

PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period", help="Month end: 2019-12, Dec-19, December 2019 or P9 (of the workspace's year)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
AllowMissingOpt = Annotated[
    bool,
    typer.Option(
        "--allow-missing-actuals",
        help="Run even though the ledger does not reach the period (every sheet and the JSON say so).",
    ),
]


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
    allow_missing_actuals: AllowMissingOpt = False,
    year: YearOpt = None,
) -> None:
    """Forecast every line for the months after the period end and store the forecasts. With --year, an
    earlier year that is open (a closed year's forecasts are final: reopen it first)."""
    from budget.monthend.forecast_store import forecast_json
    from budget.monthend.outturn import forecast_run
    from budget.monthend.story import settings_for_year

    if horizon is not None and horizon < 1:
        err.print(f"error: --horizon must be at least 1 month; received {horizon}", markup=False)
        raise typer.Exit(2)
    ws = load_workspace(workspace)
    fy = year_of(ws.settings, year)
    store = ws.open()
    try:
        run = forecast_run(
            store.con,
            settings_for_year(ws.settings, fy),
            period,
            horizon=horizon,
            n_jobs=jobs,
            dask_address=dask,
            allow_missing_actuals=allow_missing_actuals,
        )
    finally:
        store.close()
    say_first(run.missing_actuals, run.messages)
    forecasts = run.forecasts
    n = sum(len(lf.months) for lf in forecasts.values())
    err.print(f"Forecast {len(forecasts)} lines, {n} line-months stored for {period}", markup=False)
    if as_json:
        typer.echo(json.dumps(forecast_json(period, forecasts, run.missing_actuals)))


def say_first(missing_actuals: str | None, messages: list[str]) -> None:
    """What a month-end run must tell the officer before its figures."""
    if missing_actuals:
        err.print(f"warning: {missing_actuals}", markup=False)
    for m in messages:
        err.print(m, markup=False)


@handles_errors
def outturn(
    period: PeriodOpt,
    out: Annotated[Path | None, typer.Option("--out", help="Workbook to write (.xlsx).")] = None,
    as_json: JsonOpt = False,
    year: YearOpt = None,
    workspace: WorkspaceOpt = Path("."),
    allow_missing_actuals: AllowMissingOpt = False,
    detail: Annotated[
        bool,
        typer.Option(
            "--detail", help="Also write outturn-YYYY-MM-detail.xlsx (finance team: what lies behind)."
        ),
    ] = False,
    cash: Annotated[bool, typer.Option("--cash", help="Add the Cash sheet (and cash to the JSON).")] = False,
) -> None:
    """The forecast outturn against budget: workbook for the finance meeting and/or JSON. With --year, an
    earlier year (a closed year is read as stored: nothing is saved)."""
    from budget.monthend.outturn import outturn_report
    from budget.monthend.outturn_json import outturn_json
    from budget.monthend.story import settings_for_year
    from budget.workbooks.outturn import write_outturn_workbook

    ws = load_workspace(workspace)
    fy = year_of(ws.settings, year)
    store = ws.open()
    try:
        report = outturn_report(
            store.con,
            settings_for_year(ws.settings, fy),
            period,
            with_cash=cash,
            allow_missing_actuals=allow_missing_actuals,
        )
        if detail:
            from budget.workbooks.detail import write_detail

            written = write_detail(store.con, ws.path, report, out.parent if out is not None else Path("."))
            err.print(f"Wrote {written}", markup=False)
    finally:
        store.close()
    say_first(report.missing_actuals, report.messages)
    if out is not None:
        write_outturn_workbook(report, out)
        err.print(f"Wrote {out}", markup=False)
    total = report.grand_total
    net = report.surplus.net_position_p
    err.print(
        f"{report.authority} {report.financial_year} P{report.period_no}: forecast net outturn "
        f"{console_money(total.forecast_net_p)} against budget {console_money(total.budget_net_p)}: "
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
