"""The contract-value line: the budget line that carries the contract sum from the council.

Contract variations change that line's forecast, so the revised contract sum is its forecast income; the
outturn's surplus share and the MTFS's year 0 both start from it (one rule, here)."""

from __future__ import annotations

from budget.plans.scenarios import assumptions_from
from ledgers.store.workspace import Settings


def contract_line_of(settings: Settings, budget_income_p: dict[str, int]) -> str | None:
    """The line named by ``[mtfs] contract_line``, else the one line whose budget income is the contract value."""
    named = assumptions_from(settings).contract_line
    if named is not None:
        return named
    found = [n for n, i in budget_income_p.items() if i != 0 and i == -settings.contract_value_p]
    return found[0] if found else None


def revised_contract_sum_p(
    settings: Settings, contract_line: str | None, forecast_net_p: dict[str, int]
) -> int:
    """The contract sum the year's forecast carries: minus the contract line's forecast net (else the setting)."""
    if contract_line is None or contract_line not in forecast_net_p:
        return settings.contract_value_p
    return -forecast_net_p[contract_line]
