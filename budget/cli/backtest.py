"""`careladder backtest`: how accurate the forecasts of each line would have been (the accuracy report).

The forecasting and workbook modules are imported inside the command, so other commands start quickly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import WorkspaceOpt, err, handles_errors
from budget.cli.year import YearOpt, year_of
from ledgers.store.workspace import load_workspace


@handles_errors
def backtest(
    period: Annotated[
        str | None,
        typer.Option("--period", help="Month end as YYYY-MM (default: the latest stored month of the year)."),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option(
            "--horizon", help="Months ahead to score (default: the months left in the year, at least 3)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Workbook to write (.xlsx).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
    models: Annotated[
        str | None,
        typer.Option(
            "--models",
            help="Comma-separated members: naive,seasonal-naive,drift,trend,regression,prophet (default: all but prophet).",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", help="Worker processes for the backtests.")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="Address of an existing Dask scheduler.")] = None,
    year: YearOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Backtest each line's spend and placement numbers: MASE, sMAPE and interval coverage per method; with
    --json also how right a closed year's month ends were (`month_end_accuracy`)."""
    from budget.monthend.accuracy import DEFAULT_MODELS, accuracy_report, report_json
    from budget.monthend.story import latest_track_record, settings_for_year
    from budget.monthend.track_record import track_record_json
    from budget.workbooks.backtest import write_backtest_workbook

    if horizon is not None and horizon < 1:
        err.print(f"error: --horizon must be at least 1 month; received {horizon}", markup=False)
        raise typer.Exit(2)
    names = tuple(m.strip() for m in models.split(",") if m.strip()) if models else DEFAULT_MODELS
    ws = load_workspace(workspace)
    settings = settings_for_year(ws.settings, year_of(ws.settings, year))
    store = ws.open()
    try:
        record = latest_track_record(store.con, settings, settings.financial_year)
        report = accuracy_report(
            store.con,
            settings,
            period,
            horizon=horizon,
            models=names,
            n_jobs=jobs,
            dask_address=dask,
            progress=sys.stderr.isatty() and not as_json,
        )
    except ValueError as exc:  # unknown model names
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    finally:
        store.close()
    if out is not None:
        write_backtest_workbook(report, out)
        err.print(f"Wrote {out}", markup=False)
    scored = report.scored
    beats = sum(1 for s in scored for sc in s.scores if sc.method == "ensemble" and sc.mase < 1)
    err.print(
        f"{report.authority} {report.financial_year} to {report.period}: {len(scored)} series backtested "
        f"{report.horizon} month(s) ahead; the chosen method beats seasonal naive (MASE < 1) on {beats}",
        markup=False,
    )
    for s in report.too_short:
        err.print(f"too short: {s.line} ({s.measure}) has {s.months} month(s) of history", markup=False)
    if as_json:
        typer.echo(json.dumps(report_json(report) | {"month_end_accuracy": track_record_json(record)}))


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
