"""The forecast accuracy report: each line's monthly history backtested by the panel engine.

Series: every budget line's monthly net spend (pounds) and, on placement lines, the month-end number of
placements; the spend series are one panel and the placement numbers another, backtested exactly as the
forecast engine does it (every member's scores and the combination the panel chose at each origin).
Series shorter than ``MIN_MONTHS`` are listed as too short, never dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from budget.monthend.actuals import checked_period
from forecasts.placements.commitments import placement_series
from forecasts.series.engine import ForecastResult, forecast_frame, member_names
from forecasts.series.panel import MAX_ORIGINS as PANEL_ORIGINS
from ledgers.importers.placements import stored_placements
from ledgers.readers.periods import FinancialYear, month_label
from ledgers.readers.problems import WorkspaceError
from ledgers.store.queries import BudgetLine, budget_lines, monthly_history
from ledgers.store.workspace import Settings

MIN_MONTHS = 24
MAX_ORIGINS = PANEL_ORIGINS[12]  # monthly origins of the panel backtest
DEFAULT_MODELS = ("naive", "drift", "trend", "regression")  # the quick members; prophet only when asked for
CHART_STEPS = (1, 3)
SPEND, PLACEMENTS = "spend", "placements"


@dataclass(frozen=True)
class Score:
    """One method's backtest accuracy on one series (NaN when nothing could be scored)."""

    method: str
    mase: float
    smape: float
    coverage80: float
    coverage95: float


@dataclass
class PastForecasts:
    """Actuals over the backtest window and the chosen method's past forecasts made ``step`` months before."""

    months: list[str]  # YYYY-MM
    actual: list[float]
    by_step: dict[int, list[float | None]]


@dataclass
class SeriesAccuracy:
    """One series' scores per method, the panel's weights and the method the outturn uses for its line."""

    unique_id: str
    line: str
    measure: str
    months: int
    outturn_method: str
    chosen: str = ""
    weights: dict[str, float] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    past: PastForecasts | None = None

    @property
    def too_short(self) -> bool:
        return self.months < MIN_MONTHS

    def best_methods(self) -> set[str]:
        """The method(s) with the lowest MASE (ties all count)."""
        finite = [s for s in self.scores if math.isfinite(s.mase)]
        if not finite:
            return set()
        low = min(s.mase for s in finite)
        return {s.method for s in finite if s.mase <= low + 1e-12}


@dataclass
class AccuracyReport:
    authority: str
    financial_year: str
    period: str  # YYYY-MM
    period_no: int
    horizon: int
    models: tuple[str, ...]
    series: list[SeriesAccuracy]

    @property
    def scored(self) -> list[SeriesAccuracy]:
        return [s for s in self.series if not s.too_short]

    @property
    def too_short(self) -> list[SeriesAccuracy]:
        return [s for s in self.series if s.too_short]


def latest_period(con: duckdb.DuckDBPyConnection, fy: FinancialYear) -> int:
    """The latest period of ``fy`` with ledger rows stored."""
    row = con.execute("SELECT max(LEAST(period, 12)) FROM ledger WHERE fy = ?", [fy.start_year]).fetchone()
    if row is None or row[0] is None:
        raise WorkspaceError(f"no ledger stored for {fy.label}: run 'careladder ledger import FILE' first")
    return int(row[0])


def outturn_method(line: str, budget: BudgetLine | None, placement_lines: set[str]) -> str:
    """The method the outturn forecasts ``line`` with, as the budget sets it or by default."""
    if budget is None:
        return "actuals (not a budget line)"
    method = budget.method or ("commitments" if line in placement_lines else "run-rate")
    suffix = "" if budget.method else " (default)"
    if method == "commitments" and line not in placement_lines:
        return "run-rate (no placements on this line)"
    if method == "forecast":
        return (
            "forecast: placement-mix model"
            if line in placement_lines
            else "forecast: panel engine (pooled trend)"
        )
    return method + suffix


def month_ends(first: date, last: date) -> pd.DatetimeIndex:
    """Month ends from ``first``'s month to ``last``'s month."""
    return pd.date_range(pd.Timestamp(first) + pd.offsets.MonthEnd(0), pd.Timestamp(last), freq="ME")


