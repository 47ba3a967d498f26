"""How right the month ends were: each stored month end's forecast against the closed year's final outturn.

Beside the tool's forecast stand the two an officer makes without it, at the same month ends: the budget, and
the actuals to date × 12 / months. Errors are forecast minus final outturn (pence): positive = the forecast
was too high. The most accurate method of a line has the lowest mean absolute error over the month ends run
from P1 to P11 (at P12 the forecast is the actuals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from budget.monthend.drivers import pence_rounded
from budget.monthend.history import MonthEndHistory
from ledgers.readers.money import pounds_float

CHECKPOINTS = (3, 6, 9)
TOOL, BUDGET, RUN_RATE = "forecast", "budget", "run_rate"
METHODS = (TOOL, BUDGET, RUN_RATE)
METHOD_LABELS = {TOOL: "careladder forecast", BUDGET: "budget", RUN_RATE: "actuals to date × 12 / months"}
LINE, HEADING, TOTAL = "line", "heading", "total"


@dataclass
class AccuracyRow:
    """One line, heading or the grand total of a closed year."""

    level: str
    name: str
    heading: str
    final_net_p: int
    budget_net_p: int
    said_p: dict[int, dict[str, int]] = field(default_factory=dict)  # period → method → forecast then
    amber_limit_p: int = 0
    within_amber_from: int | None = None  # the month end from which the forecast stayed within the limit

    def error_p(self, period: int, method: str) -> int | None:
        """Forecast minus final outturn of ``method`` at ``period`` (None when that month end was not run)."""
        said = self.said_p.get(period)
        return None if said is None else said[method] - self.final_net_p

    def mean_absolute_error_p(self, method: str) -> Fraction | None:
        errors = [abs(self.error_p(q, method) or 0) for q in self.said_p if q < 12]
        return Fraction(sum(errors), len(errors)) if errors else None

    @property
    def most_accurate(self) -> list[str]:
        """The method(s) with the lowest mean absolute error (ties all named)."""
        scores = {m: self.mean_absolute_error_p(m) for m in METHODS}
        known = {m: s for m, s in scores.items() if s is not None}
        if not known:
            return []
        low = min(known.values())
        return [m for m in METHODS if known.get(m) == low]


@dataclass
class TrackRecord:
    financial_year: str
    rag_amber: float
    periods: list[int]  # the month ends run
    rows: list[AccuracyRow]


def _amber_limit(final_p: int, amber: float, threshold_p: int) -> int:
    """The RAG amber limit around a final figure: amber × |final|, or the variance threshold when it is nil."""
    return threshold_p if final_p == 0 else int(Fraction(abs(final_p)) * Fraction(str(amber)))


def _within_from(row: AccuracyRow, periods: list[int]) -> int | None:
    """The first month end from which every later one run was within the amber limit of the final."""
    start = None
    for q in periods:
        inside = abs(row.said_p[q][TOOL] - row.final_net_p) <= row.amber_limit_p
        start = (start or q) if inside else None
    return start


def track_record(history: MonthEndHistory, rag_amber: float, threshold_p: int) -> TrackRecord | None:
    """The accuracy of a closed year's month ends (None when the year is not closed)."""
    if not history.closed:
        return None
    periods = history.periods
    stored = {(ln.period, ln.line): ln for ln in history.lines}
    rows: list[AccuracyRow] = []
    headings: dict[str, AccuracyRow] = {}
    total = AccuracyRow(TOTAL, "Grand Total", "", 0, 0)
    for f in history.final:
        row = AccuracyRow(LINE, f.line, f.heading, f.final_net_p, f.budget_net_p)
        h = headings.setdefault(f.heading, AccuracyRow(HEADING, f.heading, f.heading, 0, 0))
        for q in periods:
            ln = stored.get((q, f.line))
            if ln is None:
                continue
            row.said_p[q] = {
                TOOL: ln.forecast_net_p,
                BUDGET: ln.budget_net_p,
                RUN_RATE: pence_rounded(Fraction(ln.actual_net_p * 12, q)),
            }
        rows.append(row)
        for agg in (h, total):
            agg.final_net_p += row.final_net_p
            agg.budget_net_p += row.budget_net_p
            for q, said in row.said_p.items():
                into = agg.said_p.setdefault(q, dict.fromkeys(METHODS, 0))
                for m in METHODS:
                    into[m] += said[m]
    ordered: list[AccuracyRow] = []
    for name, h in headings.items():
        ordered += [r for r in rows if r.heading == name] + [h]
    ordered.append(total)
    for r in ordered:
        r.said_p = dict(sorted(r.said_p.items()))
        r.amber_limit_p = _amber_limit(r.final_net_p, rag_amber, threshold_p)
        r.within_amber_from = _within_from(r, list(r.said_p))
    return TrackRecord(history.fy.label, rag_amber, periods, ordered)


def _pounds(p: int | Fraction | None) -> float | None:
    return None if p is None else pounds_float(pence_rounded(Fraction(p)))


def track_record_json(record: TrackRecord | None) -> dict[str, Any] | None:
    """`backtest --json`'s ``month_end_accuracy``: errors in pounds (forecast − final) at P3, P6 and P9."""
    if record is None:
        return None
    return {
        "financial_year": record.financial_year,
        "rag_amber": record.rag_amber,
        "month_ends": [f"P{q}" for q in record.periods],
        "error": "forecast minus final outturn (positive = the forecast was too high)",
        "rows": [
            {
                "level": r.level,
                "name": r.name,
                "heading": r.heading,
                "final_net": _pounds(r.final_net_p),
                "budget_net": _pounds(r.budget_net_p),
                "errors": {f"P{q}": {m: _pounds(r.error_p(q, m)) for m in METHODS} for q in CHECKPOINTS},
                "amber_limit": _pounds(r.amber_limit_p),
                "within_amber_from": None if r.within_amber_from is None else f"P{r.within_amber_from}",
                "mean_absolute_error": {m: _pounds(r.mean_absolute_error_p(m)) for m in METHODS},
                "most_accurate": r.most_accurate,
            }
            for r in record.rows
        ],
    }
