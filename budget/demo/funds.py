"""The demo's ring-fenced funds and its bank balance at the start of the year (inputs like any other)."""

from __future__ import annotations

from pathlib import Path

FUNDS = """fund,line,total,start_year,end_year,spent_to_date
Innovation Programme (DfE Partners in Practice),Participation and Voice,2390000.00,2018/19,2020/21,
Innovation Programme (DfE Partners in Practice),EPIC Leaving Care Team,2390000.00,2018/19,2020/21,
Staying Put Implementation Grant,Staying Put,260000.00,2019/20,2019/20,185000.00
"""
# the trust's bank balance when the year opened: the cash position runs from here through the year
BANK_BALANCES = """date,balance
2019-03-31,3000000.00
"""


def write_demo_funding(folder: Path) -> tuple[Path, Path]:
    """Write funding.csv and bank-balances.csv into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    funds, balances = folder / "funding.csv", folder / "bank-balances.csv"
    funds.write_text(FUNDS, encoding="utf-8")
    balances.write_text(BANK_BALANCES, encoding="utf-8")
    return funds, balances
