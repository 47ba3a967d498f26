"""Variance explanations: a line's drivers and movement in words, the movement split, and the demo's golden text.

The golden file tests/golden/demo_variances_2019-12.txt is the demo's December Variances sheet (level, name,
amount, direction, explanation); tests/golden/demo_headline_2019-12.txt its Summary headline block. After an intended change of wording, regenerate it with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_explanations.py

and read the diff before committing it.
"""

from __future__ import annotations

import os
from datetime import date
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from budget.demo.run import run_demo
from budget.monthend.drivers import OTHER, Decomposition, Driver
from budget.monthend.explain import Explainer
from budget.monthend.movement import REFORECAST, LineMovement, MovementPart, Snapshot, line_movements
from budget.monthend.report import BUDGET_MINUS_FORECAST, Figures, HeadingResult, LineResult
from ledgers.readers.periods import FinancialYear

GOLDEN = Path(__file__).parent / "golden" / "demo_variances_2019-12.txt"
HEADLINE_GOLDEN = Path(__file__).parent / "golden" / "demo_headline_2019-12.txt"
FY = FinancialYear(2019)


def ifa_line(movement_p: int | None = 8_600_000) -> LineResult:
    return LineResult(
        "Independent Fostering Agencies",
        "Children Looked After",
        Figures(658_300_000, 0, 627_656_319, 0),
        movement_net_p=movement_p,
    )


def test_line_explanation_names_amount_direction_drivers_and_movement() -> None:
    explainer = Explainer(
        BUDGET_MINUS_FORECAST,
        10_000_000,
        "P8",
        {
            "Independent Fostering Agencies": Decomposition(
                "placement",
                [
                    Driver("volume", 29_100_000, "156.1 average placements forecast against 163.3 budgeted"),
                    Driver("price", 3_300_000, "average weekly cost £769 against £773 budgeted"),
                    Driver(OTHER, -1_756_319, "rounding"),
                ],
            )
        },
        {
            "Independent Fostering Agencies": LineMovement(
                "Independent Fostering Agencies",
                8_600_000,
                [
                    MovementPart("new placements", 7_300_000, 7),
                    MovementPart("ended placements", -9_000_000, 9),
                    MovementPart(REFORECAST, 10_300_000),
                ],
            )
        },
    )
    # £291,000 + £33,000 − £17,563.19 = £306,436.81: shown in £k the parts add up to the £306k stated
    assert explainer.line(ifa_line()) == (
        "Independent Fostering Agencies: £306k underspend.\n"
        "- Volume (156.1 average placements forecast against 163.3 budgeted): £291k underspend\n"
        "- Price (average weekly cost £769 against £773 budgeted): £33k underspend\n"
        "- Other (timing and items outside these drivers): £18k overspend\n"
        "- Together: £291k + £33k − £18k = £306k underspend\n"
        "Forecast up £86k since P8: re-forecast of the remaining months adding £103k; "
        "9 ended placements reducing it by £90k; 7 new placements adding £73k."
    )


def test_shown_parts_add_up_to_the_total_shown() -> None:
    from budget.monthend.explain import shown_thousands

    # £0.4k + £0.4k + £0.4k = £1.2k: rounded alone each is £0k, the total £1k; one part carries the £1k
    assert shown_thousands([40_000, 40_000, 40_000], 120_000) == [1, 0, 0]
    # £824.6k − £17.6k + £33.4k = £840.4k: 825 − 18 + 33 = 840
    assert shown_thousands([82_460_000, -1_760_000, 3_340_000], 84_040_000) == [825, -18, 33]


def test_income_lines_speak_of_income_not_underspend() -> None:
    grant = LineResult(
        "DSG High Needs Contribution", "Children Looked After", Figures(0, -270_000_000, 0, -309_301_887)
    )
    explainer = Explainer(
        BUDGET_MINUS_FORECAST,
        10_000_000,
        "P8",
        {
            grant.name: Decomposition(
                "income", [Driver("to date", 39_301_887, "income to date against the budget profile to date")]
            )
        },
    )
    text = explainer.line(grant)
    assert text.startswith("DSG High Needs Contribution: £393k additional income.")
    assert "underspend" not in text and "£393k above budget" in text
    assert "((" not in text and "))" not in text


def test_heading_groups_lines_under_the_threshold() -> None:
    big = ifa_line()
    small = LineResult(
        "Staying Put", "Children Looked After", Figures(26_000_000, 0, 16_350_405, 0), movement_net_p=-94_829
    )
    h = HeadingResult(
        "Children Looked After", Figures(684_300_000, 0, 644_006_724, 0), movement_net_p=8_505_171
    )
    text = Explainer(BUDGET_MINUS_FORECAST, 10_000_000, "P8").heading(h, [big], [small])
    # Staying Put moved by £948: under £1k, so it is not named as a mover
    assert text == (
        "Children Looked After: £403k underspend.\n"
        "Variances of £100k or more:\n"
        "- Independent Fostering Agencies: £306k underspend\n"
        "Other variances under £100k: £96k underspend (Staying Put).\n"
        "Forecast up £85k since P8, mainly Independent Fostering Agencies (up £86k)."
    )


