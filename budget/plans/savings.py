"""The MTFS savings tracker: target, delivered, forecast, at risk, RAG, slippage and write-offs per scheme.

A scheme is *modelled* when the plan gives a mix shift (``model_*`` columns): from ``start``, ``count``
children every ``every_months`` move from the from line to the to line at ``weekly_cost``, and the new
provision costs ``annual_running_cost`` a year. Its effect in a year (against no scheme) is, exactly in pence:
the moved children's days in the year × (the from line's weekly cost of the baseline placements − the to
line's weekly cost) / 7, less the running cost pro rata to the days since ``start``. A plan row's target is
the year's *new* saving (MTFS convention), so a modelled row's forecast is effect(year) − effect(year before).
Its full-year effect is what the children moved by the year end save over a whole year at that year's prices,
less the whole annual running cost (the part-year effect had every move been at the start of the year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from budget.plans.scenarios import assumptions_from
from ledgers.readers.money import words
from ledgers.readers.periods import FinancialYear
from ledgers.store.workspace import Settings

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True)
class SchemeModel:
    """A mix shift: ``count`` children every ``every_months`` (None: once) move from ``start``."""

    from_line: str
    to_line: str
    start: date
    count: Decimal
    every_months: int | None
    weekly_cost_p: int
    annual_running_cost_p: int = 0


@dataclass(frozen=True)
class PlanRow:
    """One row of the stored savings plan (a scheme's target in one year)."""

    scheme: str
    line: str
    year: FinancialYear
    target_p: int
    delivered_p: int | None = None
    forecast_p: int | None = None
    owner: str | None = None
    recurrent: bool = True
    model: SchemeModel | None = None
    mitigation: str | None = None


@dataclass
class TrackerRow:
    """A scheme in a year as the tracker reports it (pence; at risk = target − forecast)."""

    scheme: str
    line: str
    year: str
    target_p: int
    delivered_p: int
    forecast_p: int
    basis: str  # "model", "officer forecast", "not assessed" (no forecast: the target assumed), "slipped"
    rag: str
    recurrent: bool
    owner: str = ""
    mitigation: str = ""
    slipped_p: int = 0  # undelivered at year close, carried into next year (recurrent schemes)
    written_off_p: int = 0  # undelivered at year close, not carried (one-off schemes)
    full_year_p: int | None = None  # modelled schemes: full-year effect of the moves made by the year end

    @property
    def at_risk_p(self) -> int:
        return self.target_p - self.forecast_p


@dataclass
class SavingsTracker:
    financial_year: str  # the workspace year, "2019/20"
    period_no: int
    red_at_risk: Decimal
    rows: list[TrackerRow] = field(default_factory=list)
    from_weekly_p: dict[str, int] = field(default_factory=dict)  # baseline weekly cost of each from line

    def years(self) -> list[str]:
        return sorted({r.year for r in self.rows})

    def totals_by_year(self) -> dict[str, tuple[int, int, int]]:
        """Year → (target, delivered, forecast)."""
        return _totals(self.rows, lambda r: r.year)

    def totals_by_line(self) -> dict[str, tuple[int, int, int]]:
        """Line → (target, delivered, forecast) over every year."""
        return _totals(self.rows, lambda r: r.line)


def _totals(rows: list[TrackerRow], key: Callable[[TrackerRow], str]) -> dict[str, tuple[int, int, int]]:
    out: dict[str, tuple[int, int, int]] = {}
    for r in rows:
        k = key(r)
        t, d, f = out.get(k, (0, 0, 0))
        out[k] = (t + r.target_p, d + r.delivered_p, f + r.forecast_p)
    return dict(sorted(out.items()))


def stored_plan(con: duckdb.DuckDBPyConnection) -> list[PlanRow]:
    """The stored savings plan in the order it was imported."""
    rows = con.execute(
        "SELECT scheme, line, year, target_p, delivered_p, forecast_p, owner, recurrent, model_from_line, "
        "model_to_line, model_start, model_count, model_every_months, model_weekly_cost_p, "
        "model_annual_running_cost_p, mitigation FROM savings ORDER BY source_row"
    ).fetchall()
    out = []
    for r in rows:
        model = None
        if r[8] and r[9] and r[10] is not None and r[11] is not None and r[13] is not None:
            model = SchemeModel(
                r[8], r[9], r[10], Decimal(str(r[11])), None if r[12] is None else int(r[12]), int(r[13]),
                int(r[14] or 0),
            )  # fmt: skip
        out.append(
            PlanRow(
                r[0],
                r[1],
                FinancialYear.parse(r[2]),
                int(r[3]),
                None if r[4] is None else int(r[4]),
                None if r[5] is None else int(r[5]),
                r[6],
                True if r[7] is None else bool(r[7]),
                model,
                r[15],
            )  # fmt: skip
        )
    return out


def baseline_weekly_p(placements: pd.DataFrame, line: str, as_at: date) -> int:
    """Mean weekly cost (pence, half up) of the line's placements open at ``as_at`` (all of its placements
    when none is open; 0 when the line has none): what a child moved off the line costs there."""
    on = placements[placements["line"] == line]
    at = pd.Timestamp(as_at)
    live = on[(on["start_date"] <= at) & (on["end_date"].isna() | (on["end_date"] > at))]
    use = live if len(live) else on
    if not len(use):
        return 0
    total = Decimal(int(use["weekly_cost_p"].sum())) / len(use)
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tranches(model: SchemeModel, until: date) -> list[tuple[date, Decimal]]:
    """(move date, children) of every move on or before ``until``."""
    if model.every_months is None or model.every_months <= 0:
        return [(model.start, model.count)] if model.start <= until else []
    out: list[tuple[date, Decimal]] = []
    k = 0
    while True:
        months = model.start.month - 1 + k * model.every_months
        when = date(model.start.year + months // 12, months % 12 + 1, 1)
        if when > until:
            return out
        out.append((when if k else model.start, model.count))
        k += 1


def _days(first: date, fy: FinancialYear) -> int:
    """Days of ``fy`` on or after ``first``."""
    return max((fy.end - max(first, fy.start)).days + 1, 0)


def weekly_saving(
    model: SchemeModel, from_weekly_p: int, from_factor: Decimal, to_factor: Decimal
) -> Decimal:
    """Pence a week saved by one child moving: the from line's weekly cost less the to line's, at the prices."""
    return Decimal(from_weekly_p) * from_factor - Decimal(model.weekly_cost_p) * to_factor


def modelled_saving_p(
    model: SchemeModel,
    fy: FinancialYear,
    from_weekly_p: int,
    from_factor: Decimal = Decimal(1),
    to_factor: Decimal = Decimal(1),
) -> int:
    """The scheme's saving in ``fy`` against no scheme, pence (half up once, at the end).

    Children moved stay on the to line to the year end; weekly costs are multiplied by the year's price
    factors (e.g. 1.03 after one April uplift); the running cost is pro rata to the days since ``start``.
    """
    gap = weekly_saving(model, from_weekly_p, from_factor, to_factor)
    child_days = sum((n * _days(when, fy) for when, n in tranches(model, fy.end)), Decimal(0))
    year_days = (fy.end - fy.start).days + 1
    running = Decimal(model.annual_running_cost_p) * _days(model.start, fy) / year_days
    saving = child_days * gap / 7 - running
    return int(saving.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def full_year_saving_p(
    model: SchemeModel,
    fy: FinancialYear,
    from_weekly_p: int,
    from_factor: Decimal = Decimal(1),
    to_factor: Decimal = Decimal(1),
) -> int:
    """The full-year effect (pence, half up) of the children moved by the end of ``fy``: each on the to line
    every day of ``fy`` at its prices, less the whole annual running cost (0 before the scheme starts)."""
    if model.start > fy.end:
        return 0
    gap = weekly_saving(model, from_weekly_p, from_factor, to_factor)
    children = sum((n for _, n in tranches(model, fy.end)), Decimal(0))
    year_days = (fy.end - fy.start).days + 1
    saving = children * year_days * gap / 7 - model.annual_running_cost_p
    return int(saving.quantize(Decimal(1), rounding=ROUND_HALF_UP))


NOT_ASSESSED = "not assessed"  # a scheme with no forecast: its target is assumed, its RAG is not green


def rag_for(target_p: int, forecast_p: int, red_at_risk: Decimal) -> str:
    """Red when more than ``red_at_risk`` of the target is at risk, amber when any is, green otherwise."""
    at_risk = target_p - forecast_p
    if at_risk <= 0:
        return GREEN
    return RED if Decimal(at_risk) > red_at_risk * Decimal(target_p) else AMBER


def red_at_risk(settings: Settings) -> Decimal:
    return Decimal(str(settings.section("savings").get("red_at_risk", "0.25")))


def savings_tracker(
    plan: list[PlanRow],
    placements: pd.DataFrame,
    fy: FinancialYear,
    period: int,
    red_share: Decimal = Decimal("0.25"),
    price_factor: dict[str, Decimal] | None = None,
) -> SavingsTracker:
    """The tracker at ``period`` of ``fy``. Years before ``fy``, and ``fy`` itself at P12, are closed: what
    was not delivered slips into the next year (recurrent schemes) or is written off (one-off schemes).

    ``price_factor``: a yearly uplift by line (e.g. 0.03), compounding each April after ``fy``.
    """
    as_at = fy.month_end(period)
    tracker = SavingsTracker(fy.label, period, red_share)
    mitigation: dict[str, str] = {}
    for row in sorted(plan, key=lambda r: r.year):
        basis, forecast, full_year = NOT_ASSESSED, row.target_p, None
        if row.model is not None:
            m = row.model
            weekly = tracker.from_weekly_p.setdefault(
                m.from_line, baseline_weekly_p(placements, m.from_line, as_at)
            )
            this, before = (
                modelled_saving_p(m, y, weekly, *_factors(price_factor, m, y.start_year - fy.start_year))
                for y in (row.year, FinancialYear(row.year.start_year - 1))
            )
            basis, forecast = "model", this - before
            steps = row.year.start_year - fy.start_year
            full_year = full_year_saving_p(m, row.year, weekly, *_factors(price_factor, m, steps))
        elif row.forecast_p is not None:
            basis, forecast = "officer forecast", row.forecast_p
        text = row.mitigation or mitigation.get(row.scheme, "")
        if text:
            mitigation[row.scheme] = text
        closed = row.year < fy or (row.year == fy and period == 12)
        delivered = row.delivered_p or 0
        if closed:
            forecast = delivered
        rag = (
            NOT_ASSESSED
            if basis == NOT_ASSESSED and not closed
            else rag_for(row.target_p, forecast, red_share)
        )
        out = TrackerRow(
            row.scheme, row.line, row.year.label, row.target_p, delivered, forecast, basis,
            rag, row.recurrent, row.owner or "", text,
        )  # fmt: skip
        out.full_year_p = full_year
        tracker.rows.append(out)
        short = max(row.target_p - delivered, 0) if closed else 0
        if short and row.recurrent:
            out.slipped_p = short
            nxt = FinancialYear(row.year.start_year + 1)
            tracker.rows.append(
                TrackerRow(
                    f"{row.scheme} (slipped from {row.year.label})",
                    row.line,
                    nxt.label,
                    short,
                    0,
                    short,
                    "slipped",
                    rag_for(short, short, red_share),
                    True,
                    row.owner or "",
                    text,
                )  # fmt: skip
            )
        elif short:
            out.written_off_p = short
    tracker.rows.sort(key=lambda r: r.year)
    return tracker


def _factors(price: dict[str, Decimal] | None, m: SchemeModel, steps: int) -> tuple[Decimal, Decimal]:
    if not price or steps <= 0:
        return Decimal(1), Decimal(1)
    return (1 + price.get(m.from_line, Decimal(0))) ** steps, (1 + price.get(m.to_line, Decimal(0))) ** steps


def tracker_for(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fy: FinancialYear,
    period: int,
    placements: pd.DataFrame,
) -> SavingsTracker | None:
    """The tracker of the stored plan at ``period`` (None when no plan is stored)."""
    plan = stored_plan(con)
    if not plan:
        return None
    assumptions = assumptions_from(settings)
    lines = {r.model.from_line for r in plan if r.model} | {r.model.to_line for r in plan if r.model}
    price = {ln: assumptions.placement_uplift(ln) for ln in lines}
    return savings_tracker(plan, placements, fy, period, red_at_risk(settings), price)


def savings_for_line(tracker: SavingsTracker | None, line: str) -> str:
    """'The line was to deliver £120k of savings in 2019/20 from SCHEME; £110k forecast.' ('' when none)."""
    if tracker is None:
        return ""
    rows = [r for r in tracker.rows if r.line == line and r.year == tracker.financial_year]
    if not rows:
        return ""
    target = sum(r.target_p for r in rows)
    forecast = sum(r.forecast_p for r in rows)
    names = [r.scheme for r in rows]
    schemes = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"The line was to deliver {words(target)} of savings in {tracker.financial_year} from {schemes}; "
        f"{words(forecast)} forecast."
    )
