"""MTFS: the current year's outturn rolled forward N years per line, baseline and named scenarios.

Year 0 is the current year's forecast outturn. For a later year n:

- placement lines: outturn gross + (placement model cost in year n − its cost in year 0), the model run with
  the demand trend (starts per month from history) and the April uplift of each line; year 0's model cost is
  the placement days to the period end plus the model's months to the year end;
- other expenditure lines: outturn gross × (1 + pay award or the line's own uplift)^n (staffing);
- income: held at the current year's outturn; the contract value grows by ``contract_growth`` a year;
- a scenario's price change on a non-placement line multiplies its gross from year 1.

Net = expenditure + income (income negative, the contract line left out); gap = net − contract value
(positive: a shortfall savings must close); savings required = the gap when positive. The baseline (and any
scenario without ``savings = true``) is before the savings plan. On a scenario with the plan applied, the
savings plan effect is the effect included in its net: its net run without the plan less its net with it (the
modelled schemes through the placement model). The plan as the tracker has it (a memo): the modelled schemes'
formula effect plus the fixed schemes' recurrent amounts of years 1..n and one-off amounts of year n.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from budget.mtfs.base import MtfsBase, mtfs_base
from budget.mtfs.placement_years import placement_costs, placement_years, scheme_models
from budget.plans.savings import (
    PlanRow,
    baseline_weekly_p,
    modelled_saving_p,
    stored_plan,
)
from budget.plans.scenarios import Assumptions, ScenarioSpec, assumptions_from, selected_scenarios
from ledgers.importers.placements import stored_placements
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import WorkspaceError
from ledgers.store.workspace import Settings

SIGN = (
    "Expenditure positive, income negative (brackets); net = expenditure + income. Gap = net − contract value: "
    "positive = a shortfall that savings must close, (brackets) = headroom."
)


@dataclass
class ScenarioYear:
    """One year of a scenario (pence): expenditure and income by line, contract value, plan effect."""

    label: str
    gross_p: dict[str, int]
    income_p: dict[str, int]
    contract_p: int
    plan_effect_p: int  # the savings plan's effect included in net (0 when the plan is not applied)
    plan_as_planned_p: int  # memo: the plan as the tracker has it (formula), against year 0
    plan_included: bool

    @property
    def expenditure_p(self) -> int:
        return sum(self.gross_p.values())

    @property
    def income_total_p(self) -> int:
        return sum(self.income_p.values())

    @property
    def net_p(self) -> int:
        return self.expenditure_p + self.income_total_p

    @property
    def gap_p(self) -> int:
        return self.net_p - self.contract_p

    @property
    def gap_before_plan_p(self) -> int:
        return self.gap_p + self.plan_effect_p

    @property
    def savings_required_p(self) -> int:
        """The gap left after what is included in net (nothing of the plan on the baseline)."""
        return max(self.gap_p, 0)


@dataclass
class ScenarioResult:
    spec: ScenarioSpec
    assumptions: list[str]
    years: list[ScenarioYear]
    numbers: dict[str, list[float]] = field(default_factory=dict)  # average placements by line, each year


@dataclass
class MtfsReport:
    base: MtfsBase
    scenarios: list[ScenarioResult]
    notes: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


ZERO_CONTRACT = (
    "the contract value is £0, so the gap shows the whole net expenditure as headroom or shortfall: "
    "set [contract] value in careladder.toml"
)


def _compound(pence: int, rate: Decimal, n: int) -> int:
    return int((Decimal(pence) * (1 + rate) ** n).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def plan_effect_p(
    plan: list[PlanRow], base: MtfsBase, n: int, from_weekly: dict[str, int], assumptions: Assumptions
) -> int:
    """The savings plan's effect in year n against year 0 (pence)."""
    fy0, fy = base.fy, FinancialYear(base.fy.start_year + n)
    total = 0
    for model in scheme_models(plan).values():
        f_from = (1 + assumptions.placement_uplift(model.from_line)) ** n
        f_to = (1 + assumptions.placement_uplift(model.to_line)) ** n
        weekly = from_weekly[model.from_line]
        total += modelled_saving_p(model, fy, weekly, f_from, f_to) - modelled_saving_p(model, fy0, weekly)
    return total + sum(_fixed_by_line(plan, base, n).values())


def _fixed_by_line(plan: list[PlanRow], base: MtfsBase, n: int) -> dict[str, int]:
    """Fixed (not modelled) schemes' effect in year n by line: recurrent rows of years 1..n, one-offs of n."""
    out: dict[str, int] = {}
    for row in plan:
        k = row.year.start_year - base.fy.start_year
        if row.model is None and 1 <= k <= n and (row.recurrent or k == n):
            amount = row.target_p if row.forecast_p is None else row.forecast_p
            out[row.line] = out.get(row.line, 0) + amount
    return out