def _from_first_nonzero(values: pd.Series) -> pd.Series:
    nonzero = np.flatnonzero(values.to_numpy(dtype=float) != 0)
    return values.iloc[nonzero[0] :] if len(nonzero) else values.iloc[0:0]


def spend_series(history: pd.DataFrame, grid: pd.DatetimeIndex) -> dict[str, pd.Series]:
    """Monthly net spend in pounds (expenditure + income) per line over ``grid``, from its first month with
    spend; months with no rows are 0."""
    if history.empty or grid.empty:
        return {}
    h = history.assign(
        ds=[
            FinancialYear(int(f)).month_end(int(p))
            for f, p in zip(history["fy"], history["period"], strict=True)
        ]
    )
    net = h.groupby(["line", "ds"])["amount_p"].sum()
    out: dict[str, pd.Series] = {}
    for line in net.index.get_level_values(0).unique():
        pence = net.loc[line]
        pence.index = pd.to_datetime(pence.index)
        full = pence.reindex(grid, fill_value=0).astype("int64")
        out[str(line)] = _from_first_nonzero(full / 100.0)
    return out


def placement_numbers(placements: pd.DataFrame, grid: pd.DatetimeIndex) -> dict[str, pd.Series]:
    """Month-end number of open placements per line over ``grid``, from its first month with one open."""
    if placements.empty or grid.empty:
        return {}
    frame = placement_series(placements, grid[0].date(), grid[-1].date())
    frame = frame[frame["unique_id"].str.endswith("|numbers")]
    out: dict[str, pd.Series] = {}
    for uid, g in frame.groupby("unique_id", sort=True):
        values = pd.Series(g["y"].to_numpy(dtype=float), index=pd.DatetimeIndex(g["ds"]))
        out[str(uid).rsplit("|", 1)[0]] = _from_first_nonzero(values)
    return out


def past_forecasts(y: pd.Series, result: ForecastResult, unique_id: str) -> PastForecasts:
    """Actuals over the backtest window and the combination's past forecasts there (None where none)."""
    past = result.past
    if past is None:
        return PastForecasts([], [], {step: [] for step in CHART_STEPS})
    found = {step: past.by_step(unique_id, step) for step in CHART_STEPS}
    start = min((min(f) for f in found.values() if f), default=len(y))
    window = range(start, len(y))
    by_step = {step: [f.get(i) for i in window] for step, f in found.items()}
    labels = [f"{d:%Y-%m}" for d in y.index[window.start :]]
    return PastForecasts(labels, [float(v) for v in y.to_numpy(dtype=float)[window.start :]], by_step)


def panel_backtest(
    values: dict[str, pd.Series],
    horizon: int,
    models: tuple[str, ...],
    n_jobs: int,
    dask_address: str | None,
    progress: bool,
) -> ForecastResult | None:
    """One panel (spend, or placement numbers) through the engine, backtest included."""
    if not values:
        return None
    frame = pd.concat(
        pd.DataFrame({"unique_id": uid, "ds": y.index, "y": y.to_numpy(dtype=float)})
        for uid, y in values.items()
    )
    return forecast_frame(
        frame, horizon, models=models, n_jobs=n_jobs, dask_address=dask_address, progress=progress
    )


