"""The workspace at a glance: what is stored, the last month end run and what the next one needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledgers.readers.periods import FinancialYear, month_label
from ledgers.store.workspace import load_workspace


@dataclass
class Stored:
    """One input as the store holds it now."""

    kind: str
    label: str
    detail: str  # e.g. "import #3 budget.csv, 35 rows, 2020-01-10 09:12"
    present: bool


@dataclass
class WorkspaceStatus:
    authority: str
    year: str
    stored: list[Stored]
    ledger_periods: list[int]  # periods of the year holding ledger rows
    last_run: int | None  # the latest period with a stored month end
    last_run_month: str | None = None  # its YYYY-MM
    next_steps: list[str] = field(default_factory=list)

    @property
    def last_period(self) -> int | None:
        return max(self.ledger_periods) if self.ledger_periods else None


def workspace_status(path: Path) -> WorkspaceStatus:
    """What is stored, the last month end run, and what is missing for the next one."""
    ws = load_workspace(path)
    fy = ws.settings.financial_year
    store = ws.open(read_only=True)
    try:
        con = store.con
        latest = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT kind, max(import_id), arg_max(file_name, import_id), arg_max(rows, import_id), "
                "strftime(max(imported_at), '%Y-%m-%d %H:%M') FROM imports WHERE mode <> 'superseded' "
                "GROUP BY kind"
            ).fetchall()
        }
        counts = {
            "mapping": con.execute("SELECT count(*) FROM mapping").fetchone(),
            "budget": con.execute("SELECT count(*) FROM budget WHERE fy = ?", [fy.start_year]).fetchone(),
            "ledger": con.execute("SELECT count(*) FROM ledger WHERE fy = ?", [fy.start_year]).fetchone(),
            "placements": con.execute("SELECT count(*) FROM placements").fetchone(),
            "savings": con.execute("SELECT count(*) FROM savings").fetchone(),
            "adjustments": con.execute(
                "SELECT count(*) FROM adjustments WHERE fy = ?", [fy.start_year]
            ).fetchone(),
        }
        periods = [
            int(r[0])
            for r in con.execute(
                "SELECT DISTINCT period FROM ledger WHERE fy = ? ORDER BY period", [fy.start_year]
            ).fetchall()
        ]
        run = con.execute("SELECT max(period) FROM outturn_lines WHERE fy = ?", [fy.start_year]).fetchone()
        as_at = con.execute("SELECT max(start_date), max(end_date) FROM placements").fetchone()
    finally:
        store.close()
    stored = []
    for kind, label in (
        ("mapping", "Code mapping"),
        ("budget", f"Budget {fy.label}"),
        ("ledger", f"Ledger {fy.label}"),
        ("placements", "Placements"),
        ("savings", "Savings plan"),
        ("adjustments", "Adjustments"),
    ):
        n = int((counts[kind] or (0,))[0])
        imp = latest.get(kind) or (latest.get("placements-903") if kind == "placements" else None)
        if n == 0:
            detail = "nothing stored"
        else:
            detail = f"{n:,} rows"
            if imp is not None:
                detail += f" — import #{imp[0]} {imp[1]}, {imp[3]}"
            if kind == "ledger" and periods:
                detail += f" — periods P{periods[0]}–P{periods[-1]}"
            if kind == "placements" and as_at is not None and as_at[0] is not None:
                last = max(d for d in as_at if d is not None)
                detail += f" — latest start or end {last:%d %b %Y}"
        stored.append(Stored(kind, label, detail, n > 0))
    status = WorkspaceStatus(
        ws.settings.authority,
        fy.label,
        stored,
        periods,
        None if run is None or run[0] is None else int(run[0]),
    )
    if status.last_run is not None:
        status.last_run_month = month_label(fy, status.last_run)
    status.next_steps = next_steps(status, fy)
    return status


def next_steps(status: WorkspaceStatus, fy: FinancialYear) -> list[str]:
    """What the officer must do before the next month end, in words."""
    steps = []
    have = {s.kind for s in status.stored if s.present}
    for kind, words in (
        ("mapping", "import the code mapping"),
        ("budget", f"import the {fy.label} budget"),
        ("placements", "import the placements list (or an SSDA903 return)"),
    ):
        if kind not in have:
            steps.append(words)
    last = status.last_period
    if last is None:
        steps.append(f"import the ledger export for {fy.label}")
    elif last < 12:
        nxt = last + 1
        steps.append(
            f"the ledger ends at P{last} ({fy.month(last):%B %Y}): import the {fy.month(nxt):%B %Y} export "
            f"for the P{nxt} month end"
        )
    if last is not None and (status.last_run is None or status.last_run < last):
        steps.append(f"run the P{last} month end ({month_label(fy, last)})")
    return steps
