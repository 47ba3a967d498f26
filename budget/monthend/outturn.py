"""The month-end forecast outturn: actuals to the period + forecast of the remaining months + adjustments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd

from budget.monthend.actuals import (
    actuals_period,
    checked_actuals,
    checked_period,
    missing_actuals_text,
    reclassified,
)
from budget.monthend.cash import cash_position
from budget.monthend.commentary import with_commentary
from budget.monthend.contract import contract_line_of, revised_contract_sum_p
from budget.monthend.explain import explainer_for
from budget.monthend.forecast_store import store_forecasts, stored_forecasts
from budget.monthend.funding import fund_positions
from budget.monthend.history import month_end_history
from budget.monthend.movement import movement_since, quarter_end_before, save_snapshot
from budget.monthend.report import (
    Figures,
    HeadingResult,
    LineResult,
    OutturnReport,
    rag_status,
    variance_pence,
)
from budget.monthend.story import with_year_story
from budget.monthend.surplus import surplus_share
from budget.monthend.variance import variance_rows
from budget.plans.savings import savings_for_line, tracker_for
from forecasts.lines import STAT_MODELS, LineForecast, line_forecasts, placement_numbers_to_date
from ledgers.importers.placements import stored_placements
from ledgers.readers.periods import FinancialYear, month_label
from ledgers.readers.problems import WorkspaceError
from ledgers.store.queries import (
    actuals_to,
    adjustments_for,
    budget_lines,
    imports_used,
    kind_decisions,
    monthly_history,
    placement_invoiced,
    suspense_rows,
)
from ledgers.store.schema import SUSPENSE_HEADING, SUSPENSE_LINE
from ledgers.store.workspace import Settings
from ledgers.store.years import is_closed, refuse_if_closed

RUN_COLUMNS = [
    "fy", "period", "line", "heading", "budget_gross_p", "budget_income_p", "forecast_gross_p",
    "forecast_income_p", "actual_gross_p", "actual_income_p", "adjustments_p", "method", "open_placements",
    "avg_weekly_cost_p", "run_at", "numbers",
]  # fmt: skip
QUICK_DRAWS = 50  # placement-model simulations of a quick run


def placements_as_known(placements: pd.DataFrame, day: date) -> pd.DataFrame:
    """The placements list as it stood at the end of ``day``: later starts unknown, later ends still open."""
    at = pd.Timestamp(day)
    known = placements[placements["start_date"] <= at].copy()
    known.loc[known["end_date"] > at, "end_date"] = pd.NaT
    return known


@dataclass
class ForecastRun:
    """What `careladder forecast` did: the line forecasts stored, and what it needs to say."""

    forecasts: dict[str, LineForecast]
    missing_actuals: str | None = None
    messages: list[str] = field(default_factory=list)


def compute_forecasts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fy: FinancialYear,
    period: int,
    *,
    horizon: int | None = None,
    models: tuple[str, ...] = STAT_MODELS,
    reuse_stored: bool = False,
    stored_period: int | None = None,
    n_jobs: int = 1,
    dask_address: str | None = None,
    quick: bool = False,
    as_known: bool = False,
) -> tuple[dict[str, LineForecast], pd.DataFrame]:
    """Forecasts of every line after ``period`` (and the placements frame they used); ``quick``: no ranges,
    fewer placement-model draws and no statistical backtest (month ends stored only as history); ``as_known``:
    the placements list as it stood at the period end (a past month end re-run from today's list);
    ``stored_period``: the month end whose stored forecasts are reused (default ``period``)."""
    lines = budget_lines(con, fy.start_year)
    if not lines:
        raise WorkspaceError(f"no budget stored for {fy.label}: run 'careladder budget import FILE' first")
    actual = actuals_to(con, fy.start_year, period)
    placements = stored_placements(con)
    if as_known:
        placements = placements_as_known(placements, fy.month_end(period))
    extra = sorted(set(actual.gross_p) | set(actual.income_p))
    stored = (
        stored_forecasts(con, fy, stored_period or period, {b.line for b in lines if b.is_income})
        if reuse_stored
        else None
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
        ranges=not quick,
        draws=QUICK_DRAWS if quick else 200,
        backtest=not quick,
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
    allow_missing_actuals: bool = False,
) -> ForecastRun:
    """`careladder forecast`: every line's forecast after ``period``, stored for the outturn to reuse.

    Refused when the ledger does not reach ``period`` unless ``allow_missing_actuals``, and in a closed year
    (its stored forecasts are final)."""
    fy, p = checked_period(settings, period)
    refuse_if_closed(con, fy)
    gap = checked_actuals(con, fy, p, allow_missing_actuals)
    messages = reclassified(con, settings)
    forecasts, _ = compute_forecasts(
        con,
        settings,
        fy,
        actuals_period(con, fy, p),
        horizon=horizon,
        n_jobs=n_jobs,
        dask_address=dask_address,
    )
    store_forecasts(con, fy, p, forecasts)
    return ForecastRun(forecasts, missing_actuals_text(gap, fy, p, actuals_period(con, fy, p)), messages)


def outturn_report(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str,
    *,
    save: bool = True,
    models: tuple[str, ...] = STAT_MODELS,
    quick: bool = False,
    as_known: bool = False,
    allow_missing_actuals: bool = False,
    with_cash: bool = False,
) -> OutturnReport:
    """Compute the outturn for ``period`` (YYYY-MM); store its line forecasts for next month's movement.

    Refused when the ledger does not reach ``period`` unless ``allow_missing_actuals`` (the report then says
    so in ``missing_actuals``)."""
    fy, p = checked_period(settings, period)
    gap = checked_actuals(con, fy, p, allow_missing_actuals)
    messages = reclassified(con, settings)
    sign = settings.variance_sign
    lines = budget_lines(con, fy.start_year)
    a = actuals_period(con, fy, p)  # the last month of actuals: before p only when they are missing
    forecasts, placements = compute_forecasts(
        con,
        settings,
        fy,
        a,
        models=models,
        reuse_stored=True,
        quick=quick,
        as_known=as_known,
        stored_period=p,
    )
    actual = actuals_to(con, fy.start_year, a)
    adjustments = adjustments_for(con, fy.start_year, p) if p < 12 else []
    adj_by_line: dict[str, int] = {}
    for line, amount, _, _ in adjustments:
        adj_by_line[line] = adj_by_line.get(line, 0) + amount
    history = month_end_history(con, fy)
    prev_p, prev_nets = history.previous(p)
    numbers = placement_numbers_to_date(placements, fy, a) if len(placements) else {}
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
        n_year = _numbers_for_year(numbers.get(name), lf, fy, a)
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
                    sign,
                    settings.rag_amber,
                    settings.rag_red,
                    settings.rag_floor_p,
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
    contract_line = contract_line_of(settings, {ln.name: ln.figures.budget_income_p for ln in results})
    contract_sum = revised_contract_sum_p(
        settings, contract_line, {ln.name: ln.figures.forecast_net_p for ln in results}
    )
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
        surplus=surplus_share(settings, net_position, funded, contract_sum),
        rag_floor_p=settings.rag_floor_p,
        contract_line=contract_line,
        month_movement=movement_since(history, p, prev_p, total, sign, quarter=False),
        quarter_movement=movement_since(history, p, quarter_end_before(p), total, sign, quarter=True),
        retained_label=f"{settings.retained_by}'s retained share",
        adjustments=[(line, amount, reason) for line, amount, reason, _ in adjustments],
        suspense=suspense_rows(con, fy.start_year, p),
        data_as_at=f"{fy.month_end(p):%d/%m/%Y}",
        missing_actuals=missing_actuals_text(gap, fy, p, a),
        messages=messages,
        kinds=kind_decisions(con, fy.start_year, p),
    )
    report.notes = _notes(con, report, results, prev_label, p)
    report.funding = fund_positions(con, fy, p, results)
    if with_cash:
        report.cash = cash_position(con, settings, period, forecasts, set(placements["line"]))
    with_commentary(con, fy.start_year, p, report.variances)
    if save and not is_closed(con, fy):  # a closed year's history is final: reading it stores nothing
        save_run(con, fy, p, results, placements)
        save_snapshot(con, fy, p, placements, forecasts, adj_by_line)
    if not quick:  # a quick run is stored as history; nobody reads its workbook
        with_year_story(con, settings, report, fy, lines, actual.monthly, forecasts)
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
    rows = [
        [
            fy.start_year,
            p,
            ln.name,
            ln.heading,
            ln.figures.budget_gross_p,
            ln.figures.budget_income_p,
            ln.figures.forecast_gross_p,
            ln.figures.forecast_income_p,
            ln.actual_gross_p,
            ln.actual_income_p,
            ln.adjustments_p,
            ln.method,
            int(counts.get(ln.name, 0)),
            int(round(avg[ln.name])) if ln.name in avg else None,
            now,
            ln.numbers,
        ]
        for ln in results
    ]
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS).astype(
        {c: "Int64" for c in RUN_COLUMNS if c.endswith("_p") or c in ("fy", "period", "open_placements")}
    )
    frame["numbers"] = frame["numbers"].astype("float64")
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM outturn_lines WHERE fy = ? AND period = ?", [fy.start_year, p])
    con.register("run_frame", frame)  # one insert: row-by-row inserts cost a second a run
    con.execute(f"INSERT INTO outturn_lines ({', '.join(RUN_COLUMNS)}) SELECT * FROM run_frame")
    con.unregister("run_frame")
    con.execute("COMMIT")


def _notes(
    con: duckdb.DuckDBPyConnection,
    report: OutturnReport,
    results: list[LineResult],
    prev_label: str | None,
    p: int,
) -> list[tuple[str, str]]:
    notes = [("Actuals missing", report.missing_actuals)] if report.missing_actuals else []
    notes += [(f"Re-classified ({i})", m) for i, m in enumerate(report.messages, 1)]
    notes += [
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
    return notes
