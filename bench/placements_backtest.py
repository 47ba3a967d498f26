"""Backtest the placement-mix model on SSDA903 sets: cut at 31 March, keep only the returns an authority
held then (the returns whose collection year had ended by the cut), forecast 24 months ahead and score
the month-end number of children in care (all lines) against the stock in the return covering that month
(a child is in care at a month end when an episode in that year's return started on or before it and had
not ended before it: the return for a year lists every episode open at any time in it, so this is the
count the DfE publishes).

A return's collection year is read from its dates, not its file name: it ends on the first 31 March on or
after the earliest end date it holds (a return for the year to 31 March Y holds episodes open on or after
1 April Y−1). The demand model's yearly files are named by the year they start (``2017-episodes.csv``
ends on 2018-04-01 at the latest), the generated sets' YEAR by the year they end.

Why the covering return, not every return stacked: in consistent returns the two agree, but where a child
open at one year end has no row in the next year's return (the demand model's combined sample: 84 children
open at 31 March 2018 are absent from 2018/19), stacking keeps that child in care for ever.

Prints per set and cut: MAPE of the model, of naive (the stock at the cut, carried flat) and of drift (the
stock at the cut plus its mean monthly change over the history known at the cut: month ends from the first
whole month the held returns cover to the cut), the share of months whose actual lies in the model's
80% range and (``stacked``) the model's MAPE against every return stacked, the latest copy of an episode
kept (equal to the first on consistent returns); then the mean by set type and overall, and the cuts where the model loses to either, for each
reference period asked for (``--reference year,history,shrunk``; default all three, so the choice of the
reference is made on this evidence across authorities and cuts, not per authority).

Run: .venv/bin/python bench/placements_backtest.py [--reference shrunk] [--draws 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import functools
import re
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from budget.monthend.outturn import placements_as_known
from forecasts.placements.model import totals_frame
from forecasts.placements.rates import REFERENCES
from forecasts.placements.simulation import simulate
from ledgers.importers.ssda903 import parse_dates, read_903

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synthetic_ssda903"
GENERATED = ["steady_s7", "steady_s8", "steady_s9", "steady_s10", "grow_s11", "decline_s12", "step_s13"]
CUTS = [2020, 2021, 2022, 2023]
# The demand model's own samples: closed cohorts (few children come in after the first years).
SAMPLES = [
    ("cs_demand_model_combined", None, 2019),
    ("cs_demand_model_combined", None, 2018),
    ("cs_demand_model_regional_v1", "Southwark", 2019),
    ("cs_demand_model_regional_v1", "Bromley", 2019),
    ("cs_demand_model_regional_v1", "Hillingdon", 2019),
]
_YEAR_FILE = re.compile(r"^(\d{4})-")


def year_end(dec: pd.Series) -> pd.Timestamp:
    """The end of a return's collection year: the first 31 March on or after the earliest end date
    (``DEC``) it holds."""
    first = parse_dates(dec).min()
    return pd.Timestamp(first.year + (first.month > 3), 3, 31)


@functools.cache
def returns(src: Path) -> list[tuple[pd.Timestamp, str, pd.DataFrame]]:
    """Every return of ``src`` as (year end, its yearly file's name or a stacked file's YEAR value, its
    episode rows as text)."""
    out = []
    for p in sorted(src.glob("*episodes.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        if _YEAR_FILE.match(p.name) or "YEAR" not in df.columns:
            out.append((year_end(df["DEC"]), p.name, df))
            continue
        for year, part in df.groupby("YEAR", sort=True):
            out.append((year_end(part["DEC"]), str(year), part))
    return out


def returns_held(src: Path, year: int, dest: Path) -> Path:
    """A copy of ``src`` holding only the returns whose collection year ended by 31 March ``year``."""
    dest.mkdir(parents=True, exist_ok=True)
    cut = pd.Timestamp(year, 3, 31)
    held = {key for end, key, _ in returns(src) if end <= cut}
    for p in src.glob("*.csv"):
        m = _YEAR_FILE.match(p.name)
        if m:
            if f"{m.group(1)}-episodes.csv" in held:
                shutil.copy(p, dest / p.name)
            continue
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        if "YEAR" in df.columns:
            df = df[df["YEAR"].isin(held)]
        df.to_csv(dest / p.name, index=False)
    return dest


def episodes_of(src: Path, la: str | None) -> pd.DataFrame:
    """Every return's episodes (an episode repeated in later returns kept once, from the latest)."""
    files = sorted(src.glob("*episodes.csv"))
    frames = []
    for p in files:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        m = _YEAR_FILE.match(p.name)
        df["_y"] = int(m.group(1)) if m else pd.to_numeric(df.get("YEAR", 0))
        frames.append(df)
    eps = pd.concat(frames, ignore_index=True)
    if la is not None:
        eps = eps[eps["LA"] == la]
    eps["start"], eps["end"] = parse_dates(eps["DECOM"]), parse_dates(eps["DEC"])
    eps = eps.sort_values("_y").drop_duplicates(["CHILD", "DECOM"], keep="last")
    return eps[["CHILD", "start", "end"]]


