"""``series forecast`` through typer's CliRunner: the contract's JSON, tables and exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from budget.cmd_series import app

runner = CliRunner()


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    lines = ["unique_id,ds,y"]
    for i in range(12):
        lines.append(f"IFA placements,2019-{i + 1:02d},{100 + 2 * i}")  # 100, 102, ... 122
    p = tmp_path / "series.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_json_follows_the_contract(series_csv: Path) -> None:
    res = runner.invoke(
        app,
        ["forecast", str(series_csv), "--horizon", "3", "--json", "--backtest", "--models", "naive,drift"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    (s,) = out["series"]
    assert s["unique_id"] == "IFA placements"
    assert s["method"] == "drift"
    assert [f["ds"] for f in s["forecast"]] == ["2020-01-31", "2020-02-29", "2020-03-31"]
    assert [f["y"] for f in s["forecast"]] == pytest.approx([124.0, 126.0, 128.0])
    assert set(s["forecast"][0]) == {"ds", "y", "lo80", "hi80", "lo95", "hi95"}
    # origins 6..11; naive errs 2 per step ahead: (4 x (2+4+6) + (2+4) + 2) / 15 cells = 3.733,
    # scaled by the in-sample naive MAE of 2 (under a year of history, so no seasonal naive scale)
    assert s["backtest"] == {"naive": pytest.approx(56 / 30), "drift": 0.0, "ensemble": 0.0}


def test_json_without_backtest_flag_has_no_backtest_key(series_csv: Path) -> None:
    res = runner.invoke(app, ["forecast", str(series_csv), "--horizon", "2", "--json", "--models", "drift"])
    assert res.exit_code == 0, res.output
    assert "backtest" not in json.loads(res.stdout)["series"][0]


def test_table_output_names_method_and_models(series_csv: Path) -> None:
    res = runner.invoke(
        app, ["forecast", str(series_csv), "--horizon", "2", "--backtest", "--models", "naive,drift"]
    )
    assert res.exit_code == 0, res.output
    assert "IFA placements: drift" in res.stdout
    assert "124.00" in res.stdout
    assert "naive" in res.stdout


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
