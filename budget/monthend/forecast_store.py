"""Storing and rendering the per-line monthly forecasts of `careladder forecast`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from forecasts.lines import LineForecast, MonthForecast
from ledgers.readers.money import pounds_float
from ledgers.readers.periods import FinancialYear

COLUMNS = (
    "fy",
    "period",
    "line",
    "month",
    "method",
    "numbers",
    "numbers_low",
    "numbers_high",
    "cost_p",  # net = gross_p + income_p
    "cost_low_p",
    "cost_high_p",
    "cost_lo95_p",
    "cost_hi95_p",
    "weights",
    "backtest_mase",
    "run_at",
    "gross_p",
    "income_p",
)


def store_forecasts(
    con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int, forecasts: dict[str, LineForecast]
) -> int:
    """Replace the stored forecast of ``period`` with these lines' months (gross, income and their net);
    returns rows stored."""
    now = datetime.now()
    rows = []
    for lf in forecasts.values():
        for m in lf.months:
            rows.append(
                [
                    fy.start_year,
                    period,
                    lf.line,
                    m.month,
                    lf.method,
                    m.numbers,
                    m.numbers_low,
                    m.numbers_high,
                    m.net_p,
                    m.low_p,
                    m.high_p,
                    m.lo95_p,
                    m.hi95_p,
                    lf.weights or None,
                    lf.backtest_mase,
                    now,
                    m.gross_p,
                    m.income_p,
                ]
            )
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM forecast_months WHERE fy = ? AND period = ?", [fy.start_year, period])
    if rows:
        con.executemany(
            f"INSERT INTO forecast_months ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            rows,
        )
    con.execute("COMMIT")
    return len(rows)


def _money(p: int | None) -> float | None:
    return None if p is None else pounds_float(p)


def forecast_json(
    period: str, forecasts: dict[str, LineForecast], missing_actuals: str | None = None
) -> dict[str, Any]:
    """The contract's `forecast --json` object (money in pounds; ``cost`` is the net of gross and income).
    ``missing_actuals``: why the ledger does not reach the period, when run with --allow-missing-actuals."""
    return {
        "period": period,
        "missing_actuals": missing_actuals,
        "lines": [
            {
                "line": lf.line,
                "method": lf.method,
                "note": lf.note,
                "months": [
                    {
                        "month": m.month.strftime("%Y-%m"),
                        "numbers": m.numbers,
                        "cost": pounds_float(m.net_p),
                        "gross": pounds_float(m.gross_p),
                        "income": pounds_float(m.income_p),
                        "cost_low": _money(m.low_p),
                        "cost_high": _money(m.high_p),
                        "numbers_low": m.numbers_low,
                        "numbers_high": m.numbers_high,
                    }
                    for m in lf.months
                ],
            }
            for lf in forecasts.values()
        ],
    }


def stored_forecasts(
    con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int, income_lines: set[str]
) -> dict[str, LineForecast]:
    """The statistical forecasts `careladder forecast` stored for ``period`` (method 'forecast' only), gross
    and income as stored. ``income_lines``: for rows stored before gross and income were kept (net only),
    the lines whose net is read back as income."""
    rows = con.execute(
        "SELECT line, month, cost_p, gross_p, income_p, cost_low_p, cost_high_p, cost_lo95_p, cost_hi95_p, "
        "numbers, numbers_low, "
        "numbers_high, weights, backtest_mase FROM forecast_months WHERE fy = ? AND period = ? AND method = 'forecast' "
        "ORDER BY line, month",
        [fy.start_year, period],
    ).fetchall()
    out: dict[str, LineForecast] = {}
    for line, month, cost, gross_p, income_p, low, high, lo95, hi95, n, n_lo, n_hi, weights, mase in rows:
        lf = out.setdefault(
            line,
            LineForecast(
                line,
                "forecast",
                f"stored by 'careladder forecast': {weights or 'statistical'}",
                weights=weights or "",
                backtest_mase=mase,
            ),
        )
        if gross_p is not None and income_p is not None:
            gross, income = int(gross_p), int(income_p)
        else:
            gross, income = (0, int(cost)) if line in income_lines else (int(cost), 0)
        lf.months.append(MonthForecast(month, gross, income, low, high, lo95, hi95, n, n_lo, n_hi))
    return out
