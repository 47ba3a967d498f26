"""Bench: a large authority's month end through the CLI — init, imports, outturn workbook.

    python bench/month_end.py [--rows-per-year 300000] [--placements 1000] [--lines 60]

Four years of GL (2016/17 .. 2019/20 to December), 60 budget lines of which 12 are placement lines, 1,000 open
placements (plus their closed history). Prints the time of every step and the total (goal: under 30 s here),
then the month end again with the drill-down workbook and the Cash sheet, and the cash position on its own.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PLACEMENT_LINES = [
    ("Out of Area Residential", 4800),
    ("In-house Residential", 3200),
    ("Independent Fostering Agencies", 800),
    ("In-house Fostering", 380),
    ("Special Guardianship Orders", 150),
    ("Child Arrangement Orders", 120),
    ("Adoption Allowances", 140),
    ("16+ Supported Accommodation", 1000),
    ("Asylum Seekers", 900),
    ("Secure", 6000),
    ("Staying Put", 250),
    ("Family and Friends Fostering", 200),
]


def write_inputs(d: Path, rows_per_year: int, n_open: int, n_lines: int, seed: int = 7) -> list[Path]:
    rng = np.random.default_rng(seed)
    other = [f"Service line {i:02d}" for i in range(n_lines - len(PLACEMENT_LINES))]
    lines = [name for name, _ in PLACEMENT_LINES] + other
    mapping = ["cost_centre,account,line,heading"]
    budget = ["line,heading,gross,income"]
    for i, name in enumerate(lines):
        heading = "Children Looked After" if i < len(PLACEMENT_LINES) else f"Heading {i % 8}"
        mapping.append(f"CC{i:03d},*,{name},{heading}")
        budget.append(f"{name},{heading},{rng.integers(500_000, 9_000_000)},0")
    mapping.append("*,*,Unallocated,Other")
    budget.append("Unallocated,Other,0,0")
    (d / "mapping.csv").write_text("\n".join(mapping) + "\n")
    (d / "budget.csv").write_text("\n".join(budget) + "\n")
    # placements: n_open open at 2019-12-31 plus twice as many closed ones over the four years
    n = n_open * 3
    line_idx = rng.integers(0, len(PLACEMENT_LINES), n)
    start = np.datetime64("2016-04-01") + rng.integers(0, 1340, n)
    dur = rng.integers(30, 900, n)
    end = start + dur
    open_ = np.zeros(n, dtype=bool)
    open_[:n_open] = True
    start[:n_open] = np.datetime64("2019-12-31") - rng.integers(1, 900, n_open)
    rows = ["placement_id,child_ref,line,start_date,end_date,weekly_cost,provider"]
    for k in range(n):
        name, cost = PLACEMENT_LINES[line_idx[k]]
        e = "" if open_[k] else str(min(end[k], np.datetime64("2019-12-30")))
        s = str(min(start[k], np.datetime64("2019-12-30")))
        if e and e < s:
            e = s
        rows.append(
            f"PL{k:06d},CH{k:06d},{name},{s},{e},{cost * rng.uniform(0.8, 1.2):.2f},Provider {k % 97}"
        )
    (d / "placements.csv").write_text("\n".join(rows) + "\n")
    files = []
    for year in (2016, 2017, 2018, 2019):
        days = 366 if year < 2019 else 275
        m = rows_per_year if year < 2019 else rows_per_year * 3 // 4
        dates = np.datetime_as_string(np.datetime64(f"{year}-04-01") + rng.integers(0, days - 1, m), unit="D")
        cc = rng.integers(0, n_lines, m)
        amounts = rng.gamma(2.0, 400.0, m).round(2)
        f = d / f"gl-{year}.csv"
        with open(f, "w") as out:
            out.write("date,cost_centre,account,amount,supplier,reference\n")
            out.write(
                "\n".join(
                    f"{a},CC{b:03d},5{b % 10}00,{c:.2f},Supplier {b},R{year}{i}"
                    for i, (a, b, c) in enumerate(zip(dates, cc, amounts, strict=True))
                )
                + "\n"
            )
        files.append(f)
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows-per-year", type=int, default=300_000)
    ap.add_argument("--placements", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=60)
    args = ap.parse_args()
    exe = str(Path(sys.executable).parent / "careladder")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t0 = time.perf_counter()
        gls = write_inputs(d, args.rows_per_year, args.placements, args.lines)
        print(f"inputs generated in {time.perf_counter() - t0:.1f} s (not timed below)")
        ws = str(d / "ws")
        steps = [
            (
                "init",
                [
                    exe,
                    "init",
                    ws,
                    "--authority",
                    "Large",
                    "--year",
                    "2019/20",
                    "--contract-value",
                    "200000000",
                ],
            ),
            ("mapping import", [exe, "mapping", "import", str(d / "mapping.csv"), "-w", ws]),
            ("budget import", [exe, "budget", "import", str(d / "budget.csv"), "-w", ws]),
            *(
                (f"ledger import {g.stem}", [exe, "ledger", "import", str(g), "--history", "-w", ws])
                for g in gls
            ),
            ("placements import", [exe, "placements", "import", str(d / "placements.csv"), "-w", ws]),
            (
                "outturn + workbook",
                [exe, "outturn", "--period", "2019-12", "--out", str(d / "o.xlsx"), "-w", ws],
            ),
            (
                "outturn --detail --cash",
                [
                    exe,
                    "outturn",
                    "--period",
                    "2019-12",
                    "--out",
                    str(d / "o.xlsx"),
                    "--detail",
                    "--cash",
                    "-w",
                    ws,
                ],
            ),
            ("cash --out", [exe, "cash", "--period", "2019-12", "--out", str(d / "cash.xlsx"), "-w", ws]),
        ]
        total = 0.0
        for label, cmd in steps:
            t = time.perf_counter()
            res = subprocess.run(cmd, capture_output=True, text=True)
            dt = time.perf_counter() - t
            total += dt
            if res.returncode != 0:
                print(res.stderr[-3000:])
                raise SystemExit(f"{label} failed")
            print(f"{label:<28} {dt:6.2f} s")
        print(
            f"{'total':<28} {total:6.2f} s  (goal < 30 s; {args.lines} lines, {args.placements} open placements, "
            f"4 years × {args.rows_per_year:,} GL rows)"
        )


if __name__ == "__main__":
    main()
