"""The month-end forecast outturn: actuals to the period + forecast of the remaining months + adjustments."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from budget.monthend.cash import cash_position
from budget.monthend.commentary import with_commentary
from budget.monthend.explain import explainer_for
from budget.monthend.forecast_store import store_forecasts, stored_forecasts
from budget.monthend.funding import fund_positions
from budget.monthend.movement import save_snapshot
from budget.monthend.report import Figures, HeadingResult, LineResult, OutturnReport, variance_pence
from budget.monthend.surplus import surplus_share
from budget.monthend.variance import variance_rows
from budget.plans.savings import savings_for_line, tracker_for
from forecasts.lines import STAT_MODELS, LineForecast, line_forecasts, placement_numbers_to_date
from ledgers.importers.placements import stored_placements
from ledgers.readers.periods import FinancialYear, month_label, parse_month
from ledgers.readers.problems import WorkspaceError
from ledgers.store.queries import (
    actuals_to,
    adjustments_for,
    budget_lines,
    imports_used,
    monthly_history,
    placement_invoiced,
    previous_run,
    suspense_rows,
)
from ledgers.store.schema import SUSPENSE_HEADING, SUSPENSE_LINE
from ledgers.store.workspace import Settings


def rag_status(variance_net_p: int, budget_net_p: int, amber: float, red: float, threshold_p: int) -> str:
    """Red/amber/green by |variance| as a share of |budget| (a zero budget: red at the threshold)."""
    v = abs(variance_net_p)
    if v == 0:
        return "green"
    if budget_net_p == 0:
        return "red" if v >= threshold_p else "amber"
    share = v / abs(budget_net_p)
    return "red" if share >= red else "amber" if share >= amber else "green"


def checked_period(settings: Settings, period: str) -> tuple[FinancialYear, int]:
    try:
        fy, p = parse_month(period)
    except ValueError as exc:
        raise WorkspaceError(str(exc)) from None
    if fy != settings.financial_year:
        raise WorkspaceError(
            f"--period {period} is in {fy.label}, but the workspace is for {settings.financial_year.label}"
        )
    return fy, p


def compute_forecasts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fy: FinancialYear,
    period: int,
    *,
    horizon: int | None = None,
    models: tuple[str, ...] = STAT_MODELS,
    reuse_stored: bool = False,
    n_jobs: int = 1,
    dask_address: str | None = None,
) -> tuple[dict[str, LineForecast], pd.DataFrame]:
    """Forecasts of every line after ``period`` (and the placements frame they used)."""
    lines = budget_lines(con, fy.start_year)
    if not lines:
        raise WorkspaceError(f"no budget stored for {fy.label}: run 'careladder budget import FILE' first")
    actual = actuals_to(con, fy.start_year, period)
    placements = stored_placements(con)
    extra = sorted(set(actual.gross_p) | set(actual.income_p))
    stored = (
        stored_forecasts(con, fy, period, {b.line for b in lines if b.is_income}) if reuse_stored else None
    )
    forecasts = line_forecasts(
        fy,
        period,
        lines,
        extra,
        actual.monthly,
        monthly_history(con, fy.start_year, period),
        placements,
        placement_invoiced(con, fy.start_year, period),
        horizon=horizon,
        stored=stored,
        models=models,
        n_jobs=n_jobs,
        dask_address=dask_address,
    )
    return forecasts, placements


def forecast_run(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str,
    *,
    horizon: int | None = None,
    n_jobs: int = 1,
    dask_address: str | None = None,
) -> dict[str, LineForecast]:
    """`careladder forecast`: every line's forecast after ``period``, stored for the outturn to reuse."""
    fy, p = checked_period(settings, period)
    forecasts, _ = compute_forecasts(
        con, settings, fy, p, horizon=horizon, n_jobs=n_jobs, dask_address=dask_address
    )
    store_forecasts(con, fy, p, forecasts)
    return forecasts


