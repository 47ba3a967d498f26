"""SSDA903 reader: hand-made folders and the synthetic 903 samples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ledgers.importers.ssda903 import episode_files, header_table, join_episodes, parse_dates, read_903

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synthetic_ssda903"
HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/02/2005,WBRI,,,\n2,2,03/04/2006,WBRI,,,\n"


def test_hand_made_years_dedup_join_and_lines(tmp_path: Path) -> None:
    (tmp_path / "2018-episodes.csv").write_text(
        HEAD
        + "1,01/04/2017,S,C2,N1,U4,PR4,,,,,,100\n"  # IFA, open at the end of 2017/18
        + "2,10/05/2017,S,C2,N1,K2,PR4,01/06/2017,E11,,,,200\n"  # OOA residential, ended
    )
    (tmp_path / "2019-episodes.csv").write_text(
        HEAD
        + "1,2017-04-01,S,C2,N1,U4,PR4,2018-06-30,,,,,100\n"  # same episode, now closed (ISO dates)
        + "1,30/06/2018,L,E1,N1,U4,PR4,31/08/2018,E11,,,,100\n"  # legal status change: same placement
        + "1,31/08/2018,P,E1,N1,U4,PR1,,,,,,300\n"  # change of carer: new placement, in-house
    )
    for year in (2018, 2019):
        (tmp_path / f"{year}-header.csv").write_text(HEADER)
    df, problems = read_903(tmp_path)
    assert problems == []
    assert len(df) == 3
    got = df.sort_values("start_date")[["line", "start_date", "end_date", "episodes", "weekly_cost_p"]]
    assert got["line"].tolist() == [
        "Independent Fostering Agencies",
        "Out of Area Residential",
        "In-house Fostering",
    ]
    assert got["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2017-04-01", "2017-05-10", "2018-08-31"]
    assert got["end_date"].dt.strftime("%Y-%m-%d").fillna("open").tolist() == [
        "2018-08-31",
        "2017-06-01",
        "open",
    ]
    assert got["episodes"].tolist() == [2, 1, 1]
    assert got["weekly_cost_p"].tolist() == [81422, 400000, 64600]


def test_bad_dates_and_unmapped_codes_are_problems_with_rows(tmp_path: Path) -> None:
    (tmp_path / "episodes.csv").write_text(
        HEAD + "1,31/13/2017,S,C2,N1,U4,PR4,,,,,,1\n" + "2,01/04/2017,S,C2,N1,XX,PR4,,,,,,1\n"
    )
    (tmp_path / "header.csv").write_text(HEADER)
    codes = pd.DataFrame({"place": ["U4"], "provider": ["*"], "line": ["IFA"]})
    costs = pd.DataFrame({"line": ["IFA"], "weekly_cost": ["800.00"]})
    df, problems = read_903(tmp_path, codes, costs)
    assert len(df) == 0
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("episodes.csv", 2, "DECOM"),
        ("episodes.csv", 3, "PLACE"),
    ]
    assert all("1," not in p.message for p in problems)


def test_parse_dates_takes_uk_and_iso() -> None:
    out = parse_dates(pd.Series(["31/12/2019", "2019-12-31", "", "12/31/2019"]))
    assert out.dt.strftime("%Y-%m-%d").fillna("NaT").tolist() == ["2019-12-31", "2019-12-31", "NaT", "NaT"]


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip("shared synthetic SSDA903 data not present")
    return path


def nights(start: pd.Series, end: pd.Series, close: pd.Timestamp) -> int:
    return int((end.fillna(close) - start).dt.days.sum())


@pytest.mark.parametrize(
    ("name", "la", "placements", "episodes"),
    [
        ("cs_demand_model_combined", None, 2103, 2827),
        ("cs_demand_model_regional_v1", None, 2103, 2827),
        ("cs_demand_model_regional_v1", "Bromley", 693, 937),
        ("csc_validator_903_fake", None, 4275, 5050),
    ],
)
def test_synthetic_903_sets_lose_no_episode(
    name: str, la: str | None, placements: int, episodes: int
) -> None:
    folder = shared(name)
    df, problems = read_903(folder, la=la)
    assert [p for p in problems if p.severity == "error"] == []
    assert len(df) == placements
    assert int(df["episodes"].sum()) == episodes  # every distinct episode is in exactly one placement
    assert df["placement_id"].is_unique
    # every episode's days are accounted for: days of placements = days of the distinct episodes
    frames = []
    for path, year in episode_files(folder):
        e = pd.read_csv(path, dtype=str, keep_default_na=False)
        if la is not None:
            e = e[e["LA"] == la]
        key = (e["LA"] + ":" if "LA" in e.columns else "") + e["CHILD"]
        frames.append(
            pd.DataFrame(
                {
                    "_child": key,
                    "_start": parse_dates(e["DECOM"]),
                    "_end": parse_dates(e["DEC"]),
                    "_year": pd.to_numeric(e["YEAR"]) if "YEAR" in e.columns else year,
                }
            )
        )
    eps = (
        pd.concat(frames)
        .sort_values(["_child", "_start", "_year"])
        .drop_duplicates(["_child", "_start"], keep="last")
    )
    assert len(eps) == episodes
    close = pd.Timestamp("2022-03-31")
    assert nights(df["start_date"], df["end_date"], close) == nights(eps["_start"], eps["_end"], close)


def test_an_open_episode_missing_from_the_next_return_is_warned_of_and_kept(tmp_path: Path) -> None:
    """Files named by the year they start (as the demand model's samples): 2017 = the year to 31/03/2018."""
    (tmp_path / "2017-episodes.csv").write_text(
        HEAD
        + "1,01/05/2016,S,C2,N1,U4,PR4,,,,,,100\n"  # open at 31/03/2018, absent from 2018/19
        + "2,01/06/2016,S,C2,N1,U4,PR4,,,,,,200\n"  # open, and in 2018/19 (closes there)
        + "1,01/04/2016,S,C2,N1,K2,PR4,10/04/2017,E11,,,,300\n"  # ended in 2017/18: sets the year
    )
    (tmp_path / "2018-episodes.csv").write_text(HEAD + "2,01/06/2016,S,C2,N1,U4,PR4,30/09/2018,E11,,,,200\n")
    for year in (2017, 2018):
        (tmp_path / f"{year}-header.csv").write_text(HEADER)
    df, problems = read_903(tmp_path)
    ends = df.sort_values("start_date")["end_date"].dt.strftime("%Y-%m-%d").fillna("open").tolist()
    assert ends == ["2017-04-10", "open", "2018-09-30"]  # kept as read
    assert [(p.file, p.column, p.severity) for p in problems] == [("2017-episodes.csv", "DEC", "warning")]
    assert problems[0].message.startswith("1 episode(s) of 1 child(ren) open at the end of this return")
    assert "kept open; they ended on 31/03/2018 at the latest" in problems[0].message
    # the last return held: its open episodes stay open
    (tmp_path / "2018-episodes.csv").unlink()
    (tmp_path / "2018-header.csv").unlink()
    df, problems = read_903(tmp_path)
    assert df["end_date"].isna().sum() == 2 and problems == []


def test_combined_counts_per_line() -> None:
    df, _ = read_903(shared("cs_demand_model_combined"))
    counts = df["line"].value_counts().to_dict()
    assert counts["In-house Fostering"] == 630
    assert counts["Independent Fostering Agencies"] == 602
    assert counts["Out of Area Residential"] == 205
    assert counts["Secure"] == 5
    assert sum(counts.values()) == 2103


def test_join_keeps_a_gap_as_two_placements() -> None:
    eps = pd.DataFrame(
        {
            "_child": ["x", "x"],
            "_start": pd.to_datetime(["2019-01-01", "2019-02-05"]),
            "_end": pd.Series(["2019-02-01", None]).pipe(pd.to_datetime),
            "_year": [0, 0],
            "PLACE": ["U4", "U4"],
            "PLACE_PROVIDER": ["PR1", "PR1"],
            "URN": ["1", "1"],
            "_file": ["f", "f"],
            "_row": [2, 3],
        }
    )
    assert len(join_episodes(eps)) == 2


def test_header_table_gives_each_child_its_date_of_birth(tmp_path: Path) -> None:
    (tmp_path / "episodes.csv").write_text(HEAD + "1,01/04/2017,S,C2,N1,U4,PR4,,,,,,1\n")
    (tmp_path / "header.csv").write_text(HEADER + "3,1,,WBRI,,,\n")
    heads, problems = header_table(tmp_path)
    assert problems == []
    assert heads["_child"].tolist() == ["1", "2", "3"]  # keyed as the placements' child_ref
    assert heads["DOB"].dt.strftime("%Y-%m-%d").fillna("unknown").tolist() == [
        "2005-02-01",
        "2006-04-03",
        "unknown",
    ]
    df, _ = read_903(tmp_path)
    assert set(df["child_ref"]) <= set(heads["_child"])