def _running_p(plan: list[PlanRow], fy: FinancialYear) -> dict[str, int]:
    """Modelled schemes' running costs in ``fy`` by to line (pro rata to the days since the start)."""
    out: dict[str, int] = {}
    days = (fy.end - fy.start).days + 1
    for model in scheme_models(plan).values():
        on = max((fy.end - max(model.start, fy.start)).days + 1, 0)
        cost = Decimal(model.annual_running_cost_p) * on / days
        out[model.to_line] = out.get(model.to_line, 0) + int(
            cost.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
    return out


def scenario_years(
    base: MtfsBase,
    costs: dict[str, list[int]],
    assumptions: Assumptions,
    spec: ScenarioSpec,
    plan: list[PlanRow],
    from_weekly: dict[str, int],
    years: int,
    costs_without_plan: dict[str, list[int]] | None = None,
) -> ScenarioResult:
    """The scenario's years 0..``years`` from year 0 and the placement model's costs by line and year.

    With the plan applied, its included effect is the net of the same scenario without the plan (placement
    costs ``costs_without_plan``, default ``costs``) less the net with it.
    """
    without = None
    if spec.savings:
        alone = replace(spec, savings=False)
        plain = costs if costs_without_plan is None else costs_without_plan
        without = scenario_years(base, plain, assumptions, alone, plan, from_weekly, years).years
    pay = assumptions.pay_award if spec.pay_award is None else spec.pay_award
    growth = assumptions.contract_growth if spec.contract_growth is None else spec.contract_growth
    staffing = Assumptions(assumptions.inflation, assumptions.uplift, pay, growth, assumptions.contract_line)
    price = {k: v for k, v in spec.price_change.items() if k != "*"}
    out = []
    for n in range(years + 1):
        fy = FinancialYear(base.fy.start_year + n)
        fixed = _fixed_by_line(plan, base, n) if spec.savings else {}
        running = _running_p(plan, fy) if spec.savings and n else {}
        gross, income = {}, {}
        for b in base.lines:
            if b.line == base.contract_line:
                continue
            model = costs.get(b.line)
            if b.line in base.placement_lines:
                g = b.gross_p
            else:
                g = _compound(b.gross_p, staffing.staffing_uplift(b.line), n)
                if n and b.line in price:
                    g = _compound(g, price[b.line], 1)
            if model is not None:
                g += model[n] - model[0]
            gross[b.line] = g - fixed.get(b.line, 0) + running.get(b.line, 0)
            income[b.line] = b.income_p
        planned = plan_effect_p(plan, base, n, from_weekly, assumptions) if n else 0
        contract = _compound(base.contract_value_p, growth, n) if n else base.contract_year0_p
        year = ScenarioYear(fy.label, gross, income, contract, 0, planned, spec.savings)
        if without is not None:
            year.plan_effect_p = without[n].net_p - year.net_p
        out.append(year)
    words = [
        f"Year 0 ({base.fy.label}): {base.source}",
        f"Placement lines: placement model from {base.as_at:%d/%m/%Y} with starts per month from the last 12 "
        f"months; April uplift {assumptions.inflation:.1%} on weekly costs"
        + "".join(f"; {ln} {u:.1%}" for ln, u in sorted(assumptions.uplift.items())),
        f"Staffing (other expenditure) lines: pay award {pay:.1%} a year each April",
        "Income other than the contract value: held at the current year's outturn",
        f"Contract value: £{base.contract_value_p / 100:,.0f} growing {growth:.1%} a year"
        + (
            f" (line '{base.contract_line}' left out of net; year 0 at its forecast outturn)"
            if base.contract_line
            else ""
        ),
        *spec.assumption_lines(),
    ]
    return ScenarioResult(spec, words, out)


def mtfs_report(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    years: int = 3,
    names: list[str] | None = None,
    period: str | None = None,
    draws: int = 100,
) -> MtfsReport:
    """Baseline and the named scenarios (all defined when ``names`` is empty), ``years`` years ahead."""
    if years < 1:
        raise WorkspaceError(f"--years should be at least 1; received {years}")
    specs = selected_scenarios(settings, names)
    base = mtfs_base(con, settings, period)
    assumptions = assumptions_from(settings)
    placements = stored_placements(con)
    plan = stored_plan(con)
    from_weekly = {
        m.from_line: baseline_weekly_p(placements, m.from_line, base.as_at)
        for m in scheme_models(plan).values()
    }
    budget_lines = {b.line for b in base.lines}
    notes = [("Year 0", base.source), ("Placement model draws", str(draws))]
    for spec in specs:
        for table in (spec.demand_change, spec.price_change):
            for ln in table:
                if ln != "*" and ln not in budget_lines:
                    notes.append((f"Scenario {spec.name}", f"'{ln}' is not a line of the outturn: ignored"))
    results = []
    for spec in specs:
        clean = ScenarioSpec(
            spec.name, spec.description,
            {k: v for k, v in spec.demand_change.items() if k == "*" or k in budget_lines},
            {k: v for k, v in spec.price_change.items() if k == "*" or k in budget_lines},
            spec.savings, spec.pay_award, spec.contract_growth,
        )  # fmt: skip
        costs, numbers = placement_years(placements, base, years, assumptions, clean, plan, draws)
        plain = None
        if clean.savings:
            plain = placement_costs(
                placements, base, years, assumptions, replace(clean, savings=False), plan, draws
            )
        result = scenario_years(base, costs, assumptions, clean, plan, from_weekly, years, plain)
        result.numbers = {ln: v for ln, v in numbers.items() if ln in result.years[0].gross_p}
        results.append(result)
    warnings = [ZERO_CONTRACT] if base.contract_value_p == 0 else []
    return MtfsReport(base, results, notes, warnings)
