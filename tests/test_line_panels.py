"""An authority's statistical lines as panels: expenditure pooled together, income apart, lumpy lines on run-rate."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasts.lines import lumpy, months_after
from forecasts.lines.statistical import statistical_lines
from ledgers.readers.periods import FinancialYear

FY = FinancialYear(2019)
CHEAP = ("naive", "drift", "trend")


def history(rows: dict[tuple[str, str], list[int]]) -> pd.DataFrame:
    """36 months April 2017 to March 2020 per (line, kind), pence."""
    out = []
    for (line, kind), values in rows.items():
        for t, v in enumerate(values):
            out.append(
                {"line": line, "kind": kind, "fy": 2017 + t // 12, "period": t % 12 + 1, "amount_p": v}
            )
    return pd.DataFrame(out)


def test_lumpy_months_are_quarterly_invoices_or_one_offs() -> None:
    assert lumpy([0, 0, 3_000_000] * 4)  # a quarterly invoice
    assert lumpy([100_000] * 11 + [-900_000])  # a one-off credit
    assert not lumpy([100_000 + 1_000 * t for t in range(12)])  # a steady climb


def test_expenditure_panel_grows_income_stays_and_lumpy_keeps_run_rate() -> None:
    # ICT and Premises both grow 1% a month: seasonal naive grown by 12 months of pooled growth is exact
    rows = {
        ("ICT", "expenditure"): [round(1_000_000 * 1.01**t) for t in range(36)],
        ("Premises", "expenditure"): [round(500_000 * 1.01**t) for t in range(36)],
        ("Premises", "income"): [-200_000] * 36,
        ("Legal", "expenditure"): [0, 0, 3_000_000] * 12,
    }
    hist = history(rows)
    months = months_after(FinancialYear(2019), 12, 3)  # April to June 2020
    monthly = hist[hist["fy"] == 2019][["line", "kind", "period", "amount_p"]]
    out = statistical_lines(["ICT", "Premises", "Legal"], hist, FY, 12, months, monthly, CHEAP)
    ict = out["ICT"]
    assert ict.method == "forecast"
    assert "expenditure panel: seasonal-naive + pooled trend (damping 1" in ict.note
    # April 2020 = month 36: £10,000 x 1.01^36 = £14,307.69 (within rounding of the monthly pence)
    assert ict.months[0].gross_p == pytest.approx(1_000_000 * 1.01**36, abs=2)
    prem = out["Premises"]
    assert [m.income_p for m in prem.months] == [-200_000] * 3  # income panel: flat, naive
    assert "income panel: seasonal-naive" in prem.note
    m0 = prem.months[0]
    assert m0.low_p is not None and m0.high_p is not None
    assert m0.low_p <= m0.net_p <= m0.high_p
    legal = out["Legal"]
    assert legal.method == "run-rate" and "lumps" in legal.note


def test_a_month_without_postings_is_zero_not_a_gap() -> None:
    rows = {("ICT", "expenditure"): [1_000_000] * 36}
    hist = history(rows)
    hist = hist[~((hist["fy"] == 2018) & (hist["period"] == 5))]  # nothing posted in August 2018
    months = months_after(FY, 12, 2)
    monthly = hist[hist["fy"] == 2019][["line", "kind", "period", "amount_p"]]
    out = statistical_lines(["ICT"], hist, FY, 12, months, monthly, CHEAP)
    # filled with £0 (not refused as a gap); having touched zero, the line stays on seasonal naive
    assert out["ICT"].method == "forecast" and [m.gross_p for m in out["ICT"].months] == [1_000_000] * 2
    assert "expenditure panel: seasonal-naive" in out["ICT"].note