def outturn_report(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str,
    *,
    save: bool = True,
    models: tuple[str, ...] = STAT_MODELS,
    with_cash: bool = False,
) -> OutturnReport:
    """Compute the outturn for ``period`` (YYYY-MM); store its line forecasts for next month's movement."""
    fy, p = checked_period(settings, period)
    sign = settings.variance_sign
    lines = budget_lines(con, fy.start_year)
    forecasts, placements = compute_forecasts(con, settings, fy, p, models=models, reuse_stored=True)
    actual = actuals_to(con, fy.start_year, p)
    adjustments = adjustments_for(con, fy.start_year, p) if p < 12 else []
    adj_by_line: dict[str, int] = {}
    for line, amount, _, _ in adjustments:
        adj_by_line[line] = adj_by_line.get(line, 0) + amount
    prev_p, prev_nets = previous_run(con, fy.start_year, p)
    numbers = placement_numbers_to_date(placements, fy, p) if len(placements) else {}
    results: list[LineResult] = []
    budget_by_line = {b.line: b for b in lines}
    names = [b.line for b in lines] + [x for x in forecasts if x not in budget_by_line]
    for name in names:
        b = budget_by_line.get(name)
        lf = forecasts[name]
        rem_g, rem_i = lf.remaining(fy.end)
        adj = adj_by_line.get(name, 0)
        income_line = b.is_income if b else False
        ag, ai = actual.gross_p.get(name, 0), actual.income_p.get(name, 0)
        fig = Figures(
            b.gross_p if b else 0,
            b.income_p if b else 0,
            ag + rem_g + (0 if income_line else adj),
            ai + rem_i + (adj if income_line else 0),
        )
        low, high = lf.range_net(fy.end)
        base = ag + ai + adj
        heading = b.heading if b else (SUSPENSE_HEADING if name == SUSPENSE_LINE else "Unbudgeted lines")
        n_year = _numbers_for_year(numbers.get(name), lf, fy, p)
        results.append(
            LineResult(
                name=name,
                heading=heading,
                figures=fig,
                actual_gross_p=ag,
                actual_income_p=ai,
                method=lf.method,
                method_note=lf.note,
                adjustments_p=adj,
                movement_net_p=(fig.forecast_net_p - prev_nets[name])
                if prev_p and name in prev_nets
                else None,
                best_net_p=None if low is None else base + low,
                worst_net_p=None if high is None else base + high,
                funded_by=b.funded_by if b else None,
                numbers=n_year,
                budget_numbers=b.budget_numbers if b else None,
                rag=rag_status(
                    fig.variances(sign)[2],
                    fig.budget_net_p,
                    settings.rag_amber,
                    settings.rag_red,
                    settings.variance_threshold_p,
                ),
                is_suspense=name == SUSPENSE_LINE,
            )
        )
    headings = _headings(results, prev_p, prev_nets)
    prev_label = f"P{prev_p}" if prev_p else None
    explainer = explainer_for(
        con,
        fy,
        p,
        sign,
        settings.variance_threshold_p,
        prev_p,
        lines,
        results,
        placements,
        actual.monthly,
        adj_by_line,
    )
    total = Figures()
    for h in headings:
        total.add(h.figures)
    net_position = variance_pence(total.budget_net_p, total.forecast_net_p, "budget-minus-forecast")
    funded = [(ln.name, ln.funded_by or "", ln.figures.variances(sign)[2]) for ln in results if ln.funded_by]
    savings = tracker_for(con, settings, fy, p, placements)
    explainer.savings_text = {ln.name: savings_for_line(savings, ln.name) for ln in results}
    report = OutturnReport(
        savings=savings,
        authority=settings.authority,
        financial_year=fy.label,
        period=month_label(fy, p),
        period_no=p,
        variance_sign=sign,
        threshold_p=settings.variance_threshold_p,
        rag_amber=settings.rag_amber,
        rag_red=settings.rag_red,
        headings=headings,
        lines=results,
        variances=variance_rows(
            headings,
            results,
            sign,
            settings.variance_threshold_p,
            prev_label,
            explainer.line,
            explainer.heading,
        ),
        surplus=surplus_share(settings, net_position, funded),
        adjustments=[(line, amount, reason) for line, amount, reason, _ in adjustments],
        suspense=suspense_rows(con, fy.start_year, p),
        data_as_at=f"{fy.month_end(p):%d/%m/%Y}",
    )
    report.notes = _notes(con, report, results, prev_label, p)
    report.funding = fund_positions(con, fy, p, results)
    if with_cash:
        report.cash = cash_position(con, settings, period, forecasts, set(placements["line"]))
    with_commentary(con, fy.start_year, p, report.variances)
    if save:
        save_run(con, fy, p, results, placements)
        save_snapshot(con, fy, p, placements, forecasts, adj_by_line)
    return report


