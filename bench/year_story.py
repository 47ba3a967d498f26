"""The year as a story on the demo workspace: how long the month-end history query, the trajectory, the
accuracy against the closed year and the new sheets take, and a quick (history-only) month end against a full
one. Run: .venv/bin/python bench/year_story.py DEMO-OUTDIR (build the demo first: ``careladder demo /tmp/dm``).
The workspace is copied first; the demo's own is not changed."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from budget.monthend.history import month_end_history
from budget.monthend.outturn import outturn_report
from budget.monthend.story import latest_track_record
from budget.monthend.trajectory import trajectory_for
from budget.workbooks.outturn import write_outturn_workbook
from ledgers.readers.periods import FinancialYear
from ledgers.store.workspace import load_workspace


def timed(label: str, fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    start = time.process_time()
    for _ in range(repeat):
        out = fn()
    took = (time.process_time() - start) / repeat
    print(f"{label:<58} {took * 1000:>9.1f} ms CPU")
    return out


def main(outdir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(outdir / "workspace", Path(tmp) / "ws")
        ws = load_workspace(Path(tmp) / "ws")
        store = ws.open()
        try:
            con, settings = store.con, ws.settings
            fy = settings.financial_year
            prior = FinancialYear(fy.start_year - 1)
            h = timed(
                f"month_end_history {fy.label} ({len(month_end_history(con, fy).lines)} rows)",
                lambda: month_end_history(con, fy),
                20,
            )
            hp = month_end_history(con, prior)
            print(
                f"  {prior.label}: month ends run {hp.periods}, closed {hp.closed}; {fy.label}: {h.periods}"
            )
            record = timed(
                f"track record of {prior.label}", lambda: latest_track_record(con, settings, fy), 20
            )
            assert record is not None
            quick = timed(
                "quick month end P6 (history only, stored)",
                lambda: outturn_report(
                    con,
                    settings,
                    f"{fy.month(6):%Y-%m}",
                    quick=True,
                    models=("naive",),
                ),
                3,
            )
            del quick
            report = timed(
                "full month end P9 (stored forecasts reused)",
                lambda: outturn_report(con, settings, f"{fy.month(9):%Y-%m}"),
            )
            timed(
                "trajectory from the history", lambda: trajectory_for(month_end_history(con, fy), report), 20
            )
            timed(
                "outturn workbook with Trajectory and Monthly",
                lambda: write_outturn_workbook(report, Path(tmp) / "o.xlsx"),
                3,
            )
            lines = len(report.lines)
            print(
                f"  {lines} lines; trajectory month ends {report.trajectory.periods if report.trajectory else []}"
            )
        finally:
            store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dm"))
