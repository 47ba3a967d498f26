"""SSDA903 folders: missing files and folders, bad codes and code tables, encodings, shifted rows. Every
refusal names its file, row and column, exits 2 with no traceback and leaves the store as it was; no message
ever shows a child reference (every child here is ``CHREF…``, so the output must never hold ``CHREF``)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from badinput.conftest import DATA, accepted, output_lines, refused, string_cells
from ledgers.importers.placements import stored_placements

HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
NOT_SHOWN = "(not shown: a placements file may hold a child reference in any column)"
DATE_HINT = f"is not a date (write dd/mm/yyyy or yyyy-mm-dd) {NOT_SHOWN}"
NEEDS_HEADER = "needs the header file of the same return beside it (CHILD, SEX, DOB, ...)"
AMOUNT = (
    "is not an amount (write 1234.56, £1,234.56, -1234.56 or (1,234.56); at most 2 decimal places, commas "
    "only between thousands)"
)


def ep(child: str, decom: str = "01/04/2019", place: str = "U4", provider: str = "PR4", dec: str = "") -> str:
    return f"{child},{decom},S,C2,N1,{place},{provider},{dec},,,,,1\n"


def header(*children: str, dob: str = "01/02/2008") -> str:
    return HEADER_HEAD + "".join(f"{c},1,{dob},WBRI,,,\n" for c in children)


GOOD = HEAD + ep("CHREF1001") + ep("CHREF1002", "01/05/2019", "K2", "PR4")
GOOD_HEADER = header("CHREF1001", "CHREF1002")
CODES = "place,provider,line\nU4,PR4,Independent Fostering Agencies\nK2,PR4,Out of Area Residential\n"
COSTS = "line,weekly_cost\nIndependent Fostering Agencies,814.22\nOut of Area Residential,4000\n"
LA_HEAD = HEAD.rstrip("\n") + ",LA\n"
STACKED = (
    LA_HEAD
    + "".join(
        ep(f"CHREF{i}").rstrip("\n") + f",{la}\n" for i, la in enumerate(["Bromley"] * 5 + ["Croydon"] * 6)
    )
    + ep("CHREF99").rstrip("\n")
    + ",CHREF98\n"
)

# (id, files under tmp/ (the folder is 903/), extra arguments, line expected; {tmp} is the case's folder)
REFUSED: list[tuple[str, dict[str, str], list[str], str]] = [
    ("folder-missing", {}, ["--folder", "{tmp}/nowhere"], "{tmp}/nowhere: SSDA903 folder not found"),
    (
        "folder-is-a-file",
        {"x.csv": GOOD},
        ["--folder", "{tmp}/x.csv"],
        "{tmp}/x.csv: is a file; give the SSDA903 folder (it holds the CSV files)",
    ),
    (
        "no-episodes-file",
        {"903/header.csv": GOOD_HEADER},
        [],
        "{tmp}/903: no SSDA903 episodes file (episodes.csv or YYYY-episodes.csv)",
    ),
    (
        "no-header-file",
        {"903/episodes.csv": GOOD},
        [],
        f"header.csv: is missing from 903: each SSDA903 episodes file (episodes.csv) {NEEDS_HEADER}",
    ),
    (
        "yearly-header-missing",
        {"903/2018-episodes.csv": GOOD, "903/2019-episodes.csv": GOOD, "903/2018-header.csv": GOOD_HEADER},
        [],
        f"2019-header.csv: is missing from 903: each SSDA903 episodes file (2019-episodes.csv) {NEEDS_HEADER}",
    ),
    (
        "episodes-column-missing",
        {"903/episodes.csv": "CHILD,DECOM,PLACE,DEC\nCHREF1,01/04/2019,U4,\n", "903/header.csv": GOOD_HEADER},
        [],
        "episodes.csv:1: no header row with the required columns for a SSDA903 episodes file: missing "
        "PLACE_PROVIDER (best candidate row has: CHILD, DECOM, PLACE, DEC)",
    ),
    (
        "episodes-without-header-row",
        {"903/episodes.csv": ep("CHREF1") + ep("CHREF2"), "903/header.csv": GOOD_HEADER},
        [],
        "episodes.csv:1: no header row with the required columns for a SSDA903 episodes file: missing CHILD, "
        "DECOM, PLACE, PLACE_PROVIDER, DEC (best candidate row has: no column of this file kind)",
    ),
    (
        "header-without-dob",
        {"903/episodes.csv": GOOD, "903/header.csv": "CHILD,SEX\nCHREF1001,1\n"},
        [],
        "header.csv:1: no header row with the required columns for a SSDA903 header file: missing DOB "
        "(best candidate row has: CHILD, SEX)",
    ),
    (
        "shifted-row-child-in-decom",
        {
            "903/episodes.csv": GOOD + ",CHREF1003,01/04/2019,S,C2,N1,U4,PR4,,,,,\n",
            "903/header.csv": GOOD_HEADER,
        },
        [],
        f"episodes.csv:4: column 'DECOM': {DATE_HINT}",
    ),
    (
        "blank-child",
        {"903/episodes.csv": GOOD + ep(""), "903/header.csv": GOOD_HEADER},
        [],
        "episodes.csv:4: column 'CHILD': is empty but required",
    ),
    (
        "child-ref-in-dec",
        {"903/episodes.csv": HEAD + ep("CHREF1001", dec="CHREF1001"), "903/header.csv": GOOD_HEADER},
        [],
        f"episodes.csv:2: column 'DEC': {DATE_HINT}",
    ),
    (
        "header-dob-holds-a-child-ref",
        {"903/episodes.csv": GOOD, "903/header.csv": header("CHREF1001") + "CHREF1002,1,CHREF1002,WBRI,,,\n"},
        [],
        f"header.csv:3: column 'DOB': {DATE_HINT}",
    ),
    (
        "header-dob-impossible-date",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": header("CHREF1001") + "CHREF1002,1,31/02/2008,WBRI,,,\n",
        },
        [],
        f"header.csv:3: column 'DOB': {DATE_HINT}",
    ),
    (
        "unknown-code-no-rule",
        {
            "903/episodes.csv": GOOD + ep("CHREF1003", place="XX"),
            "903/header.csv": GOOD_HEADER,
            "codes.csv": CODES,
            "costs.csv": COSTS,
        },
        ["--codes", "{tmp}/codes.csv", "--unit-costs", "{tmp}/costs.csv"],
        "episodes.csv:4: column 'PLACE': no line for PLACE 'XX' / PLACE_PROVIDER 'PR4' in the codes table; add a "
        "rule for it",
    ),
    (
        "child-ref-as-code-no-rule",
        {
            "903/episodes.csv": GOOD + ep("CHREF1003", place="CHREF1003"),
            "903/header.csv": GOOD_HEADER,
            "codes.csv": CODES,
            "costs.csv": COSTS,
        },
        ["--codes", "{tmp}/codes.csv", "--unit-costs", "{tmp}/costs.csv"],
        "episodes.csv:4: column 'PLACE': no line for PLACE (not shown) / PLACE_PROVIDER 'PR4' in the codes table; "
        f"add a rule for it {NOT_SHOWN}",
    ),
    (
        "codes-missing",
        {"903/episodes.csv": GOOD, "903/header.csv": GOOD_HEADER},
        ["--codes", "{tmp}/nope.csv"],
        "{tmp}/nope.csv: codes file not found",
    ),
    (
        "codes-is-a-folder",
        {"903/episodes.csv": GOOD, "903/header.csv": GOOD_HEADER},
        ["--codes", "{tmp}"],
        "{tmp}: is a folder; give the codes file (a CSV file)",
    ),
    (
        "codes-wrong-headers",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": GOOD_HEADER,
            "codes.csv": "code,type,budget\nU4,PR4,IFA\n",
        },
        ["--codes", "{tmp}/codes.csv"],
        "codes.csv:1: no header row with the required columns for a placement codes file: missing place, "
        "provider, line (best candidate row has: code, type, budget)",
    ),
    (
        "codes-conflicting-rules",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": GOOD_HEADER,
            "codes.csv": "place,provider,line\nU4,PR4,Independent Fostering Agencies\nU4,PR4,In-house Fostering\n",
        },
        ["--codes", "{tmp}/codes.csv"],
        "codes.csv:3: column 'line': PLACE U4 / PLACE_PROVIDER PR4 is put on 'In-house Fostering' here and on "
        "'Independent Fostering Agencies' on row 2; keep one rule",
    ),
    (
        "codes-line-empty",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": GOOD_HEADER,
            "codes.csv": "place,provider,line\nU4,PR4,\n",
        },
        ["--codes", "{tmp}/codes.csv"],
        "codes.csv:2: column 'line': is empty but required",
    ),
    (
        "unit-cost-tbc",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": GOOD_HEADER,
            "costs.csv": "line,weekly_cost\nIndependent Fostering Agencies,tbc\nOut of Area Residential,4000\n",
        },
        ["--unit-costs", "{tmp}/costs.csv"],
        f"costs.csv:2: column 'weekly_cost': 'tbc' {AMOUNT}",
    ),
    (
        "unit-costs-missing",
        {"903/episodes.csv": GOOD, "903/header.csv": GOOD_HEADER},
        ["--unit-costs", "{tmp}/nope.csv"],
        "{tmp}/nope.csv: unit-costs file not found",
    ),
    (
        "unit-costs-is-a-folder",
        {"903/episodes.csv": GOOD, "903/header.csv": GOOD_HEADER},
        ["--unit-costs", "{tmp}/903"],
        "{tmp}/903: is a folder; give the unit-costs file (a CSV file)",
    ),
    (
        "unit-cost-line-missing",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": GOOD_HEADER,
            "costs.csv": "line,weekly_cost\nOut of Area Residential,4000\n",
        },
        ["--unit-costs", "{tmp}/costs.csv"],
        "costs.csv: column 'line': no weekly cost for line 'Independent Fostering Agencies'",
    ),
    (
        "unit-cost-zero",
        {
            "903/episodes.csv": GOOD,
            "903/header.csv": GOOD_HEADER,
            "costs.csv": "line,weekly_cost\nIndependent Fostering Agencies,0\nOut of Area Residential,4000\n",
        },
        ["--unit-costs", "{tmp}/costs.csv"],
        "costs.csv:2: column 'weekly_cost': £0.00 a week: it should be more than £0",
    ),
    (
        "unit-costs-wrong-headers",
        {"903/episodes.csv": GOOD, "903/header.csv": GOOD_HEADER, "costs.csv": "line,cost\nSecure,6000\n"},
        ["--unit-costs", "{tmp}/costs.csv"],
        "costs.csv:1: no header row with the required columns for a unit costs file: missing weekly_cost "
        "(best candidate row has: line, cost)",
    ),
    (
        "la-unknown",
        {"903/episodes.csv": STACKED, "903/header.csv": GOOD_HEADER},
        ["--la", "Nowhere"],
        "episodes.csv: column 'LA': no episodes for LA 'Nowhere' (the file has: Bromley, Croydon; 1 value(s) on "
        f"fewer than 5 rows each {NOT_SHOWN})",
    ),
    (
        "la-without-column",
        {"903/episodes.csv": GOOD, "903/header.csv": GOOD_HEADER},
        ["--la", "Bromley"],
        "episodes.csv: column 'LA': --la 'Bromley' given but the file has no LA column",
    ),
    (
        "header-only-episodes",
        {"903/episodes.csv": HEAD, "903/header.csv": HEADER_HEAD},
        [],
        "{tmp}/903: no placements found: the stored list is left as it was",
    ),
]


def _lay_out(tmp: Path, files: dict[str, str], encoding: str = "utf-8") -> None:
    (tmp / "903").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(text.encode(encoding))


def _args(tmp: Path, extra: list[str]) -> list[object]:
    extra = [a.format(tmp=tmp) for a in extra]
    folder: object = tmp / "903"
    if extra[:1] == ["--folder"]:
        folder, extra = extra[1], extra[2:]
    return ["placements", "import-903", folder, *extra]


@pytest.mark.parametrize(("files", "extra", "line"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_903_refused(ws: Path, tmp_path: Path, files: dict[str, str], extra: list[str], line: str) -> None:
    tmp = tmp_path / "in"
    tmp.mkdir()
    _lay_out(tmp, files)
    refused([*_args(tmp, extra), "-w", ws], ws, line.format(tmp=tmp), absent=["CHREF"])


def _stored(ws: Path) -> list[tuple[str, str, int]]:
    con = duckdb.connect(str(ws / "careladder.duckdb"), read_only=True)
    try:
        return [
            (str(r[0]), str(r[1]), int(r[2]))
            for r in con.execute(
                "SELECT line, placement_type, weekly_cost_p FROM placements ORDER BY start_date, line"
            ).fetchall()
        ]
    finally:
        con.close()


def test_windows_1252_episodes_and_header_are_read(ws: Path, tmp_path: Path) -> None:
    episodes = (
        HEAD + ep("CHREF1001").replace(",,,,1", ",,Crèche Lane,,1") + ep("CHREF1002", "01/05/2019", "K2")
    )
    _lay_out(tmp_path, {"903/episodes.csv": episodes, "903/header.csv": GOOD_HEADER}, encoding="cp1252")
    res = accepted(["placements", "import-903", tmp_path / "903", "-w", ws])
    assert "reconciled to the penny" in res.output and "CHREF" not in res.output
    assert _stored(ws) == [
        ("Independent Fostering Agencies", "U4", 81422),
        ("Out of Area Residential", "K2", 400000),
    ]


@pytest.mark.parametrize(
    ("place", "provider", "warning"),
    [
        (
            "U9",
            "PR4",
            "episodes.csv:4: column 'PLACE': 'U9' is not an SSDA903 placement type code; 1 placement(s) "
            "(row 4) put on line 'Other Placements' by the catch-all rule *, *: check the code",
        ),
        (
            "U4",
            "PR9",
            "episodes.csv:4: column 'PLACE_PROVIDER': 'PR9' is not an SSDA903 placement provider code; "
            "1 placement(s) (row 4) put on line 'Other Placements' by the catch-all rule *, *: check the code",
        ),
        (
            "U2",
            "PR7",
            "episodes.csv:4: column 'PLACE_PROVIDER': 'PR7' is not an SSDA903 placement provider code; "
            "1 placement(s) (row 4) put on line 'Family and Friends Fostering' by a PLACE, * rule: check the code",
        ),
        (
            "CHREF1003",
            "PR4",
            "episodes.csv:4: column 'PLACE': the cell is not an SSDA903 placement type code; "
            "1 placement(s) (row 4) put on line 'Other Placements' by the catch-all rule *, *: check the code "
            f"{NOT_SHOWN}",
        ),
    ],
    ids=["unknown-place", "unknown-provider", "unknown-provider-wildcard", "child-ref-as-place"],
)
def test_unknown_code_is_named_with_row_and_the_line_it_went_to(
    ws: Path, tmp_path: Path, place: str, provider: str, warning: str
) -> None:
    _lay_out(
        tmp_path,
        {
            "903/episodes.csv": GOOD + ep("CHREF1003", "01/06/2019", place, provider),
            "903/header.csv": GOOD_HEADER,
        },
    )
    res = accepted(["placements", "import-903", tmp_path / "903", "-w", ws])
    assert f"warning: {warning}" in output_lines(res), res.output
    assert "CHREF" not in res.output
    assert len(_stored(ws)) == 3  # stored, with the warning: nothing dropped


def test_formula_text_in_903_and_code_tables_stays_text_in_the_workbook(ws: Path, tmp_path: Path) -> None:
    """A provider code or a line name from the codes table that looks like a formula is stored as text and
    written to the workbook as a string cell."""
    line = "=1+1"
    _lay_out(
        tmp_path,
        {
            "903/episodes.csv": GOOD + ep("CHREF1003", "01/06/2019", "U4", "=HYPERLINK(1)"),
            "903/header.csv": GOOD_HEADER,
            "codes.csv": CODES + f"U4,*,{line}\n",
            "costs.csv": COSTS + f"{line},500\n",
        },
    )
    budget = tmp_path / "budget.csv"
    budget.write_text(
        (DATA / "budget.csv").read_text(encoding="utf-8")
        + f"{line},Children Looked After,100000,0,commitments\n",
        encoding="utf-8",
    )
    accepted(
        ["budget", "import", budget, "-w", ws]
    )  # the officer's budget has the line the codes table names
    res = accepted(
        [
            "placements",
            "import-903",
            tmp_path / "903",
            "--codes",
            tmp_path / "codes.csv",
            "--unit-costs",
            tmp_path / "costs.csv",
            "-w",
            ws,
        ]
    )
    assert "HYPERLINK" not in res.output  # not code-shaped: not echoed
    assert (line, "U4", 50000) in _stored(ws)
    out = tmp_path / "o.xlsx"
    accepted(["outturn", "--period", "2019-05", "--out", out, "-w", ws])  # the ledger runs to May
    types = string_cells(out, line)
    assert types and set(types) == {"s"}


def test_children_missing_from_the_header_are_counted_not_named(ws: Path, tmp_path: Path) -> None:
    _lay_out(
        tmp_path,
        {"903/episodes.csv": GOOD + ep("CHREF1003", "01/06/2019"), "903/header.csv": header("CHREF1001")},
    )
    res = accepted(["placements", "import-903", tmp_path / "903", "-w", ws])
    assert (
        "warning: episodes.csv:3: column 'CHILD': 2 episode(s) of 2 child(ren) have no row in the header file "
        "(first rows: 3, 4): their dates of birth are unknown"
    ) in output_lines(res)
    assert "CHREF" not in res.output and len(_stored(ws)) == 3


def _dobs(ws: Path) -> list[str | None]:
    """The stored dates of birth, by start date."""
    con = duckdb.connect(str(ws / "careladder.duckdb"), read_only=True)
    try:
        dob = stored_placements(con)["date_of_birth"]
    finally:
        con.close()
    return [None if pd.isna(d) else f"{d:%Y-%m-%d}" for d in dob]


def test_children_with_a_blank_dob_are_counted_not_named(ws: Path, tmp_path: Path) -> None:
    """Two of three children have a blank DOB (one a space): imported, with one warning for the header file
    that counts them; they have no date of birth stored, so the model cannot age them out at 18."""
    heads = header("CHREF1001") + "CHREF1002,1,,WBRI,,,\nCHREF1003,2, ,WBRI,,,\n"
    _lay_out(
        tmp_path,
        {"903/episodes.csv": GOOD + ep("CHREF1003", "01/06/2019"), "903/header.csv": heads},
    )
    res = accepted(["placements", "import-903", tmp_path / "903", "-w", ws])
    assert (
        "warning: header.csv:3: column 'DOB': 2 child(ren) in header.csv have no date of birth (DOB) "
        "(first rows: 3, 4): they are not aged out at 18"
    ) in output_lines(res), res.output
    assert "CHREF" not in res.output
    assert _dobs(ws) == ["2008-02-01", None, None]


def test_a_blank_dob_given_in_another_return_is_not_warned(ws: Path, tmp_path: Path) -> None:
    """Yearly returns: CHREF1002's DOB is blank in 2019's header but given in 2018's, so she is aged out and
    not counted; CHREF1001's is blank in both, counted once in each header file that leaves it blank."""
    _lay_out(
        tmp_path,
        {
            "903/2018-episodes.csv": GOOD,
            "903/2018-header.csv": "CHILD,SEX,DOB\nCHREF1001,1,\nCHREF1002,2,01/02/2008\n",
            "903/2019-episodes.csv": GOOD,
            "903/2019-header.csv": "CHILD,SEX,DOB\nCHREF1001,1,\nCHREF1002,2,\n",
        },
    )
    res = accepted(["placements", "import-903", tmp_path / "903", "-w", ws])
    lines = [ln for ln in output_lines(res) if "date of birth (DOB)" in ln]
    assert lines == [
        "warning: 2018-header.csv:2: column 'DOB': 1 child(ren) in 2018-header.csv have no date of birth (DOB) "
        "(first rows: 2): they are not aged out at 18",
        "warning: 2019-header.csv:2: column 'DOB': 1 child(ren) in 2019-header.csv have no date of birth (DOB) "
        "(first rows: 2): they are not aged out at 18",
    ], res.output
    assert "CHREF" not in res.output
    assert _dobs(ws) == [None, "2008-02-01"]
