"""The ``outturn --json`` object: the same numbers as the workbook, money in pounds."""

from __future__ import annotations

from budget.monthend.report import Figures, HeadingResult, LineResult, OutturnReport, VarianceRow
from ledgers.readers.money import pounds_float


def _pounds_or_none(pence: int | None) -> float | None:
    return None if pence is None else pounds_float(pence)


def figures_json(figures: Figures, sign: str) -> dict[str, float]:
    """Budget, forecast and variance (gross, income, net) in pounds."""
    vg, vi, vn = figures.variances(sign)
    return {
        "budget_gross": pounds_float(figures.budget_gross_p),
        "budget_income": pounds_float(figures.budget_income_p),
        "budget_net": pounds_float(figures.budget_net_p),
        "forecast_gross": pounds_float(figures.forecast_gross_p),
        "forecast_income": pounds_float(figures.forecast_income_p),
        "forecast_net": pounds_float(figures.forecast_net_p),
        "variance_gross": pounds_float(vg),
        "variance_income": pounds_float(vi),
        "variance_net": pounds_float(vn),
    }


def heading_json(heading: HeadingResult, sign: str) -> dict[str, object]:
    return {
        "name": heading.name,
        **figures_json(heading.figures, sign),
        "movement_net": _pounds_or_none(heading.movement_net_p),
    }


def line_json(line: LineResult, sign: str) -> dict[str, object]:
    return {
        "name": line.name,
        "heading": line.heading,
        **figures_json(line.figures, sign),
        "movement_net": _pounds_or_none(line.movement_net_p),
        "method": line.method,
        "rag": line.rag,
        "best_net": _pounds_or_none(line.best_net_p),
        "worst_net": _pounds_or_none(line.worst_net_p),
        "funded_by": line.funded_by,
        "adjustments": pounds_float(line.adjustments_p),
        "suspense": line.is_suspense,
    }


def variance_json(row: VarianceRow) -> dict[str, object]:
    """A variance row; the grouped 'other variances under £100k' row is a line-level row (the contract's levels
    are heading and line) and is told apart by ``grouped``."""
    return {
        "level": "heading" if row.level == "heading" else "line",
        "grouped": row.level == "other",
        "name": row.name,
        "heading": row.heading,
        "amount": pounds_float(row.amount_p),
        "direction": row.direction,
        "explanation": row.explanation,
        "commentary": row.commentary,
    }


def outturn_json(report: OutturnReport) -> dict[str, object]:
    """The contract's ``outturn --json`` shape: period, year, sign, headings, lines, variances, surplus share."""
    sign = report.variance_sign
    return {
        "period": report.period,
        "financial_year": report.financial_year,
        "variance_sign": sign,
        "headings": [heading_json(h, sign) for h in report.headings],
        "lines": [line_json(line, sign) for line in report.lines],
        "variances": [variance_json(v) for v in report.variances],
        "surplus_share": report.surplus.as_json(),
        # present when funds are stored / the cash position was asked for (outturn --cash)
        **({"funding": [f.as_json() for f in report.funding]} if report.funding else {}),
        **({"cash": report.cash.as_json()} if report.cash is not None else {}),
    }