def children_in_care(eps: pd.DataFrame, month_ends: list[pd.Timestamp]) -> np.ndarray:
    """Children in care at each month end."""
    out = []
    for me in month_ends:
        on = (eps["start"] <= me) & (eps["end"].isna() | (eps["end"] >= me))
        out.append(eps.loc[on, "CHILD"].nunique())
    return np.array(out, dtype=float)


def children_in_care_by_return(src: Path, la: str | None, month_ends: list[pd.Timestamp]) -> np.ndarray:
    """Children in care at each month end counted in the return whose collection year holds it (NaN for a
    month end no return covers)."""
    by_end = {}
    for end, _, df in returns(src):
        if la is not None:
            df = df[df["LA"] == la]
        part = pd.DataFrame(
            {"CHILD": df["CHILD"], "start": parse_dates(df["DECOM"]), "end": parse_dates(df["DEC"])}
        )
        by_end[end] = pd.concat([by_end[end], part]) if end in by_end else part
    out = []
    for me in month_ends:
        end = pd.Timestamp(me.year + (me.month > 3), 3, 31)
        out.append(children_in_care(by_end[end], [me])[0] if end in by_end else np.nan)
    return np.array(out, dtype=float)


def drift_path(eps_held: pd.DataFrame, first: pd.Timestamp, cut: date, months: int) -> np.ndarray:
    """Drift: the stock at the cut plus, per month ahead, the mean monthly change of the month-end stock from
    the first month end on or after ``first`` to the cut (from the returns held at the cut)."""
    at = pd.Timestamp(cut)
    ends = pd.date_range(first + pd.offsets.MonthEnd(0), at, freq="ME")
    past = children_in_care(eps_held, list(ends))
    slope = (past[-1] - past[0]) / (len(past) - 1) if len(past) > 1 else 0.0
    return past[-1] + slope * np.arange(1, months + 1)


