"""The placement model's rates hang together: periods of care, line spells, one reference period, ageing
out at 18, and a stock whose flows balance month by month."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasts.placements.careperiods import eighteenth_birthdays, entries_by_month, line_spells
from forecasts.placements.model import FLOWS, flows_by_month, forecast_frame, totals_frame
from forecasts.placements.rates import (
    NATIONAL_ENTRY_SPREAD,
    NATIONAL_EXIT_SPREAD,
    line_rates,
    shrinkage_weight,
    spread_beyond_chance,
    yearly_leavers,
)
from forecasts.placements.simulation import IN_ENTRY, simulate
from forecasts.placements.survival import kaplan_meier
from ledgers.importers.ssda903 import read_903
from ledgers.store.placements import placements_frame

from conftest import placements_of

# child A: IFA, a new IFA carer 3 days later (same line: a move, not a new child), then a step down to
# in-house 1 day later, then leaves; child B: comes into care twice (60 days apart); child C: one placement.
CHILDREN = [
    ("a1", "A", "IFA", "2019-01-10", "2019-03-01", None, 80000),
    ("a2", "A", "IFA", "2019-03-04", "2019-05-01", None, 82000),
    ("a3", "A", "In-house", "2019-05-02", "2019-09-30", None, 50000),
    ("b1", "B", "OOA", "2019-02-01", "2019-04-01", None, 400000),
    ("b2", "B", "IFA", "2019-05-31", None, None, 80000),
    ("c1", "C", "In-house", "2019-06-15", None, None, 50000),
]


def yearly_stays(children: dict[int, int], days: int, known_to: str = "2020-03-31") -> pd.DataFrame:
    """IFA placements (£800/wk) of ``children[year]`` children coming into care evenly spaced over the year
    from 1 April, each staying ``days`` days (open when that runs past ``known_to``)."""
    rows = []
    for year, n in children.items():
        for i in range(n):
            start = pd.Timestamp(f"{year}-04-01") + pd.Timedelta(days=int(i * 365 / n))
            end = start + pd.Timedelta(days=days)
            row = (f"p{year}{i}", f"c{year}{i}", "IFA", start, end if end <= pd.Timestamp(known_to) else None)
            rows.append((*row, None, 80000))
    return placements_of(rows)


def test_entries_are_children_coming_into_care_not_new_placements() -> None:
    spells = line_spells(placements_of(CHILDREN), date(2019, 12, 31))
    # A: one period of care of two line spells (IFA a1+a2, in-house a3); B: two periods; C: one.
    assert len(spells) == 5
    assert int(spells["entry"].sum()) == 4  # A once, B twice, C once: 4 children coming into care
    by_month = entries_by_month(spells, date(2019, 1, 1), date(2019, 12, 31))
    assert by_month.tolist() == [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    a = spells[spells["start"] == pd.Timestamp("2019-01-10")].iloc[0]
    assert (a["line"], a["how"], a["to_line"]) == ("IFA", "move", "In-house")
    assert a["end"] == pd.Timestamp("2019-05-01")  # the IFA spell runs through the same-line move
    hows = spells.sort_values("start")["how"].tolist()
    assert hows == ["move", "exit", "exit", "open", "open"]  # A IFA, B OOA, A in-house, B IFA, C


def test_rates_count_entries_moves_and_exits_over_one_window() -> None:
    rates = line_rates(placements_of(CHILDREN), date(2019, 12, 31), reference="year")
    assert rates.weight_recent == 1.0 and len(rates.components) == 1
    r = rates.components[0][1]
    # The list is complete from 1 Mar 2019 (its first end date): the window is 1 Mar – 31 Dec 2019.
    assert r.start == pd.Timestamp("2019-03-01")
    months = (pd.Timestamp("2019-12-31") - pd.Timestamp("2019-03-01")).days / (365.25 / 12)
    lines = rates.lines
    assert lines == ["IFA", "In-house", "OOA"]
    # entries after the window start: B again (IFA, 31 May) and C (in-house, 15 Jun)
    assert np.allclose(r.entries, [1 / months, 1 / months, 0])
    # one IFA → in-house move, over IFA spell-days in the window: A 1 Mar–1 May (61) + B 31 May–31 Dec (214)
    assert math.isclose(r.move_rate[0, 1], 1 / (275 / (365.25 / 12)))
    assert r.move_rate.sum() == r.move_rate[0, 1]


def test_shrinkage_weight_by_hand() -> None:
    assert shrinkage_weight([100, 100, 100]) == 0.0  # no spread beyond chance: the long run
    assert shrinkage_weight([110, 95, 100]) == 0.0  # var 58.3 < mean 101.7: Poisson noise
    # var 2500, mean 100: τ² = 2400 / 100² = 0.24, q = τ² · mean = 24, P = (24 + √(24² + 96)) / 2 = 24.961,
    # weight P / (P + 1) = 0.9615: a real change, the last year nearly all
    assert math.isclose(shrinkage_weight([150, 100, 50]), 24.9615 / 25.9615, rel_tol=1e-4)
    assert shrinkage_weight([120]) == 1.0  # one year: nothing to shrink toward
    # England's yearly spread as the least: τ² = 0.0511², q = 0.2611 at 100 a year,
    # P = (0.2611 + √(0.2611² + 4 × 0.2611)) / 2 = 0.6580, weight 0.6580 / 1.6580 = 0.397
    assert math.isclose(shrinkage_weight([100, 100, 100], NATIONAL_ENTRY_SPREAD), 0.3969, rel_tol=1e-3)
    # ... and the more children a year, the less Poisson chance hides a move: 400 a year, q = 1.0445,
    # P = (1.0445 + √(1.0445² + 4.1779)) / 2 = 1.6700, weight 1.6700 / 2.6700 = 0.6255
    assert math.isclose(shrinkage_weight([400, 400, 400], NATIONAL_ENTRY_SPREAD), 0.6255, rel_tol=1e-3)


def test_shrunk_reference_weighs_the_last_year_by_the_national_floor() -> None:
    """Three years of 24 children coming into care, evenly spaced: no spread beyond chance of its own, so
    the last year's weight is the local-level gain at England's spread: q = 0.0511² × 24 = 0.06267,
    P = (0.06267 + √(0.06267² + 0.25068)) / 2 = 0.28363, weight 0.28363 / 1.28363 = 0.2210."""
    rates = line_rates(yearly_stays({2017: 24, 2018: 24, 2019: 24}, 60), date(2020, 3, 31))
    assert rates.yearly_entries == [24, 24]  # the list is complete from its first ending, 31 May 2017
    assert math.isclose(rates.weight_recent, 0.2210, rel_tol=1e-3)
    assert [round(w, 3) for w, _ in rates.components] == [0.221, 0.779]


def test_kaplan_meier_with_delayed_entry_agrees_with_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(3)
    d = np.floor(rng.exponential(400, 300)) + 1
    entry = np.floor(rng.uniform(0, 300, 300) * (rng.random(300) < 0.4))
    keep = entry < d
    d, entry = d[keep], entry[keep]
    event = rng.random(len(d)) < 0.7
    ours = kaplan_meier(d, event, entry)
    kmf = lifelines.KaplanMeierFitter().fit(d, event, entry=entry)
    theirs = kmf.survival_function_at_times(ours.times).to_numpy()
    assert np.allclose(ours.surv, theirs)


def _stock(n_children: int, dob: str | None) -> pd.DataFrame:
    rows = [(f"p{i}", f"c{i}", "IFA", "2018-01-01", None, None, 70000) for i in range(n_children)]
    df = placements_of(rows)
    df["date_of_birth"] = pd.Timestamp(dob) if dob else pd.NaT
    return placements_frame(df)


def test_a_child_leaves_at_the_18th_birthday() -> None:
    # Two children open since 2018, no one has ever left (no hazard) and no one comes in: only the 18th
    # birthday (14 February 2020) ends their placements.
    df = _stock(2, "2002-02-14")
    out = simulate(df, date(2019, 12, 31), date(2020, 3, 31), starts_per_month={"IFA": 0}, draws=5)
    fc = forecast_frame(out).set_index("month")
    assert fc["month_end"].tolist() == [2.0, 0.0, 0.0]
    # paid to the birthday: January 31 days, February 14 days, £700/wk each
    assert fc["cost_p"].tolist() == [2 * 310000, 2 * 140000, 0]
    flows = flows_by_month(out).set_index("month")
    assert flows.loc[pd.Timestamp("2020-02-01"), "aged_out"] == 2.0
    assert eighteenth_birthdays(pd.Series(pd.to_datetime(["2004-02-29"]))).iloc[0] == pd.Timestamp(
        "2022-02-28"
    )


def test_an_age_out_is_censored_not_a_leaving_in_the_fit() -> None:
    # Ten children who all left on their 18th birthday: no one left care for another reason, so the exit
    # curve has no events and the forecast cohort (younger) stays until its own birthdays.
    rows = [(f"o{i}", f"o{i}", "IFA", "2016-01-01", "2019-06-01", None, 70000) for i in range(10)]
    rows += [(f"n{i}", f"n{i}", "IFA", "2019-01-01", None, None, 70000) for i in range(3)]
    df = placements_of(rows)
    df["date_of_birth"] = [pd.Timestamp("2001-06-01")] * 10 + [pd.Timestamp("2010-01-01")] * 3
    spells = line_spells(placements_frame(df), date(2019, 12, 31))
    assert (spells["how"] == "aged_out").sum() == 10
    rates = line_rates(placements_frame(df), date(2019, 12, 31), reference="history")
    assert rates.components[0][1].curve("IFA", -1).events == 0


def test_stock_flows_balance_month_by_month_on_a_903_set() -> None:
    folder = (
        Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synthetic_ssda903" / "generated"
    )
    if not folder.exists():
        pytest.skip("shared data not present")
    df, _ = read_903(folder / "steady_s8")
    at = date(2021, 3, 31)
    view = df[df["start_date"] <= pd.Timestamp(at)].copy()
    view.loc[view["end_date"] > pd.Timestamp(at), "end_date"] = pd.NaT
    sim = simulate(view, at, date(2023, 3, 31), draws=40, seed=1)
    flows = flows_by_month(sim)
    assert list(flows.columns[2:]) == list(FLOWS)
    balance = flows["opening"] + flows["entries"] + flows["moves_in"] - flows["moves_out"]
    balance -= flows["left_care"] + flows["aged_out"]
    assert np.allclose(balance, flows["closing"])
    for _, g in flows.groupby("line"):
        assert np.allclose(g["opening"].to_numpy()[1:], g["closing"].to_numpy()[:-1])
    total = flows.groupby("month")[["moves_in", "moves_out"]].sum()
    assert np.allclose(total["moves_in"], total["moves_out"], atol=1e-9)  # moves only shift children
    # Entries forecast = the rate measured: children coming into care, not new placements.
    spells = line_spells(view, at)
    came = int(spells["entry"].where(spells["start"] > pd.Timestamp("2020-03-31"), False).sum())
    per_month = flows.groupby("month")["entries"].sum().mean()
    assert abs(per_month - sim.rates.starts_per_month.sum()) < 0.15 * sim.rates.starts_per_month.sum()
    placements_started = int((view["start_date"] > pd.Timestamp("2020-03-31")).sum())
    assert came < placements_started / 1.5  # most new placements are moves
    year = line_rates(view, at, reference="year").components[0][1]
    assert year.entries_total == came
    # month-end numbers of the totals equal the lines' month-end numbers added up
    tot = totals_frame(sim)
    by_line = forecast_frame(sim).groupby("month")["month_end"].sum()
    assert np.allclose(tot["month_end"].to_numpy(), by_line.to_numpy())
    assert (tot["month_end_low"] <= tot["month_end"]).all() and (
        tot["month_end"] <= tot["month_end_high"]
    ).all()


def test_903_header_gives_date_of_birth(tmp_path: Path) -> None:
    head = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    (tmp_path / "2019-episodes.csv").write_text(head + "7,01/04/2018,S,C2,N1,U4,PR4,,,,,,100\n")
    (tmp_path / "2018-header.csv").write_text("CHILD,SEX,DOB\n7,1,01/01/2004\n")
    (tmp_path / "2019-header.csv").write_text("CHILD,SEX,DOB\n7,1,02/01/2004\n")  # the later return wins
    df, problems = read_903(tmp_path)
    assert problems == []
    assert df["date_of_birth"].tolist() == [pd.Timestamp("2004-01-02")]


def test_kaplan_meier_steps_stop_where_few_remain_at_risk() -> None:
    # 13 spells: endings at days 1..10 (one each), open at 20 and 30 days, one ending at 25 with only 2
    # at risk. With min_at_risk 3 the steps stop at day 10 (4 at risk there);
    # beyond, the hazard is the endings per day at risk past day 10: 1 ending (day 25) over
    # (20-10) + (25-10) + (30-10) = 45 days.
    d = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 25, 30], dtype=float)
    e = np.array([1] * 10 + [0, 1, 0], dtype=bool)
    full = kaplan_meier(d, e)
    assert full.times[-1] == 25 and math.isclose(full.surv[-1], 3 / 13 * 1 / 2)  # one of 2 at 25: half
    cut = kaplan_meier(d, e, min_at_risk=3)
    assert cut.times[-1] == 10 and math.isclose(cut.surv[-1], 3 / 13)
    assert math.isclose(cut.tail_hazard, 1 / 45)
    # S never drops to 0 on a last lone ending: the spell at 29 days is still at risk, not ended at once
    last = kaplan_meier(np.array([5.0] * 11 + [40.0]), np.array([True] * 12), min_at_risk=3)
    assert last.times.tolist() == [5.0] and math.isclose(last.tail_hazard, 1 / 35)
    assert float(last.survival(29)) > 0


def test_spread_beyond_chance_by_hand() -> None:
    assert spread_beyond_chance([100, 100, 100]) == 0.0
    assert spread_beyond_chance([110, 95, 100]) == 0.0  # var 58.3 < mean 101.7: chance
    assert math.isclose(spread_beyond_chance([150, 100, 50]), (2500 - 100) / 100**2)
    # leavers per months in care: 60 of 1,000 and 30 of 1,000 months: rate 0.045, expected 45 each year,
    # variance about them (15² + 15²) / 1 = 450, minus 45, over 45²
    assert math.isclose(spread_beyond_chance([60, 30], [1000.0, 1000.0]), (450 - 45) / 45**2)
    # same rate per month in care, twice the months the second year: no spread
    assert spread_beyond_chance([30, 60], [1000.0, 2000.0]) == 0.0


def test_leavers_and_months_in_care_counted_per_year() -> None:
    at = date(2020, 3, 1)
    rates = line_rates(placements_of(CHILDREN), at)
    # one whole year after the list is complete (1 Mar 2019): B leaves on 1 Apr 2019 (back 60 days later:
    # a new period) and A on 30 Sep 2019; 2 leavers. Months in care in the year: A IFA 61 days, A in-house
    # 151, B OOA 31, B IFA 275, C 260 = 778 days.
    assert rates.yearly_leavers == [2]
    spells = line_spells(placements_of(CHILDREN), at)
    counts, months = yearly_leavers(spells, pd.Timestamp("2019-03-01"), pd.Timestamp(at))
    assert counts == [2] and math.isclose(months[0], 778 / (365.25 / 12))
    # one year, nothing to compare: the estimate's error, 1 / 2 leavers, plus England's yearly spread
    assert math.isclose(rates.exit_cv, math.sqrt(1 / 2 + 0.0498**2))
    assert rates.exit_spread == NATIONAL_EXIT_SPREAD and rates.entry_spread == NATIONAL_ENTRY_SPREAD


def test_national_spread_floors_are_englands_yearly_moves() -> None:
    """The floors are the root mean square yearly change in log starts and in log leavers per child looked
    after (ceasing / mean of the 31 March counts either side) in England 1994–2024."""
    path = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "dfe_cla_national"
    df = pd.read_csv(path / "cla_time_series_1994_2024.csv", encoding="utf-8-sig")
    wide = df.pivot_table(index="time_period", columns="population_count", values="number", aggfunc="first")
    wide = wide.apply(pd.to_numeric, errors="coerce")
    starts = wide["Children starting to be looked after during the year"]
    stock = wide["Children looked after at 31 March"]
    leaving = (
        wide["Children ceasing to be looked after during the year"] / ((stock + stock.shift()) / 2)
    ).dropna()
    rms = [float(np.sqrt(np.mean(np.diff(np.log(x.to_numpy())) ** 2))) for x in (starts, leaving)]
    assert [round(v, 4) for v in rms] == [0.0511, 0.0498]
    assert math.isclose(NATIONAL_ENTRY_SPREAD, 0.0511**2) and math.isclose(NATIONAL_EXIT_SPREAD, 0.0498**2)


def test_entry_rate_that_moves_beyond_chance_widens_with_the_years_ahead() -> None:
    # 40, 120, 40, 120 children coming into care in the four years to 31 Mar 2020 (one a 3-month stay
    # each): far more spread than Poisson chance, so each year ahead is less certain than the one before.
    at = date(2020, 3, 31)
    df = yearly_stays({2016: 40, 2017: 120, 2018: 40, 2019: 120}, 90)
    rates = line_rates(df, at)
    assert rates.yearly_entries[:3] == [120, 40, 120]
    assert rates.entry_spread > 0.2  # (var − mean) / mean²
    sim = simulate(df, at, date(2023, 3, 31), draws=400, seed=2)
    r = sim.rows
    entries = r.came == IN_ENTRY
    per_year = [
        np.bincount(r.draw[entries & (r.s > 365 * y) & (r.s <= 365 * (y + 1))], minlength=400)
        for y in range(3)
    ]
    sd = [float(np.std(np.log(np.maximum(c, 1)))) for c in per_year]
    assert sd[0] < sd[1] < sd[2]
