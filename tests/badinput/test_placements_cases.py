"""The placements list: a shifted or broken row is refused naming its row and column, and no message ever
echoes a cell (after a shift a child reference can sit in any column; every child here is ``CHREF…``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from badinput.conftest import accepted, output_lines, refused

HEAD = "placement_id,child_ref,line,start_date,weekly_cost\n"
GOOD = HEAD + "P1,CHREF1,Independent Fostering Agencies,01/04/2019,800\n"
NOT_SHOWN = "(not shown: a placements file may hold a child reference in any column)"
LINES = (
    "lines: Agency Social Workers, DSG High Needs Contribution, Independent Fostering Agencies, Out of Area "
    "Residential, Social Work Teams"
)

CASES = [
    (
        "child-ref-shifted-into-line",
        GOOD + "P2,,CHREF2,Independent Fostering Agencies,01/04/2019\n",
        f"p.csv:3: column 'line': is not a line of the 2019/20 budget ({LINES}) {NOT_SHOWN}",
    ),
    (
        "child-ref-shifted-into-date",
        GOOD + "P2,CHREF2,CHREF2,CHREF2,800\n",
        f"p.csv:3: column 'start_date': the cell is not a date (write 2019-12-31 or 31/12/2019) {NOT_SHOWN}",
    ),
    (
        "child-ref-in-weekly-cost",
        GOOD + "P2,CHREF2,Independent Fostering Agencies,01/04/2019,CHREF2\n",
        "p.csv:3: column 'weekly_cost': the cell is not an amount (write 1234.56, £1,234.56, -1234.56 or "
        f"(1,234.56); at most 2 decimal places, commas only between thousands) {NOT_SHOWN}",
    ),
    (
        "child-ref-as-duplicate-id",
        GOOD + "CHREF9,CHREF9,Independent Fostering Agencies,01/04/2019,800\n"
        "CHREF9,CHREF8,Independent Fostering Agencies,01/05/2019,800\n",
        "p.csv:4: column 'placement_id': the placement_id is the same as on row 3; each placement needs its own",
    ),
    (
        "no-header-row",
        "CHREF1,CHREF1,Independent Fostering Agencies,01/04/2019,800\n",
        "p.csv:1: no header row with the required columns for a placements file: missing placement_id, child_ref, "
        "line, start_date, weekly_cost (best candidate row has: no column of this file kind)",
    ),
    (
        "header-missing-a-column",
        "placement_id,child,start_date,weekly_cost\nP1,CHREF1,01/04/2019,800\n",
        "p.csv:1: no header row with the required columns for a placements file: missing line (best candidate row "
        "has: placement_id, child_ref, start_date, weekly_cost)",
    ),
    (
        "zero-weekly-cost",
        GOOD + "CHREF7,CHREF7,Independent Fostering Agencies,01/04/2019,0\n",
        "p.csv:3: column 'weekly_cost': the placement's weekly cost is £0 or less; it should be more than £0",
    ),
]


@pytest.mark.parametrize(("text", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_placements_refused_without_echoing_a_cell(ws: Path, tmp_path: Path, text: str, line: str) -> None:
    f = tmp_path / "p.csv"
    f.write_text(text, encoding="utf-8")
    refused(["placements", "import", f, "-w", ws], ws, line, absent=["CHREF"])


@pytest.mark.parametrize(
    ("row", "line"),
    [
        (
            "P1,CHREF1,Independent Fostering Agencies,01/04/2019,800,CHREF1\n",
            "p.csv:2: has 6 fields but the header (row 1) has 5: a comma inside unquoted text shifts the columns; "
            "put such text in quotes, or open it in Excel and save it as 'CSV UTF-8 (Comma delimited)'",
        ),
        (
            "P1,CHREF1,Independent Fostering Agencies,01/04/2019\n",
            "p.csv:2: has 4 fields but the header (row 1) has 5: no weekly_cost (a row may stop short only before "
            "optional columns)",
        ),
    ],
    ids=["more-fields", "fewer-fields"],
)
def test_a_ragged_only_row_is_refused_for_itself_alone(ws: Path, tmp_path: Path, row: str, line: str) -> None:
    """The file's one row is ragged: that is the one message, not also 'the file has no rows'."""
    f = tmp_path / "p.csv"
    f.write_text(HEAD + row, encoding="utf-8")
    res = refused(["placements", "import", f, "-w", ws], ws, line, absent=["CHREF"])
    assert [x for x in output_lines(res) if x.startswith("p.csv")] == [line]


def test_end_before_start_is_warned_by_row_only(ws: Path, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text(
        "placement_id,child_ref,line,start_date,end_date,weekly_cost\n"
        "CHREF5,CHREF5,Independent Fostering Agencies,01/06/2019,01/05/2019,800\n",
        encoding="utf-8",
    )
    res = accepted(["placements", "import", f, "-w", ws])
    assert "CHREF" not in res.output
    warned = [x for x in output_lines(res) if "end_date" in x]
    assert warned == [
        "warning: p.csv:2: column 'end_date': placements ending before they start: 1 row(s) (first rows: 2)"
    ]
