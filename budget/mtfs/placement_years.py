"""Placement cost and numbers by line for each MTFS year, from the placement model under a scenario."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from budget.mtfs.base import MtfsBase
from budget.plans.savings import PlanRow, SchemeModel, tranches
from budget.plans.scenarios import Assumptions, ScenarioSpec
from forecasts.placements.commitments import actual_cost_by_month
from forecasts.placements.model import placement_forecast
from forecasts.placements.scenarios import MixMove, Scenario
from ledgers.readers.periods import FinancialYear


def model_moves(plan: list[PlanRow], until: date) -> list[MixMove]:
    """The modelled schemes' moves as one-off placement-model moves (one per tranche; whole children)."""
    out = []
    for model in scheme_models(plan).values():
        for when, n in tranches(model, until):
            count = int(n.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            if count > 0:
                out.append(
                    MixMove(
                        model.from_line, model.to_line, when, count=count, weekly_cost_p=model.weekly_cost_p
                    )
                )
    return out


def scheme_models(plan: list[PlanRow]) -> dict[str, SchemeModel]:
    models: dict[str, SchemeModel] = {}
    for row in plan:
        if row.model is not None:
            models.setdefault(row.scheme, row.model)
    return models


def placement_costs(
    placements: pd.DataFrame,
    base: MtfsBase,
    years: int,
    assumptions: Assumptions,
    spec: ScenarioSpec,
    plan: list[PlanRow],
    draws: int = 100,
) -> dict[str, list[int]]:
    """Placement cost (pence) by line for years 0..``years`` from the placement model (year 0: placement
    days to the period end plus the model's months after it)."""
    return placement_years(placements, base, years, assumptions, spec, plan, draws)[0]


def placement_days_to(placements: pd.DataFrame, start: date, end: date) -> dict[str, int]:
    """Placement-days by line from ``start`` to ``end`` inclusive (open placements run to ``end``)."""
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    first = np.maximum(placements["start_date"].to_numpy(dtype="datetime64[D]"), lo)
    ends = placements["end_date"].to_numpy(dtype="datetime64[D]")
    last = np.where(np.isnat(ends), hi, np.minimum(ends, hi)).astype("datetime64[D]")
    days = np.clip((last - first).astype(np.int64) + 1, 0, None)
    out: dict[str, int] = {}
    for line, d in zip(placements["line"].tolist(), days.tolist(), strict=True):
        out[str(line)] = out.get(str(line), 0) + int(d)
    return out


def placement_years(
    placements: pd.DataFrame,
    base: MtfsBase,
    years: int,
    assumptions: Assumptions,
    spec: ScenarioSpec,
    plan: list[PlanRow],
    draws: int = 100,
) -> tuple[dict[str, list[int]], dict[str, list[float]]]:
    """Placement cost (pence) and average placements by line for years 0..``years`` from the placement model
    (year 0: placement days to the period end plus the model's months after it)."""
    fys = [FinancialYear(base.fy.start_year + n) for n in range(years + 1)]
    if not len(placements):
        return {}, {}
    known = set(placements["line"])
    year1 = fys[1].start if years else base.fy.end
    scenario = Scenario(
        mix_moves=model_moves(plan, fys[-1].end) if spec.savings else [],
        demand_change={ln: float(v) for ln, v in per_line(spec.demand_change, known).items() if ln in known},
        price_change={ln: float(v) for ln, v in per_line(spec.price_change, known).items()},
        price_change_from=year1,
    )
    lines = known | {m.to_line for m in scenario.mix_moves}
    uplift = {ln: float(assumptions.placement_uplift(ln)) for ln in lines}
    seed = base.fy.start_year * 100 + base.period_no
    model = placement_forecast(
        placements, base.as_at, fys[-1].end, uplift=uplift, scenario=scenario, draws=draws, seed=seed
    )
    to_date = actual_cost_by_month(placements, base.fy.start, base.as_at)
    out = {ln: [0] * len(fys) for ln in sorted(lines)}
    for ln, cost in to_date.groupby("line")["cost_p"].sum().items():
        out.setdefault(str(ln), [0] * len(fys))[0] += int(cost)
    days_in = {ln: [0.0] * len(fys) for ln in out}
    for ln, d in placement_days_to(placements, base.fy.start, base.as_at).items():
        days_in.setdefault(ln, [0.0] * len(fys))[0] += d
    for ln, month, cost, numbers in zip(
        model["line"], model["month"], model["cost_p"].tolist(), model["numbers"].tolist(), strict=True
    ):
        n = FinancialYear.of(pd.Timestamp(month).date()).start_year - base.fy.start_year
        out.setdefault(str(ln), [0] * len(fys))[n] += int(cost)
        days_in.setdefault(str(ln), [0.0] * len(fys))[n] += float(numbers) * pd.Timestamp(month).days_in_month
    year_days = [(fy.end - fy.start).days + 1 for fy in fys]
    numbers_by_year = {ln: [d / yd for d, yd in zip(v, year_days, strict=True)] for ln, v in days_in.items()}
    return out, numbers_by_year


def per_line(table: dict[str, Decimal], lines: set[str]) -> dict[str, Decimal]:
    """A per-line table with ``*`` spread over ``lines`` (a named line wins over ``*``)."""
    out = {ln: table["*"] for ln in lines} if "*" in table else {}
    out.update({k: v for k, v in table.items() if k != "*"})
    return out
