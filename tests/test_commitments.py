"""Commitments, actual cost and placement series, checked by hand (£ figures in pence)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from forecasts.placements.commitments import (
    actual_cost_by_month,
    commitments_by_month,
    cost_pence,
    placement_series,
)
from ledgers.readers.templates import template_path
from ledgers.store.placements import check_placements

from conftest import placements_of

frame = placements_of


def test_seven_hundred_a_week_to_planned_end_is_fourteen_days_exactly() -> None:
    df = frame([("p1", "c1", "IFA", "2019-12-31", None, "2020-01-14", 70000)])
    out = commitments_by_month(df, date(2019, 12, 31), date(2020, 3, 31))
    jan = out[out["month"] == pd.Timestamp("2020-01-01")].iloc[0]
    assert (jan["days"], jan["cost_p"]) == (14, 140000)  # £1,400.00
    assert out["cost_p"].sum() == 140000
    assert round(jan["numbers"], 4) == round(14 / 31, 4)


def test_thousand_a_week_to_year_end_is_ninety_one_days() -> None:
    df = frame([("p1", "c1", "OOA", "2019-06-01", None, None, 100000)])
    out = commitments_by_month(df, date(2019, 12, 31), date(2020, 3, 31))
    assert out["days"].sum() == 91
    # Jan 31 days = £4,428.57 (442857.14p), Feb 29 = £4,142.86 (414285.71p rounds up), Mar = £4,428.57
    assert out["cost_p"].tolist() == [442857, 414286, 442857]
    assert out["cost_p"].sum() == 1300000  # £13,000.00
    assert out["numbers"].tolist() == [1.0, 1.0, 1.0]


def test_only_placements_open_at_as_at_are_committed_and_end_dates_cap() -> None:
    df = frame(
        [
            ("ended", "c1", "IFA", "2019-01-01", "2019-12-30", None, 80000),
            ("future", "c2", "IFA", "2020-01-05", None, None, 80000),
            ("ends_feb", "c3", "IFA", "2019-05-01", "2020-02-03", "2020-03-15", 70000),
        ]
    )
    out = commitments_by_month(df, date(2019, 12, 31), date(2020, 3, 31))
    assert out["days"].tolist() == [31, 3, 0]
    assert out["cost_p"].tolist() == [310000, 30000, 0]


def test_cost_rounds_half_up_once_per_placement_month() -> None:
    assert cost_pence(1, 3).tolist() == 0  # 0.43p
    assert cost_pence(2, 2).tolist() == 1  # 0.57p
    assert cost_pence(81234, 10).tolist() == 116049  # 116048.57p


def test_actual_cost_counts_start_and_end_days() -> None:
    df = frame([("p1", "c1", "IFA", "2019-04-10", "2019-05-05", None, 70000)])
    out = actual_cost_by_month(df, date(2019, 4, 1), date(2019, 6, 30))
    assert out["days"].tolist() == [21, 5, 0]
    assert out["cost_p"].tolist() == [210000, 50000, 0]


def test_actual_to_as_at_plus_commitments_is_the_whole_cost_at_month_end() -> None:
    df = frame([("p1", "c1", "IFA", "2019-11-20", None, "2020-02-10", 65432)])
    actual = actual_cost_by_month(df, date(2019, 11, 1), date(2019, 12, 31))["cost_p"].sum()
    ahead = commitments_by_month(df, date(2019, 12, 31), date(2020, 3, 31))["cost_p"].sum()
    whole = frame([("p1", "c1", "IFA", "2019-11-20", "2020-02-10", None, 65432)])
    assert actual + ahead == actual_cost_by_month(whole, date(2019, 11, 1), date(2020, 3, 31))["cost_p"].sum()


def test_placement_series_counts_month_ends_starts_ends_and_average_cost() -> None:
    df = frame(
        [
            ("a", "c1", "IFA", "2019-04-10", "2019-05-31", None, 80000),
            ("b", "c2", "IFA", "2019-04-20", None, None, 90000),
            ("c", "c3", "IFA", "2019-05-02", "2019-05-20", None, 70000),
        ]
    )
    s = placement_series(df, date(2019, 4, 1), date(2019, 5, 31)).set_index(["unique_id", "ds"])["y"]
    apr, may = pd.Timestamp("2019-04-30"), pd.Timestamp("2019-05-31")
    assert (s[("IFA|numbers", apr)], s[("IFA|numbers", may)]) == (2.0, 1.0)  # 'a' ended on 31 May
    assert (s[("IFA|starts", apr)], s[("IFA|starts", may)]) == (2.0, 1.0)
    assert (s[("IFA|ends", apr)], s[("IFA|ends", may)]) == (0.0, 2.0)
    assert (s[("IFA|avg_weekly_cost", apr)], s[("IFA|avg_weekly_cost", may)]) == (850.0, 900.0)


def test_check_placements_reports_rows() -> None:
    df = frame(
        [
            ("a", "c1", "IFA", "2019-04-10", "2019-04-01", None, 80000),
            ("b", "c2", "IFA", "2019-04-20", None, None, 0),
            ("a", "c3", "IFA", "2019-05-02", None, None, 70000),
        ]
    )
    found = [(p.row, p.column, p.severity) for p in check_placements(df, "placements.csv")]
    assert found == [(2, "end_date", "warning"), (3, "weekly_cost", "error"), (4, "placement_id", "error")]
    assert all("c1" not in str(p) for p in check_placements(df, "placements.csv"))


def test_templates_are_found() -> None:
    codes = pd.read_csv(template_path("placement_codes.csv"))
    costs = pd.read_csv(template_path("unit_costs.csv"))
    assert {"place", "provider", "line"} <= set(codes.columns)
    assert set(codes["line"]) == set(costs["line"])
    assert costs["source"].notna().all()


def test_planned_end_already_passed_is_committed_to_until() -> None:
    # Planned to end 15 Dec but still open on 31 Dec: still costing money, so committed to 31 Mar
    # (91 days at £1,000/wk = £13,000.00). A planned end on as_at itself has passed too.
    df = frame(
        [
            ("late", "c1", "OOA", "2019-06-01", None, "2019-12-15", 100000),
            ("due", "c2", "OOA", "2019-06-01", None, "2019-12-31", 100000),
            ("ahead", "c3", "OOA", "2019-06-01", None, "2020-01-07", 100000),
        ]
    )
    out = commitments_by_month(df, date(2019, 12, 31), date(2020, 3, 31))
    assert out["days"].tolist() == [31 + 31 + 7, 29 + 29, 31 + 31]
    assert out["cost_p"].sum() == 1300000 + 1300000 + 100000  # the third: 7 days = £1,000.00