def test_movement_split_by_hand() -> None:
    # P8 stored: P1 open at £700/week (no planned end), P2 at £900/week, P3 at £500/week;
    # P8 forecast for December £10,000.00, adjustments £0.
    prev = Snapshot(
        8,
        {
            "P1": ("IFA", 70_000, date(2019, 4, 1), None, None),
            "P2": ("IFA", 90_000, date(2019, 4, 1), None, None),
            "P3": ("IFA", 50_000, date(2019, 4, 1), None, None),
        },
        {("IFA", date(2019, 12, 1)): 1_000_000},
        {},
    )
    # now: P1 re-priced to £770 from 1 Jan; P2 ended 31 Dec; P4 new from 15 Dec at £1,400/week; P3 unchanged
    placements = pd.DataFrame(
        {
            "placement_id": ["P1", "P2", "P3", "P4"],
            "line": ["IFA"] * 4,
            "start_date": pd.to_datetime(["2019-04-01", "2019-04-01", "2019-04-01", "2019-12-15"]),
            "end_date": pd.to_datetime([None, "2019-12-31", None, None]),
            "planned_end_date": pd.to_datetime([None, None, None, None]),
            "weekly_cost_p": [77_000, 90_000, 50_000, 140_000],
        }
    )
    monthly = pd.DataFrame({"line": ["IFA"], "kind": ["expenditure"], "period": [9], "amount_p": [1_250_000]})
    moves = line_movements(prev, {"IFA": 7_000_000}, monthly, {"IFA": 500_000}, placements, FY, 9)
    parts = {p.label: (p.amount_p, p.count) for p in moves["IFA"].parts}
    # 1 Jan – 31 Mar 2020 is 91 days = 13 weeks: new £1,400 × 13 = £18,200; ended −£900 × 13 = −£11,700;
    # re-priced £70 × 13 = £910; December £12,500 actual against £10,000 forecast: £2,500 above;
    # adjustments £5,000 added; the rest of the £70,000 movement is the re-forecast:
    # 70,000 − 2,500 − 5,000 − 18,200 + 11,700 − 910 = £55,090
    assert parts == {
        "December actuals against the P8 forecast": (250_000, 0),
        "adjustments": (500_000, 0),
        "new placements": (1_820_000, 1),
        "ended placements": (-1_170_000, 1),
        "changed weekly costs": (91_000, 1),
        REFORECAST: (5_509_000, 0),
    }
    assert sum(a for a, _ in parts.values()) == 7_000_000
    assert Fraction(91, 7) == 13


def variances_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path, data_only=True)["Variances"]  # amounts are formulas: cached values
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row and row[-1] == "Key")
    lines = []
    for row in ws.iter_rows(min_row=header + 1, values_only=True):
        level, _heading, name, amount, way, explanation = row[:6]
        lines.append(f"{level} | {name} | {amount:,.2f} | {way}\n    {explanation}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def demo_outturn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, say=lambda _: None)
    return out / "outturn-2019-12.xlsx"


def headline_text(path: Path) -> str:
    """The Summary's headline block: the sentences, then the figures table as 'label: value' lines."""
    ws = openpyxl.load_workbook(path, data_only=True)["Summary"]
    out = [str(ws["A4"].value)]
    for col in range(2, 8):
        label, value = ws.cell(row=5, column=col).value, ws.cell(row=6, column=col).value
        shown = f"{value:,.2f}" if isinstance(value, float | int) else str(value)
        out.append(f"{label}: {shown}")
    band = [ws.cell(row=9, column=c).value for c in (2, 5, 8)]
    out.append(" | ".join(str(b) for b in band))
    return "\n".join(out) + "\n"


def test_demo_summary_headline_matches_the_golden_text(demo_outturn: Path) -> None:
    text = headline_text(demo_outturn)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        HEADLINE_GOLDEN.write_text(text, encoding="utf-8")
    assert text == HEADLINE_GOLDEN.read_text(encoding="utf-8")
    assert text.startswith(
        "The forecast outturn as at the end of December 2019 (P9) is an underspend of £1.0m"
    )
    assert "since November 2019 (P8)" in text
    assert "2019/20 Budget £000 | 2019/20 Forecast Outturn £000 | 2019/20 Variance £000" in text


def test_demo_variances_match_the_golden_text(demo_outturn: Path) -> None:
    text = variances_text(demo_outturn)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    # the seed's ¶35 shape: heading amount and direction, named lines, the rest grouped with a total
    assert (
        "Children Looked After: £783k underspend.\nVariances of £100k or more:\n- Out of Area Residential"
        in text
    )
    assert "Other variances under £100k: £674k underspend (In-house Fostering" in text
    assert "Continuing Healthcare Contributions: £275k income shortfall. Income of £105k" in text
    explanations = [
        line for line in text.splitlines() if not line.startswith(("heading |", "line |", "other |"))
    ]
    # income is never an "underspend" in the words; no doubled brackets; no movement under £1k named
    for said in explanations:
        if "DSG High Needs" in said or "Contract Value" in said:
            assert "underspend" not in said, said
        assert "((" not in said and "))" not in said, said
    assert not any(f"£{n} since" in text for n in range(1, 1000))
