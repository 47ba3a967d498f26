"""``careladder series forecast FILE``: statistical forecasts of any long-format series CSV."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from budget.cli.console import UnusedWorkspaceOpt, handles_errors

if TYPE_CHECKING:
    import pandas as pd

    from forecasts.series.engine import ForecastResult

app = typer.Typer(help="Forecast long-format series (unique_id, ds, y).", pretty_exceptions_show_locals=False)


@app.callback()
def series() -> None:
    """Statistical forecasts of series files (monthly, quarterly or annual)."""


def _number(v: float) -> float | None:
    return None if not math.isfinite(v) else round(float(v), 6)


BOUNDS = ("y", "lo80", "hi80", "lo95", "hi95")


def _forecast_rows(g: pd.DataFrame) -> list[tuple[str, list[float]]]:
    """(ISO date, [y, lo80, hi80, lo95, hi95]) for each forecast period of one series."""
    dates = [str(d) for d in g["ds"].dt.strftime("%Y-%m-%d")]
    values = g[list(BOUNDS)].to_numpy(dtype=float).tolist()
    return list(zip(dates, values, strict=True))


def result_json(result: ForecastResult, with_backtest: bool) -> dict[str, Any]:
    """The contract's ``series forecast --json`` object."""
    out: list[dict[str, Any]] = []
    for uid, g in result.forecasts.groupby("unique_id", sort=False):
        item: dict[str, Any] = {
            "unique_id": str(uid),
            "method": str(g["method"].iloc[0]),
            "forecast": [
                {"ds": ds, **{k: _number(v) for k, v in zip(BOUNDS, vals, strict=True)}}
                for ds, vals in _forecast_rows(g)
            ],
        }
        if with_backtest:
            scores = result.backtest[result.backtest["unique_id"] == uid]
            item["backtest"] = {
                str(m): _number(float(v)) for m, v in zip(scores["model"], scores["mase"], strict=True)
            }
        out.append(item)
    return {"series": out}


def _print_tables(result: ForecastResult, with_backtest: bool, console: Console) -> None:
    for uid, g in result.forecasts.groupby("unique_id", sort=False):
        table = Table(title=f"{uid}: {g['method'].iloc[0]}")
        for col in ("ds", "forecast", "80% low", "80% high", "95% low", "95% high"):
            table.add_column(col, justify="left" if col == "ds" else "right")
        for ds, vals in _forecast_rows(g):
            table.add_row(ds, *(f"{v:,.2f}" for v in vals))
        console.print(table)
        if with_backtest:
            bt = result.backtest[result.backtest["unique_id"] == uid]
            t2 = Table(title=f"{uid}: backtest")
            for col in ("model", "MASE", "sMAPE %", "80% coverage", "95% coverage"):
                t2.add_column(col, justify="left" if col == "model" else "right")
            numbers = bt[["mase", "smape", "coverage80", "coverage95"]].to_numpy(dtype=float).tolist()
            for model, (m, sm, c80, c95) in zip(bt["model"], numbers, strict=True):
                t2.add_row(str(model), f"{m:.3f}", f"{sm:.1f}", f"{c80:.0%}", f"{c95:.0%}")
            console.print(t2)


@app.command("forecast")
@handles_errors
def forecast(
    file: Annotated[Path, typer.Argument(help="CSV with columns unique_id, ds, y")],
    horizon: Annotated[int, typer.Option("--horizon", help="periods to forecast")],
    backtest: Annotated[
        bool, typer.Option("--backtest", help="show each member's and the combination's backtest MASE")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
    models: Annotated[
        str | None,
        typer.Option(
            "--models",
            help="comma-separated members: naive,seasonal-naive,drift,trend,regression,prophet "
            "(default naive,drift,trend,regression and, unless annual, prophet)",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", help="worker processes")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="address of a running Dask scheduler")] = None,
    nonnegative: Annotated[bool, typer.Option("--nonnegative", help="no forecast or bound below 0")] = False,
    workspace: UnusedWorkspaceOpt = Path("."),
) -> None:
    """Forecast the panel of series in FILE HORIZON periods ahead with pooled conformal 80%/95% intervals.

    Every series is naive (seasonal naive for monthly data), or a smoothed level, times the panel's pooled,
    damped trend, one configuration (or the mean of its best few) chosen once for the panel by a
    rolling-origin backtest; the method label says what it chose.
    """
    from forecasts.series.engine import (
        forecast_frame,  # loaded on use: keeps every other command quick to start
    )
    from forecasts.series.frames import read_series_csv

    if not file.is_file():
        typer.echo(
            f"{file}: {'is a folder; give a CSV file' if file.is_dir() else 'file not found'}", err=True
        )
        raise typer.Exit(2)
    names = [m.strip() for m in models.split(",") if m.strip()] if models else None
    try:
        frame = read_series_csv(file)
        result = forecast_frame(
            frame,
            horizon,
            backtest=True,
            models=names,
            n_jobs=jobs,
            dask_address=dask,
            nonnegative=nonnegative,
            progress=sys.stderr.isatty(),
        )
    except ValueError as exc:  # SeriesError included
        message = str(exc)
        typer.echo(message if message.startswith(f"{file}:") else f"{file}: {message}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(result_json(result, backtest)) + "\n")
    else:
        _print_tables(result, backtest, Console())
