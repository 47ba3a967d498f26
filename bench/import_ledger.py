"""Bench: `careladder ledger import` of N generated GL rows against DuckDB's bare read_csv of the same file.

    python bench/import_ledger.py [--rows 1000000]

Prints both wall times, their ratio (goal <= 3) and the import's peak memory (goal < 2 GB at 1M rows); and
both CPU times (user + system, every thread) with their ratio: on a shared machine the wall times swing with
the others' load, the CPU times much less.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np


def write_gl(path: Path, rows: int, seed: int = 1) -> None:
    """A year of GL rows: 40 cost centres × 30 accounts, UK dates, amounts with pence, supplier text."""
    rng = np.random.default_rng(seed)
    days = np.datetime64("2019-04-01") + rng.integers(0, 366, rows)
    dates = np.datetime_as_string(days, unit="D")
    uk = np.char.add(
        np.char.add(np.char.add(np.char.add([d[8:10] for d in dates], "/"), [d[5:7] for d in dates]), "/"),
        [d[0:4] for d in dates],
    )
    cc = np.char.add("CC", rng.integers(10, 50, rows).astype(str))
    acct = rng.integers(5000, 5030, rows).astype(str)
    amount = np.char.mod("%.2f", rng.normal(800, 400, rows).round(2))
    ref = np.char.add("INV", np.arange(rows).astype(str))
    with open(path, "w", encoding="utf-8") as f:
        f.write("Transaction Date,Cost Centre,Subjective,Amount,Supplier,Description,Reference\n")
        chunk = 200_000
        for i in range(0, rows, chunk):
            s = slice(i, i + chunk)
            lines = [
                f"{a},{b},{c},{d},Provider {b} Ltd,Placement fees,{e}"
                for a, b, c, d, e in zip(uk[s], cc[s], acct[s], amount[s], ref[s], strict=True)
            ]
            f.write("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    exe = Path(sys.executable).parent / "careladder"
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        gl = t / "gl.csv"
        t0 = time.perf_counter()
        write_gl(gl, args.rows)
        print(
            f"generated {args.rows:,} rows ({gl.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s"
        )
        (t / "map.csv").write_text(
            "cost_centre,account,line,heading\nCC1*,*,Line A,Heading\nCC2*,50*,Line B,Heading\n"
            "CC3*,*,Line C,Heading\n*,*,Other,Heading\n"
        )
        (t / "budget.csv").write_text(
            "line,heading,gross,income\nLine A,Heading,1000000,0\nLine B,Heading,1000000,0\n"
            "Line C,Heading,1000000,0\nOther,Heading,1000000,0\n"
        )
        ws = t / "ws"
        subprocess.run(
            [exe, "init", ws, "--authority", "Bench", "--year", "2019/20"], check=True, capture_output=True
        )
        for kind, f in (("mapping", "map.csv"), ("budget", "budget.csv")):
            subprocess.run([exe, kind, "import", t / f, "-w", ws], check=True, capture_output=True)

        t0, c0 = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        con = duckdb.connect(str(t / "bare.duckdb"))
        con.execute("CREATE TABLE gl AS SELECT * FROM read_csv(?)", [str(gl)])
        n_bare = con.execute("SELECT count(*) FROM gl").fetchall()[0][0]
        con.close()
        bare, bare_cpu = time.perf_counter() - t0, _cpu(resource.RUSAGE_SELF) - c0

        t0, c0 = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
        res = subprocess.run([exe, "ledger", "import", gl, "-w", ws], capture_output=True, text=True)
        ours, ours_cpu = time.perf_counter() - t0, _cpu(resource.RUSAGE_CHILDREN) - c0
        if res.returncode != 0:
            print(res.stderr)
            raise SystemExit(res.returncode)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"duckdb read_csv into a table: {bare:6.2f} s ({n_bare:,} rows)")
        print(f"careladder ledger import    : {ours:6.2f} s (end to end, process start included)")
        print(f"ratio                       : {ours / bare:6.2f}  (goal <= 3)")
        print(f"peak memory of the import   : {peak_mb:6.0f} MB (goal < 2048 MB)")
        print(f"cpu: read_csv {bare_cpu:.2f} s, import {ours_cpu:.2f} s, ratio {ours_cpu / bare_cpu:.2f}")


def _cpu(who: int) -> float:
    """User + system CPU seconds of this process (every thread) or of its finished children."""
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


if __name__ == "__main__":
    main()
