"""Storing and rendering the per-line monthly forecasts of `careladder forecast`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from forecasts.lines import LineForecast
from ledgers.money import pounds_float
from ledgers.periods import FinancialYear


def store_forecasts(
    con: duckdb.DuckDBPyConnection, fy: FinancialYear, period: int, forecasts: dict[str, LineForecast]
) -> int:
    """Replace the stored forecast of ``period`` with these lines' months; returns rows stored."""
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
                ]
            )
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM forecast_months WHERE fy = ? AND period = ?", [fy.start_year, period])
    if rows:
        con.executemany(
            "INSERT INTO forecast_months VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
    con.execute("COMMIT")
    return len(rows)


def _money(p: int | None) -> float | None:
    return None if p is None else pounds_float(p)


def forecast_json(period: str, forecasts: dict[str, LineForecast]) -> dict[str, Any]:
    """The contract's `forecast --json` object (money in pounds)."""
    return {
        "period": period,
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
