"""MTFS assumptions and named scenarios, read from careladder.toml.

[forecast]
inflation = 0.03                 # April uplift on placement weekly costs
[forecast.uplift]
"Out of Area Residential" = 0.05 # per-line override (any line: replaces the pay award on staffing lines)
[mtfs]
pay_award = 0.02                 # April pay award on staffing (non-placement expenditure) lines
contract_growth = 0.0            # yearly growth of the contract value
contract_line = "Contract Value" # the budget line that carries the contract sum (excluded from net)
[scenarios.high-demand]
demand_change = 0.10             # +10% starts on every placement line (or a table by line)
[scenarios.inflation-shock]
price_change = { "Independent Fostering Agencies" = 0.08 }   # in year 1, and on from there
[scenarios.placements-strategy]
savings = true                   # the savings plan applied (modelled schemes through the placement model);
                                 # without it a scenario (and the baseline) is before the savings plan
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgers.readers.problems import WorkspaceError
from ledgers.store.settings import CHANGE, RATE, Kind, SettingInvalid
from ledgers.store.workspace import Settings

BASELINE = "baseline"
_KEYS = {"description", "demand_change", "price_change", "savings", "pay_award", "contract_growth"}


@dataclass(frozen=True)
class Assumptions:
    """The workspace's MTFS assumptions (fractions as exact decimals)."""

    inflation: Decimal = Decimal("0.03")
    uplift: dict[str, Decimal] = field(default_factory=dict)  # per-line overrides of inflation / pay award
    pay_award: Decimal = Decimal("0.02")
    contract_growth: Decimal = Decimal("0")
    contract_line: str | None = None

    def placement_uplift(self, line: str) -> Decimal:
        """April uplift of a placement line's weekly costs."""
        return self.uplift.get(line, self.inflation)

    def staffing_uplift(self, line: str) -> Decimal:
        """April uplift of a non-placement expenditure line (pay award unless the line has its own)."""
        return self.uplift.get(line, self.pay_award)


@dataclass(frozen=True)
class ScenarioSpec:
    """A named what-if over the baseline; fractions apply to the lines named (``*`` = every placement line)."""

    name: str
    description: str = ""
    demand_change: dict[str, Decimal] = field(default_factory=dict)
    price_change: dict[str, Decimal] = field(default_factory=dict)
    savings: bool = False
    pay_award: Decimal | None = None
    contract_growth: Decimal | None = None

    def assumption_lines(self) -> list[str]:
        """The scenario's assumptions in words, for its sheet."""
        out = [self.description] if self.description else []
        for label, table in (("Starts per month", self.demand_change), ("Weekly prices", self.price_change)):
            for line, change in table.items():
                who = "every placement line" if line == "*" else line
                when = " from April of year 1 (and on)" if table is self.price_change else " every year"
                out.append(f"{label} {_pct(change)} on {who}{when}")
        if self.pay_award is not None:
            out.append(f"Pay award {_pct(self.pay_award, signed=False)} a year instead of the workspace's")
        if self.contract_growth is not None:
            out.append(
                f"Contract value growth {_pct(self.contract_growth)} a year instead of the workspace's"
            )
        out.append(
            "Savings plan applied: modelled schemes run through the placement model, fixed schemes taken off "
            "their lines"
            if self.savings
            else "Savings plan not applied: figures are before the plan (the plan as the tracker has it is a "
            "memo below)"
        )
        return out


def _pct(value: Decimal, signed: bool = True) -> str:
    text = f"{value * 100:.1f}%".replace(".0%", "%")
    return f"+{text}" if signed and value > 0 else text


def fraction(value: Any, where: str, kind: Kind = RATE) -> Decimal:
    """A setting that must be a fraction (from -1 to 1 for a rate, such as 0.02), as an exact decimal."""
    try:
        return Decimal(kind.read(value))
    except SettingInvalid as exc:
        raise WorkspaceError(f"careladder.toml: {where}: {exc}") from None


def _by_line(value: Any, where: str) -> dict[str, Decimal]:
    if isinstance(value, dict):
        return {str(k): fraction(v, f"{where} {k}", CHANGE) for k, v in value.items()}
    return {"*": fraction(value, where, CHANGE)}


def assumptions_from(settings: Settings) -> Assumptions:
    """The MTFS assumptions of a workspace (defaults when a setting is absent)."""
    fc = settings.section("forecast")
    mtfs = settings.section("mtfs")
    uplift = fc.get("uplift", {})
    if not isinstance(uplift, dict):
        raise WorkspaceError("careladder.toml: [forecast.uplift] should be a table of line = fraction")
    line = mtfs.get("contract_line")
    return Assumptions(
        inflation=fraction(fc.get("inflation", "0.03"), "[forecast] inflation"),
        uplift={str(k): fraction(v, f"[forecast.uplift] {k}") for k, v in uplift.items()},
        pay_award=fraction(mtfs.get("pay_award", "0.02"), "[mtfs] pay_award"),
        contract_growth=fraction(mtfs.get("contract_growth", "0"), "[mtfs] contract_growth"),
        contract_line=None if line is None else str(line),
    )


def scenario_specs(settings: Settings) -> list[ScenarioSpec]:
    """Every ``[scenarios.NAME]`` table, in the order written."""
    tables = settings.section("scenarios")
    out = []
    for name, table in tables.items():
        where = f"[scenarios.{name}]"
        if not isinstance(table, dict):
            raise WorkspaceError(f"careladder.toml: {where} should be a table of settings")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise WorkspaceError(
                f"careladder.toml: {where} has unknown setting(s) {', '.join(unknown)}; "
                f"use {', '.join(sorted(_KEYS))}"
            )
        savings = table.get("savings", False)
        if not isinstance(savings, bool):
            raise WorkspaceError(f"careladder.toml: {where} savings should be true or false")
        out.append(
            ScenarioSpec(
                name=str(name),
                description=str(table.get("description", "")),
                demand_change=_by_line(table["demand_change"], f"{where} demand_change")
                if "demand_change" in table
                else {},
                price_change=_by_line(table["price_change"], f"{where} price_change")
                if "price_change" in table
                else {},
                savings=savings,
                pay_award=fraction(table["pay_award"], f"{where} pay_award")
                if "pay_award" in table
                else None,
                contract_growth=fraction(table["contract_growth"], f"{where} contract_growth")
                if "contract_growth" in table
                else None,
            )
        )
    return out


def selected_scenarios(settings: Settings, names: list[str] | None) -> list[ScenarioSpec]:
    """The baseline, then the named scenarios (all defined ones when ``names`` is empty)."""
    specs = scenario_specs(settings)
    by_name = {s.name: s for s in specs}
    if names:
        missing = [n for n in names if n not in by_name and n != BASELINE]
        if missing:
            known = ", ".join(by_name) or "none defined"
            raise WorkspaceError(
                f"scenario(s) {', '.join(missing)} not in careladder.toml [scenarios.NAME] tables (known: {known})"
            )
        chosen = [by_name[n] for n in dict.fromkeys(names) if n != BASELINE]
    else:
        chosen = specs
    return [
        ScenarioSpec(BASELINE, "The current year's outturn rolled forward on the workspace assumptions"),
        *chosen,
    ]