def _numbers_for_year(to_date: float | None, lf: LineForecast, fy: FinancialYear, p: int) -> float | None:
    """Average placements over the year: actual placement-days to date and forecast numbers after."""
    months = [m for m in lf.months if m.numbers is not None and m.month <= fy.end]
    if to_date is None and not months:
        return None
    days_to = (fy.month_end(p) - fy.start).days + 1
    total_days = (fy.end - fy.start).days + 1
    ahead = sum((m.numbers or 0.0) * pd.Timestamp(m.month).days_in_month for m in months)
    return ((to_date or 0.0) * days_to + ahead) / total_days


def _headings(
    results: list[LineResult], prev_p: int | None, prev_nets: dict[str, int]
) -> list[HeadingResult]:
    out: dict[str, HeadingResult] = {}
    moved: dict[str, int | None] = {}
    for ln in results:
        h = out.setdefault(ln.heading, HeadingResult(ln.heading, Figures()))
        h.figures.add(ln.figures)
        if prev_p is None:
            moved[ln.heading] = None
        else:
            m = ln.movement_net_p if ln.movement_net_p is not None else ln.figures.forecast_net_p
            moved[ln.heading] = (moved.get(ln.heading) or 0) + m
    for name, h in out.items():
        h.movement_net_p = moved.get(name)
    return list(out.values())


def save_run(
    con: duckdb.DuckDBPyConnection,
    fy: FinancialYear,
    p: int,
    results: list[LineResult],
    placements: pd.DataFrame,
) -> None:
    """Store this run's line forecasts (replacing an earlier run of the same period)."""
    now = datetime.now()
    end = pd.Timestamp(fy.month_end(p))
    open_ = placements[
        (placements["start_date"] <= end) & (placements["end_date"].isna() | (placements["end_date"] > end))
    ]
    counts = open_.groupby("line").size().to_dict()
    avg = open_.groupby("line")["weekly_cost_p"].mean().to_dict()
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM outturn_lines WHERE fy = ? AND period = ?", [fy.start_year, p])
    for ln in results:
        f = ln.figures
        con.execute(
            "INSERT INTO outturn_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                fy.start_year,
                p,
                ln.name,
                ln.heading,
                f.budget_gross_p,
                f.budget_income_p,
                f.forecast_gross_p,
                f.forecast_income_p,
                ln.actual_gross_p,
                ln.actual_income_p,
                ln.adjustments_p,
                ln.method,
                int(counts.get(ln.name, 0)),
                int(round(avg[ln.name])) if ln.name in avg else None,
                now,
            ],
        )
    con.execute("COMMIT")


def _notes(
    con: duckdb.DuckDBPyConnection,
    report: OutturnReport,
    results: list[LineResult],
    prev_label: str | None,
    p: int,
) -> list[tuple[str, str]]:
    notes = [
        ("Authority", report.authority),
        ("Financial year", report.financial_year),
        ("Period", f"P{p} ({report.period})"),
        ("Data as at", report.data_as_at),
        ("Produced", datetime.now().strftime("%d/%m/%Y %H:%M")),
        ("Movement compared with", prev_label or "n/a (no earlier run stored for this year)"),
    ]
    if p == 12:
        notes.append(("Year end", "P12: the forecast outturn is the actuals; adjustments are not applied."))
    for iid, kind, file, rows, when in imports_used(con):
        notes.append((f"Import #{iid}", f"{kind}: {file}, {rows} rows, {when}"))
    for ln in results:
        text = ln.method + (f" — {ln.method_note}" if ln.method_note else "")
        notes.append((f"Method: {ln.name}", text))
    return notes
