"""A small authority worked by hand for the cash position and the funds (tests import it, not pytest).

Contract £1,200,000 (instalments £100,000). Lines: Fostering (placements, one open since 1/1/2019 at £700 a
week = £100 a day; ledger £3,000 a month Apr–Dec and £3,100 in March 2019), Staff (£80,000 a month, run-rate; budget £1,000,000),
Grant Income (£10,000 a month received, run-rate), Contract Value (the contract, £100,000 a month).
"""

from __future__ import annotations

from pathlib import Path

from ledgers.importers.budgets import import_budget
from ledgers.importers.ledger import import_ledger
from ledgers.importers.mapping import import_mapping
from ledgers.importers.placements import import_placements
from ledgers.store.workspace import Workspace, init_workspace, load_workspace

MAPPING = """cost_centre,account,line,heading,kind
FOS1,5100,Fostering,Children Looked After,expenditure
STF1,5000,Staff,Staffing,expenditure
GRT1,9000,Grant Income,Staffing,income
CON1,9900,Contract Value,Contract Value,income
"""
BUDGET = """line,heading,gross,income,method
Fostering,Children Looked After,40000.00,0.00,commitments
Staff,Staffing,1000000.00,0.00,run-rate
Grant Income,Staffing,0.00,-120000.00,run-rate
Contract Value,Contract Value,0.00,-1200000.00,run-rate
"""
PLACEMENTS = """placement_id,child_ref,line,start_date,weekly_cost,end_date,planned_end_date,provider,placement_type
PL1,CH900001,Fostering,2019-01-01,700.00,,,Acorn Fostering,Independent fostering agency
"""
MONTH_ENDS = [
    "2019-04-30", "2019-05-31", "2019-06-30", "2019-07-31", "2019-08-31", "2019-09-30", "2019-10-31",
    "2019-11-30", "2019-12-31",
]  # fmt: skip


def ledger_text() -> str:
    rows = ["date,cost_centre,account,amount,description,supplier,reference,placement_id"]
    for d in MONTH_ENDS:
        rows += [
            f"{d},FOS1,5100,3000.00,Fostering {d},Acorn Fostering,INV-{d},",
            f"{d},STF1,5000,80000.00,Payroll {d},,PAY-{d},",
            f"{d},GRT1,9000,-10000.00,Grant {d},,GR-{d},",
            f"{d},CON1,9900,-100000.00,Contract {d},,CON-{d},",
        ]
    return "\n".join(rows) + "\n"


HISTORY = """date,cost_centre,account,amount,description,supplier,reference,placement_id
2019-03-31,FOS1,5100,3100.00,Fostering March,Acorn Fostering,INV-1903,
2019-03-31,STF1,5000,80000.00,Payroll March,,PAY-1903,
"""


def small_authority(folder: Path, settings: str = "", top: str = "") -> Workspace:
    """The workspace with every input imported; ``settings`` (sections) is appended to careladder.toml and
    ``top`` (top-level keys) put before its first section."""
    ws = init_workspace(folder / "ws", "Small Trust", "2019/20", contract_value=1_200_000)
    toml = ws.path / "careladder.toml"
    text = toml.read_text(encoding="utf-8")
    if top:
        text = text.replace("variance_threshold = 100000", top, 1)
    toml.write_text(text + "\n" + settings, encoding="utf-8")
    ws = load_workspace(ws.path)
    files = folder / "in"
    files.mkdir(exist_ok=True)
    texts = {
        "mapping.csv": MAPPING,
        "budget.csv": BUDGET,
        "placements.csv": PLACEMENTS,
        "ledger.csv": ledger_text(),
        "history.csv": HISTORY,
    }
    for name, text in texts.items():
        (files / name).write_text(text, encoding="utf-8")
    fy = ws.settings.financial_year
    store = ws.open()
    try:
        import_mapping(store, files / "mapping.csv", fy)
        import_budget(store, files / "budget.csv", fy)
        import_placements(store, files / "placements.csv", fy)
        import_ledger(store, files / "history.csv", fy, history=True)
        import_ledger(store, files / "ledger.csv", fy)
    finally:
        store.close()
    return ws