def accuracy_report(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str | None = None,
    *,
    horizon: int | None = None,
    models: tuple[str, ...] = DEFAULT_MODELS,
    n_jobs: int = 1,
    dask_address: str | None = None,
    progress: bool = False,
) -> AccuracyReport:
    """Backtest every line's spend and every placement line's numbers up to ``period`` (YYYY-MM; default the
    latest stored period of the workspace year). ``horizon`` defaults to the months left in the year (at
    least 3). Raises WorkspaceError on a period outside the year or without ledger rows."""
    names = member_names(tuple(dict.fromkeys(models)), "M")  # unknown names raise ValueError before any work
    fy = settings.financial_year
    latest = latest_period(con, fy)
    if period is None:
        p = latest
    else:
        fy, p = checked_period(settings, period)
        if p > latest:
            raise WorkspaceError(
                f"--period {period} has no ledger stored; the latest stored month is {month_label(fy, latest)}"
            )
    h = max(3, 12 - p) if horizon is None else horizon
    if h < 1:
        raise WorkspaceError(f"--horizon must be at least 1 month; received {h}")
    lines = budget_lines(con, fy.start_year)
    if not lines:
        raise WorkspaceError(f"no budget stored for {fy.label}: run 'careladder budget import FILE' first")
    history = monthly_history(con, fy.start_year, p)
    first = min(
        FinancialYear(int(f)).month(int(q)) for f, q in zip(history["fy"], history["period"], strict=True)
    )
    grid = month_ends(first, fy.month_end(p))
    placements = stored_placements(con)
    spend = spend_series(history, grid)
    numbers = placement_numbers(placements, grid)
    series = _series_list(lines, spend, numbers)
    values = {s.unique_id: v for s, v in series}
    entries = [s for s, _ in series]
    for measure in (SPEND, PLACEMENTS):
        scored = {
            s.unique_id: values[s.unique_id] for s in entries if not s.too_short and s.measure == measure
        }
        result = panel_backtest(scored, h, names, n_jobs, dask_address, progress)
        if result is None:
            continue
        bt = result.backtest
        weights = {
            str(m): float(w)
            for m, w in result.weights.drop_duplicates("model")[["model", "weight"]].itertuples(index=False)
        }
        for s in entries:
            if s.unique_id not in scored:
                continue
            rows = bt[bt["unique_id"] == s.unique_id]
            cells = rows[["mase", "smape", "coverage80", "coverage95"]].to_numpy(dtype=float).tolist()
            s.scores = [Score(str(model), *vals) for model, vals in zip(rows["model"], cells, strict=True)]
            s.weights = weights
            s.chosen = result.methods.get(s.unique_id, "")
            s.past = past_forecasts(values[s.unique_id], result, s.unique_id)
    return AccuracyReport(settings.authority, fy.label, month_label(fy, p), p, h, names, entries)


def _series_list(
    lines: list[BudgetLine], spend: dict[str, pd.Series], numbers: dict[str, pd.Series]
) -> list[tuple[SeriesAccuracy, pd.Series]]:
    budget = {b.line: b for b in lines}
    placement_lines = set(numbers)
    order = [b.line for b in lines] + sorted(placement_lines - set(budget))
    out: list[tuple[SeriesAccuracy, pd.Series]] = []
    for line in order:
        method = outturn_method(line, budget.get(line), placement_lines)
        if line in budget:
            y = spend.get(line, pd.Series(dtype=float))
            out.append((SeriesAccuracy(f"{line}|{SPEND}", line, SPEND, len(y), method), y))
        if line in numbers:
            y = numbers[line]
            out.append((SeriesAccuracy(f"{line}|{PLACEMENTS}", line, PLACEMENTS, len(y), method), y))
    return out


def _number(v: float, digits: int = 6) -> float | None:
    return round(float(v), digits) if math.isfinite(v) else None


def report_json(report: AccuracyReport) -> dict[str, Any]:
    """``{"period", "series": [...], "too_short": [...]}``: scores per method, weights and the chosen method."""
    series = [
        {
            "unique_id": s.unique_id,
            "line": s.line,
            "measure": s.measure,
            "chosen": s.chosen,
            "weights": {m: _number(w) for m, w in s.weights.items()},
            "scores": {
                sc.method: {
                    "mase": _number(sc.mase),
                    "smape": _number(sc.smape),
                    "coverage80": _number(sc.coverage80),
                    "coverage95": _number(sc.coverage95),
                }
                for sc in s.scores
            },
        }
        for s in report.scored
    ]
    short = [
        {"unique_id": s.unique_id, "line": s.line, "measure": s.measure, "months": s.months}
        for s in report.too_short
    ]
    return {
        "period": report.period,
        "horizon": report.horizon,
        "models": list(report.models),
        "min_months": MIN_MONTHS,
        "max_origins": MAX_ORIGINS,
        "series": series,
        "too_short": short,
    }