def score(
    src: Path, la: str | None, year: int, refs: list[str], draws: int, tmp: Path, seed: int = 0
) -> dict[str, tuple]:
    """Per reference: (MAPE model, naive, drift, coverage of the 80% range, MAPE of the model against the
    stock of every return stacked (see the module's docstring), months scored, seconds, w)."""
    cut = date(year, 3, 31)
    last = max(end for end, _, _ in returns(src))
    stacked = episodes_of(src, la)
    folder = returns_held(src, year, tmp / f"{src.name}-{la}-{year}")
    held, _ = read_903(folder, la=la)
    held = placements_as_known(held, cut)
    eps_held = episodes_of(folder, la)
    eps_held = eps_held[eps_held["start"] <= pd.Timestamp(cut)].copy()
    eps_held.loc[eps_held["end"] > pd.Timestamp(cut), "end"] = pd.NaT
    # complete from the earliest recorded ending (as the model's complete_from)
    drift = drift_path(eps_held, pd.Timestamp(eps_held["end"].min()), cut, 24)
    until = (pd.Timestamp(cut) + pd.DateOffset(months=24)).date()
    out = {}
    for ref in refs:
        t = time.perf_counter()
        sim = simulate(held, cut, until, draws=draws, seed=seed, reference=ref)
        tot = totals_frame(sim)
        secs = time.perf_counter() - t
        mes = [m + pd.offsets.MonthEnd(0) for m in tot["month"]]
        keep = np.array([me <= last for me in mes])
        actual = children_in_care_by_return(src, la, [me for me, k in zip(mes, keep, strict=True) if k])
        naive = children_in_care_by_return(src, la, [pd.Timestamp(cut)])[0]
        fc = tot["month_end"].to_numpy()[keep]
        lo, hi = tot["month_end_low"].to_numpy()[keep], tot["month_end_high"].to_numpy()[keep]
        mape = float(np.mean(np.abs(fc - actual) / actual) * 100)
        mape_naive = float(np.mean(np.abs(naive - actual) / actual) * 100)
        dr = drift[: len(mes)][keep]
        mape_drift = float(np.mean(np.abs(dr - actual) / actual) * 100)
        cover = float(np.mean((actual >= lo) & (actual <= hi)) * 100)
        alt = children_in_care(stacked, [me for me, k in zip(mes, keep, strict=True) if k])
        mape_stacked = float(np.mean(np.abs(fc - alt) / alt) * 100)
        out[ref] = (
            mape,
            mape_naive,
            mape_drift,
            cover,
            mape_stacked,
            int(keep.sum()),
            secs,
            sim.rates.weight_recent,
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", default=",".join(REFERENCES))
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples-only", action="store_true", help="only the demand model's closed cohorts")
    ap.add_argument("--generated-only", action="store_true", help="only the seven generated sets")
    args = ap.parse_args()
    refs = args.reference.split(",")
    if not DATA.exists():
        print("shared synthetic SSDA903 data not present")
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [] if args.samples_only else GENERATED:
            for year in CUTS:
                res = score(DATA / "generated" / name, None, year, refs, args.draws, Path(tmp), args.seed)
                for ref, r in res.items():
                    rows.append(("generated", name.split("_")[0], name, year, ref, *r))
        for name, la, year in [] if args.generated_only else SAMPLES:
            res = score(DATA / name, la, year, refs, args.draws, Path(tmp), args.seed)
            for ref, r in res.items():
                rows.append(("sample", "closed", f"{name}{'/' + la if la else ''}", year, ref, *r))
    df = pd.DataFrame(
        rows,
        columns=[
            "kind",
            "type",
            "set",
            "cut",
            "reference",
            "mape",
            "naive",
            "drift",
            "cover80",
            "stacked",
            "months",
            "secs",
            "w",
        ],
    )
    pd.set_option("display.width", 160)
    for ref in refs:
        d = df[df["reference"] == ref]
        print(f"\n== reference: {ref} (month-end children in care, all lines; MAPE %, 80% range cover %)")
        print(d.drop(columns=["kind", "reference"]).round(2).to_string(index=False))
        print("\nmean by set type:")
        print(d.groupby("type")[["mape", "naive", "drift", "cover80"]].mean().round(2).to_string())
        g = d[d["kind"] == "generated"]
        lose_n = int((g["mape"] >= g["naive"]).sum())
        lose_d = int((g["mape"] >= g["drift"]).sum())
        beats = all(
            (t["mape"].mean() < t["naive"].mean()) and (t["mape"].mean() < t["drift"].mean())
            for _, t in g.groupby("type")
        )
        print(
            f"generated ({len(g)} cases): model {g['mape'].mean():.2f}%  naive {g['naive'].mean():.2f}%  "
            f"drift {g['drift'].mean():.2f}%  80% cover {g['cover80'].mean():.1f}%; model loses to naive in "
            f"{lose_n}, to drift in {lose_d} of {len(g)} cuts; beats both on every set type: {'yes' if beats else 'no'}"
        )
        smp = d[d["kind"] == "sample"]
        if len(smp):
            print(f"demand-model samples: model worst {smp['mape'].max():.2f}% (goal: within 6%)")


if __name__ == "__main__":
    main()
