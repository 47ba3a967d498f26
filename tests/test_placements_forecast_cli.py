"""`careladder placements forecast` after `placements import-903`: workbook re-read, --json, scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import openpyxl
from typer.testing import CliRunner

from budget.cli import app
from ledgers.importers.placements import stored_placements

runner = CliRunner()
HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


def _authority(tmp_path: Path) -> Path:
    """Four children with an IFA (£814.22/wk) since 2021, one of them 18 on 15 June 2024; a fifth who aged
    out in 2021. Nobody has left care otherwise and nobody came in since: the baseline is deterministic."""
    folder = tmp_path / "903"
    folder.mkdir()
    (folder / "2024-episodes.csv").write_text(
        HEAD
        + "901,01/06/2020,S,C2,N1,U4,PR4,31/01/2021,E11,,,,1\n"
        + "".join(f"{c},01/01/2021,S,C2,N1,U4,PR4,,,,,,{c}\n" for c in (911, 912, 913, 914))
    )
    (folder / "2024-header.csv").write_text(
        "CHILD,SEX,DOB\n901,1,31/01/2003\n911,1,15/06/2006\n912,2,01/01/2012\n913,1,01/01/2013\n914,2,01/01/2014\n"
    )
    ws = tmp_path / "ws"
    assert (
        runner.invoke(app, ["init", str(ws), "--authority", "Test Trust", "--year", "2023/24"]).exit_code == 0
    )
    res = runner.invoke(app, ["placements", "import-903", str(folder), "-w", str(ws)])
    assert res.exit_code == 0, res.output
    return ws


def test_date_of_birth_is_stored_and_read_back(tmp_path: Path) -> None:
    ws = _authority(tmp_path)
    con = duckdb.connect(str(ws / "careladder.duckdb"), read_only=True)
    df = stored_placements(con)
    con.close()
    dob = dict(
        zip(df["start_date"].dt.strftime("%Y-%m"), df["date_of_birth"].dt.strftime("%Y-%m-%d"), strict=False)
    )
    assert dob["2020-06"] == "2003-01-31"
    assert sorted(df["date_of_birth"].dt.strftime("%Y-%m-%d"))[1] == "2006-06-15"


def test_forecast_json_ages_out_at_18_and_costs_by_hand(tmp_path: Path) -> None:
    ws = _authority(tmp_path)
    res = runner.invoke(
        app,
        ["placements", "forecast", "--years", "1", "--as-at", "2024-03-31", "--json", "--draws", "20",
         "--price", "10%", "-w", str(ws)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [s["name"] for s in data["scenarios"]] == ["baseline", "what-if"]
    base = {m["month"]: m for m in data["scenarios"][0]["lines"]["Independent Fostering Agencies"]}
    assert [base[m]["month_end"] for m in ("2024-04", "2024-05", "2024-06", "2024-07")] == [4, 4, 3, 3]
    assert base["2024-06"]["month_end_lo80"] == base["2024-06"]["month_end_hi80"] == 3
    # April 2024: 30 days at £814.22/wk uplifted 3% (the workspace's inflation) each April:
    # 81422p × 30 / 7 × 1.03 = 359419.97p → £3,594.20 a child, four children
    assert base["2024-04"]["cost"] == 4 * 3594.20
    # June: three children all month and one to her birthday on the 15th: 81422 × 1.03 × 15 / 7 = 179709.99p
    assert base["2024-06"]["cost"] == round(3 * 3594.20 + 1797.10, 2)
    what_if = {m["month"]: m for m in data["scenarios"][1]["lines"]["Independent Fostering Agencies"]}
    assert what_if["2024-04"]["cost"] == 4 * 3953.62  # × 1.10 from April: 395361.97p
    assert data["assumptions"]["Reference period"][0]["Dates"].startswith("the last 12 months")
    text = res.stdout
    for private in ("911", "2006-06-15", "15/06/2006"):
        assert private not in text


def test_forecast_workbook_has_lines_charts_assumptions_and_no_child_data(tmp_path: Path) -> None:
    ws = _authority(tmp_path)
    out = tmp_path / "outlook.xlsx"
    res = runner.invoke(
        app,
        ["placements", "forecast", "--years", "2", "--as-at", "2024-03-31", "--out", str(out), "--draws", "20",
         "--mix", "Independent Fostering Agencies>In-house Fostering:1", "-w", str(ws)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Numbers", "Cost", "Charts", "Flows", "Assumptions", "Notes"]
    numbers = wb["Numbers"]
    rows = [r for r in numbers.iter_rows(min_row=6, values_only=True) if r[0]]
    ifa = {r[1]: r for r in rows if r[0] == "Independent Fostering Agencies"}
    assert ifa["Mar 2024"][2] == 4  # history: actual children at the month end
    assert ifa["Jun 2024"][3] == 3  # baseline forecast
    assert len(wb["Charts"]._charts) == 1  # one chart per line of the baseline (openpyxl reads them back)
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "what-if"]
    assert summary and summary[0][1] == "2024/25"
    cells = [str(c) for sh in wb for row in sh.iter_rows(values_only=True) for c in row if c is not None]
    assert not any(c in {"911", "912", "913", "914", "901"} for c in cells)
    assert not any("2006-06-15" in c or "15/06/2006" in c for c in cells)
    assessed = {r[0] for r in wb["Assumptions"].iter_rows(values_only=True) if r[0]}
    assert {"Reference period", "Children coming into care", "Exit curves", "Transition rates"} <= assessed
    # laid out to be read: a scenario's assumptions span the table (B:H), every line name fits its column
    merged = {str(r) for r in wb["Summary"].merged_cells.ranges}
    what_if = [r[0].row for r in wb["Summary"].iter_rows() if r[0].value == "what-if"][-1]  # its assumptions
    assert f"B{what_if}:H{what_if}" in merged
    a = wb["Assumptions"]
    assert a.column_dimensions["A"].width >= len("Independent Fostering Agencies")
    assert a.column_dimensions["B"].width >= len("Independent Fostering Agencies")


def test_mix_from_an_unknown_line_is_a_clear_error(tmp_path: Path) -> None:
    ws = _authority(tmp_path)
    res = runner.invoke(
        app, ["placements", "forecast", "--mix", "Nowhere>In-house Fostering:1", "-w", str(ws)]
    )
    assert res.exit_code == 2
    assert "'Nowhere' is not a line of the stored placements" in res.output


def _import(tmp_path: Path, name: str, episodes: str) -> Path:
    folder = tmp_path / f"903-{name}"
    folder.mkdir()
    (folder / "2024-episodes.csv").write_text(HEAD + episodes)
    (folder / "2024-header.csv").write_text(
        "CHILD,SEX,DOB\n" + "".join(f"{c},1,01/01/2012\n" for c in range(921, 927))
    )
    ws = tmp_path / f"ws-{name}"
    assert runner.invoke(app, ["init", str(ws), "--authority", "T", "--year", "2023/24"]).exit_code == 0
    res = runner.invoke(app, ["placements", "import-903", str(folder), "-w", str(ws)])
    assert res.exit_code == 0, res.output
    return ws


def test_a_past_as_at_uses_only_what_was_known_then(tmp_path: Path) -> None:
    """Six children in IFA from 2021; two leave in June 2023 and one comes in in August 2023. Forecast as at
    31 March 2023 from the full list, it must be the forecast from the list as it stood that day (the two
    still open, the newcomer unknown): later ends used as known would make those who stayed leave too."""
    rows = [f"{c},01/01/2021,S,C2,N1,U4,PR4,,,,,,{c}\n" for c in (921, 922, 923, 924)]
    full = _import(
        tmp_path,
        "full",
        "".join(rows)
        + "925,01/01/2021,S,C2,N1,U4,PR4,15/06/2023,E11,,,,925\n"
        + "926,01/01/2021,S,C2,N1,U4,PR4,20/06/2023,E11,,,,926\n"
        + "927,01/08/2023,S,C2,N1,U4,PR4,,,,,,927\n",
    )
    then = _import(
        tmp_path,
        "then",
        "".join(rows)
        + "925,01/01/2021,S,C2,N1,U4,PR4,,,,,,925\n"
        + "926,01/01/2021,S,C2,N1,U4,PR4,,,,,,926\n",
    )
    args = ["placements", "forecast", "--years", "1", "--as-at", "2023-03-31", "--json", "--draws", "20"]
    got = [json.loads(runner.invoke(app, [*args, "-w", str(w)]).stdout) for w in (full, then)]
    ifa = [{m["month"]: m["month_end"] for m in g["scenarios"][0]["lines"]["Independent Fostering Agencies"]}
           for g in got]  # fmt: skip
    assert ifa[0]["2023-04"] == 6  # all six in care then, the two June leavers included
    assert ifa[0] == ifa[1]


def test_summary_year_range_is_the_years_own_range(tmp_path: Path) -> None:
    """The deterministic baseline: every draw costs the same, so the year's low = high = central, to the
    penny. 2024/25 at £814.22/wk × 1.03: a 30-day month 359420p a child, a 31-day month 371401p, February
    (28 days) 335459p; a year 4372946p. Three children all year, the fourth April, May and 15 days of June
    (179710p): 3 × 4372946 + 359420 + 371401 + 179710 = 14029369p = £140,293.69."""
    ws = _authority(tmp_path)
    out = tmp_path / "outlook.xlsx"
    args = ["placements", "forecast", "--years", "1", "--as-at", "2024-03-31", "--draws", "20", "-w", str(ws)]
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = [
        r for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) if r[0] == "baseline"
    ]
    assert rows[0][1:8] == ("2024/25", 140293.69, 140293.69, 140293.69, 3, 3, 3)
    texts = [
        str(c) for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) for c in r if c
    ]
    assert not any("sum of its months' ranges" in t for t in texts)
    assert any("80% range of the year's cost" in t for t in texts)
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    year = data["scenarios"][0]["years"]
    assert year == [
        {
            "financial_year": "2024/25", "months": 12, "cost": 140293.69, "cost_lo80": 140293.69,
            "cost_hi80": 140293.69, "month_end": 3, "month_end_lo80": 3, "month_end_hi80": 3,
        }
    ]  # fmt: skip
    months = data["scenarios"][0]["total"]
    assert round(sum(m["cost"] for m in months), 2) == year[0]["cost"]  # the year reconciles to its months


def test_an_as_at_outside_the_data_and_impossible_changes_are_clear_errors(tmp_path: Path) -> None:
    ws = _authority(tmp_path)  # placements from 01/06/2020; the last start or end: 31/01/2021
    for args, message in (
        (["--as-at", "2020-05-31"], "--as-at 31/05/2020 is before the first placement stored (01/06/2020)"),
        (["--demand", "-150%"], "--demand should be from -100% to 500% (-1 to 5); received '-150%'"),
        (["--price", "-1.5"], "--price should be from -100% to 500% (-1 to 5); received '-1.5'"),
    ):
        res = runner.invoke(app, ["placements", "forecast", "--json", "--draws", "5", *args, "-w", str(ws)])
        assert res.exit_code == 2, res.output
        assert message in " ".join(res.output.split())
        assert "Traceback" not in res.output


def test_an_as_at_after_the_last_event_stored_is_warned(tmp_path: Path) -> None:
    """A quiet return records no start or end (four children in care all year): the store cannot tell how far
    the data reached, so a later as-at is forecast (nobody came or went in between) with a warning."""
    ws = _authority(tmp_path)
    res = runner.invoke(
        app, ["placements", "forecast", "--json", "--draws", "5", "--as-at", "2024-03-31", "-w", str(ws)]
    )
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "--as-at 31/03/2024 is after the last start or end stored (31/01/2021, month end)" in said
    data = json.loads(res.stdout)
    ifa = {
        m["month"]: m["month_end"] for m in data["scenarios"][0]["lines"]["Independent Fostering Agencies"]
    }
    assert ifa["2024-04"] == 4


def test_assumptions_count_leavers_before_18_and_those_ageing_out_apart(tmp_path: Path) -> None:
    """As at 31/03/2022, the years back from the first end recorded (01/03/2020): April 2021 to March 2022
    holds child 932 reaching 18 in care (10/05/2021) and child 933 leaving at 10 (01/09/2021); April 2020 to
    March 2021 holds neither."""
    folder = tmp_path / "903"
    folder.mkdir()
    (folder / "2022-episodes.csv").write_text(
        HEAD
        + "931,01/06/2019,S,C2,N1,U4,PR4,01/03/2020,E11,,,,931\n"
        + "932,01/06/2019,S,C2,N1,U4,PR4,10/05/2021,E11,,,,932\n"
        + "933,01/06/2019,S,C2,N1,U4,PR4,01/09/2021,E11,,,,933\n"
        + "934,01/06/2019,S,C2,N1,U4,PR4,,,,,,934\n"
    )
    (folder / "2022-header.csv").write_text(
        "CHILD,SEX,DOB\n931,1,01/01/2010\n932,1,10/05/2003\n933,2,01/01/2011\n934,1,01/01/2012\n"
    )
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws), "--authority", "T", "--year", "2021/22"]).exit_code == 0
    assert runner.invoke(app, ["placements", "import-903", str(folder), "-w", str(ws)]).exit_code == 0
    res = runner.invoke(
        app, ["placements", "forecast", "--json", "--draws", "5", "--as-at", "2022-03-31", "-w", str(ws)]
    )
    assert res.exit_code == 0, res.output
    rows = {r["Window"]: r["Dates"] for r in json.loads(res.stdout)["assumptions"]["Reference period"]}
    assert rows["Children leaving care before 18 in each year back from as-at (newest first)"] == "1, 0"
    assert (
        rows["Children reaching 18 in care (leaving at their birthday) in each year back from as-at"]
        == "1, 0"
    )
