"""``series forecast`` through typer's CliRunner: the contract's JSON, tables and exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from budget.cli.series import app

runner = CliRunner()


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    # two councils' children in care at 31 March, both growing 10% a year
    lines = ["unique_id,ds,y"]
    for uid, first in (("Leeds", 100.0), ("York", 200.0)):
        for i in range(5):
            lines.append(f"{uid},{2015 + i}-03-31,{first * 1.1**i:.2f}")
    p = tmp_path / "series.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_json_follows_the_contract(series_csv: Path) -> None:
    res = runner.invoke(app, ["forecast", str(series_csv), "--horizon", "3", "--json", "--backtest"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    leeds, york = out["series"]
    assert leeds["unique_id"] == "Leeds" and york["unique_id"] == "York"
    assert leeds["method"] == "naive + pooled trend (damping 1, window 1 year, weight 1.00)"
    assert [f["ds"] for f in leeds["forecast"]] == ["2020-03-31", "2021-03-31", "2022-03-31"]
    # 146.41 grown 10% a year
    assert [f["y"] for f in leeds["forecast"]] == pytest.approx([161.051, 177.1561, 194.87171])
    assert set(leeds["forecast"][0]) == {"ds", "y", "lo80", "hi80", "lo95", "hi95"}
    assert set(leeds["backtest"]) == {"naive", "drift", "trend", "regression", "ensemble"}
    # origins 3 and 4: naive from 121 (in-sample MAE 10.5) errs 12.1 and 25.41, from 133.1 (MAE 11.03) 13.31
    naive = (12.1 / 10.5 + 25.41 / 10.5 + 13.31 / (33.1 / 3)) / 3
    assert leeds["backtest"]["naive"] == pytest.approx(naive)
    assert leeds["backtest"]["trend"] == pytest.approx(0.0, abs=1e-6)
    # two series give at most 2 × 3 = 6 pairs before any origin, under the 12 a fit needs: naive's errors
    assert leeds["backtest"]["regression"] == pytest.approx(naive)
    # chosen at each origin from what was known there: one origin is too few to leave naive
    assert leeds["backtest"]["ensemble"] == pytest.approx(naive)


def test_json_without_backtest_flag_has_no_backtest_key(series_csv: Path) -> None:
    res = runner.invoke(app, ["forecast", str(series_csv), "--horizon", "2", "--json"])
    assert res.exit_code == 0, res.output
    assert "backtest" not in json.loads(res.stdout)["series"][0]


def test_table_output_names_method_and_members(series_csv: Path) -> None:
    res = runner.invoke(app, ["forecast", str(series_csv), "--horizon", "2", "--backtest"])
    assert res.exit_code == 0, res.output
    assert "Leeds: naive + pooled trend" in res.stdout
    assert "161.05" in res.stdout
    assert "drift" in res.stdout and "ensemble" in res.stdout


def test_naive_only_when_trend_is_not_a_member(series_csv: Path) -> None:
    res = runner.invoke(app, ["forecast", str(series_csv), "--horizon", "1", "--json", "--models", "naive"])
    assert res.exit_code == 0, res.output
    leeds = json.loads(res.stdout)["series"][0]
    assert leeds["method"] == "naive" and leeds["forecast"][0]["y"] == pytest.approx(146.41)


def test_bad_file_exits_2_naming_file_and_problem(tmp_path: Path) -> None:
    p = tmp_path / "gappy.csv"
    p.write_text("unique_id,ds,y\nIFA,2019-01,1\nIFA,2019-02,2\nIFA,2019-05,3\n")
    res = runner.invoke(app, ["forecast", str(p), "--horizon", "2"])
    assert res.exit_code == 2
    assert "gappy.csv" in res.stderr and "irregular spacing" in res.stderr
    assert res.stdout == ""


def test_missing_file_and_unknown_model_exit_2(series_csv: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["forecast", str(tmp_path / "nope.csv"), "--horizon", "2"])
    assert res.exit_code == 2 and "nope.csv: file not found" in res.stderr
    res = runner.invoke(app, ["forecast", str(series_csv), "--horizon", "2", "--models", "arima"])
    assert res.exit_code == 2 and "unknown model(s) ['arima']" in res.stderr


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # first-of-month stays first-of-month; the first forecast is the month after the last observed
        (["2019-05-01", "2019-06-01", "2019-07-01"], ["2019-08-01", "2019-09-01", "2019-10-01"]),
        # quarter starts: the quarter after 2020-01-01 starts 2020-04-01
        (["2019-07-01", "2019-10-01", "2020-01-01"], ["2020-04-01", "2020-07-01", "2020-10-01"]),
        # calendar years written as 1 January: the year after 2019 is 2020
        (["2017-01-01", "2018-01-01", "2019-01-01"], ["2020-01-01", "2021-01-01", "2022-01-01"]),
        # DfE financial years ending 31 March keep their anchor month and day
        (["2022-03-31", "2023-03-31", "2024-03-31"], ["2025-03-31", "2026-03-31", "2027-03-31"]),
        # month ends stay month ends, through a leap February
        (["2019-11-30", "2019-12-31", "2020-01-31"], ["2020-02-29", "2020-03-31", "2020-04-30"]),
        # written periods are read as period ends and stay so
        (["2019Q2", "2019Q3", "2019Q4"], ["2020-03-31", "2020-06-30", "2020-09-30"]),
        (["2019-10", "2019-11", "2019-12"], ["2020-01-31", "2020-02-29", "2020-03-31"]),
        (["2017", "2018", "2019"], ["2020-12-31", "2021-12-31", "2022-12-31"]),
    ],
)
def test_forecast_dates_step_on_from_the_last_observed_date(
    tmp_path: Path, history: list[str], expected: list[str]
) -> None:
    p = tmp_path / "dated.csv"
    p.write_text("unique_id,ds,y\n" + "".join(f"LAC,{d},{10 * (i + 1)}\n" for i, d in enumerate(history)))
    res = runner.invoke(app, ["forecast", str(p), "--horizon", "3", "--json", "--models", "naive"])
    assert res.exit_code == 0, res.output
    (s,) = json.loads(res.stdout)["series"]
    assert [f["ds"] for f in s["forecast"]] == expected
    assert [f["y"] for f in s["forecast"]] == pytest.approx([30.0, 30.0, 30.0])  # the last value
