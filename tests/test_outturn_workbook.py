"""The outturn workbook and its JSON, re-opened with openpyxl and checked against hand-worked figures."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from budget.monthend.outturn_json import outturn_json
from budget.monthend.report import (
    BUDGET_MINUS_FORECAST,
    FORECAST_MINUS_BUDGET,
    Figures,
    HeadingResult,
    LineResult,
    OutturnReport,
    SurplusShare,
    VarianceRow,
)
from budget.workbooks.outturn import LINES_HEADERS, SUMMARY_HEADERS, write_outturn_workbook
from budget.workbooks.xlsx import POUNDS_000

INJECTION = '=HYPERLINK("http://x","y")'
CLA = "Children Looked After"
SAFEGUARDING = "Safeguarding Children and Young People's Services"


def _fig(bg: float, bi: float, fg: float, fi: float) -> Figures:
    return Figures(round(bg * 100), round(bi * 100), round(fg * 100), round(fi * 100))


def sample_report(sign: str = BUDGET_MINUS_FORECAST) -> OutturnReport:
    """Four headings, six lines (one suspense), round figures a finance officer can add up by hand."""
    lines = [
        LineResult(
            "Independent Fostering Agencies",
            CLA,
            _fig(10_000_000, 0, 9_500_000, 0),
            method="placement-mix",
            adjustments_p=2_500_000,
            movement_net_p=-2_000_000,
            best_net_p=930_000_000,
            worst_net_p=975_000_000,
            rag="green",
        ),
        LineResult(
            "Out of Area Residential",
            CLA,
            _fig(12_483_000.50, -3_458_000, 13_323_000.50, -3_810_000),
            method="placement-mix",
            funded_by="DSG High Needs Block",
            movement_net_p=1_500_000,
            rag="red",
        ),
        LineResult("In-house Fostering", CLA, _fig(10_000_000, 0, 9_750_000, 0), method="ets", rag="green"),
        LineResult(
            "Social Work Teams", SAFEGUARDING, _fig(12_841_000, -115_000, 13_196_000, -100_000), rag="amber"
        ),
        LineResult("Contract Value", "Contract Value", _fig(0, -51_642_000, 0, -51_765_000), rag="green"),
        LineResult(
            "Unmapped ledger rows", "Suspense", _fig(0, 0, 1_234.56, 0), rag="green", is_suspense=True
        ),
    ]
    headings: list[HeadingResult] = []
    for name in [CLA, SAFEGUARDING, "Contract Value", "Suspense"]:
        total = Figures()
        for line in lines:
            if line.heading == name:
                total.add(line.figures)
        headings.append(HeadingResult(name, total, movement_net_p=-500_000 if name == CLA else None))
    under = "underspend" if sign == BUDGET_MINUS_FORECAST else "overspend"
    over = "overspend" if sign == BUDGET_MINUS_FORECAST else "underspend"
    flip = 1 if sign == BUDGET_MINUS_FORECAST else -1
    variances = [
        VarianceRow("heading", CLA, CLA, flip * 26_200_000, under, "Fewer IFA placements than budgeted."),
        VarianceRow(
            "line", "Independent Fostering Agencies", CLA, flip * 50_000_000, under, "38 v 42 budgeted."
        ),
        VarianceRow(
            "line", "Out of Area Residential", CLA, flip * -48_800_000, over, "6 more OOA placements."
        ),
        VarianceRow("line", "In-house Fostering", CLA, flip * 25_000_000, under, "Vacant carers."),
        VarianceRow(
            "heading", SAFEGUARDING, SAFEGUARDING, flip * -37_000_000, over, "Agency social workers."
        ),
    ]
    surplus = SurplusShare(
        contract_value_p=5_164_200_000,
        net_position_p=1_376_544,
        council_share_p=1_238_890,
        retained_share_p=137_654,
        final_contract_sum_p=5_162_961_110,
        surplus_share_to_council="0.90",
        overspend_share_to_council="0.0",
        funded_lines=[("Out of Area Residential", "DSG High Needs Block", -48_800_000)],
    )
    return OutturnReport(
        authority="Doncaster Children's Services Trust",
        financial_year="2019/20",
        period="2019-12",
        period_no=9,
        variance_sign=sign,
        threshold_p=10_000_000,
        rag_amber=0.02,
        rag_red=0.05,
        rag_floor_p=5_000_000,
        headings=headings,
        lines=lines,
        variances=variances,
        surplus=surplus,
        notes=[("Imports used", "ledger 2019-12 from gl_export.csv (4,210 rows)")],
        adjustments=[("Independent Fostering Agencies", 2_500_000, "Agency pay uplift from January")],
        suspense=[("CC999", "4000", 3, 123_456)],
        data_as_at="2019-12-31",
    )


@pytest.fixture
def book(tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "outturn.xlsx"
    write_outturn_workbook(sample_report(), path)
    return openpyxl.load_workbook(path)


@pytest.fixture
def cached(tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "outturn_cached.xlsx"
    write_outturn_workbook(sample_report(), path)
    return openpyxl.load_workbook(path, data_only=True)


def test_sheets_titles_and_summary_header(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["Summary", "Lines", "Variances", "Surplus share", "Notes"]
    ws = book["Summary"]
    assert ws["A1"].value == "Doncaster Children's Services Trust"
    assert ws["A2"].value == "Forecast outturn 2019/20 as at P9 (December 2019)"
    assert [c.value for c in ws[10]] == SUMMARY_HEADERS
    assert SUMMARY_HEADERS[1:4] == ["Budget Gross", "Budget Income", "Budget Net"]
    assert [ws.cell(row=r, column=1).value for r in range(11, 16)] == [
        CLA,
        SAFEGUARDING,
        "Contract Value",
        "Suspense",
        "Grand Total",
    ]
    for name in book.sheetnames:
        assert str(book[name]["A3"].value).startswith("Variance = budget minus forecast outturn"), name


def test_summary_heading_row_is_values_and_cached_formulas(
    book: openpyxl.Workbook, cached: openpyxl.Workbook
) -> None:
    ws, values = book["Summary"], cached["Summary"]
    # gross and income are the heading's total row on Lines, so an edit there reaches the Summary
    assert ws["B11"].value == "=Lines!B10" and ws["C11"].value == "=Lines!C10"
    assert values["B11"].value == 32_483_000.50 and values["C11"].value == -3_458_000
    assert [ws[ref].value for ref in ("D11", "G11", "H11", "I11", "J11")] == [
        "=B11+C11",
        "=E11+F11",
        "=B11-E11",
        "=C11-F11",
        "=D11-G11",
    ]
    # Budget net 32,483,000.50 - 3,458,000 = 29,025,000.50; forecast 32,573,000.50 - 3,810,000 = 28,763,000.50
    assert values["D11"].value == 29_025_000.50
    assert values["G11"].value == 28_763_000.50
    assert values["H11"].value == -90_000  # gross overspend
    assert values["I11"].value == 352_000  # more income than budgeted
    assert values["J11"].value == 262_000  # net underspend


def test_grand_total_formulas_and_values(book: openpyxl.Workbook, cached: openpyxl.Workbook) -> None:
    ws, values = book["Summary"], cached["Summary"]
    assert ws["B15"].value == "=SUM(B11:B14)"
    assert ws["J15"].value == "=SUM(J11:J14)"
    assert values["B15"].value == 45_324_000.50
    assert values["C15"].value == -55_215_000
    assert values["E15"].value == 45_770_235.06
    # 262,000 underspend - 370,000 overspend + 123,000 extra contract income - 1,234.56 suspense
    assert values["J15"].value == pytest.approx(13_765.44, abs=1e-9)
    assert ws["B15"].font.b


def test_formats_freeze_print_and_chart(book: openpyxl.Workbook) -> None:
    ws: Any = book["Summary"]
    assert ws["D11"].number_format == POUNDS_000 == "#,##0,;(#,##0,);-"
    assert ws["J15"].number_format == POUNDS_000
    assert ws.freeze_panes == "B11"
    assert ws.page_setup.orientation == "landscape"
    # one page wide (fitToWidth 1 is the default xlsxwriter leaves out), as many pages tall as needed
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$10"
    footer = ws.oddFooter
    assert footer.left.text == "Doncaster Children's Services Trust"
    assert footer.right.text == "Page &P of &N"
    assert len(ws._charts) == 1
    assert book["Lines"].freeze_panes == "B6"


def test_sign_flip_writes_forecast_minus_budget(tmp_path: Path) -> None:
    path = tmp_path / "flip.xlsx"
    write_outturn_workbook(sample_report(FORECAST_MINUS_BUDGET), path)
    ws = openpyxl.load_workbook(path)["Summary"]
    values = openpyxl.load_workbook(path, data_only=True)["Summary"]
    assert ws["H11"].value == "=E11-B11" and ws["J11"].value == "=G11-D11"
    assert values["J11"].value == -262_000
    assert ws["A3"].value.startswith("Variance = forecast outturn minus budget")


def _rows_by_name(ws: Any) -> dict[str, int]:
    return {
        str(ws.cell(row=r, column=1).value): r
        for r in range(6, ws.max_row + 1)
        if ws.cell(row=r, column=1).value
    }


def test_lines_grouped_with_subtotals(book: openpyxl.Workbook, cached: openpyxl.Workbook) -> None:
    ws, values = book["Lines"], cached["Lines"]
    assert [c.value for c in ws[5]] == LINES_HEADERS
    rows = _rows_by_name(ws)
    # heading label row, then its three lines, then the subtotal
    assert rows[CLA] == 6 and rows["Independent Fostering Agencies"] == 7 and rows["In-house Fostering"] == 9
    total = rows[f"Total {CLA}"]
    assert total == 10
    assert ws[f"J{total}"].value == "=SUM(J7:J9)"
    assert values[f"J{total}"].value == 262_000  # 500,000 - 488,000 + 250,000
    assert values[f"L{total}"].value == 25_000  # adjustments
    assert values["J8"].value == -488_000
    ifa = rows["Independent Fostering Agencies"]
    assert values[f"K{ifa}"].value == "placement-mix"
    assert values[f"M{ifa}"].value == -20_000
    assert values[f"N{ifa}"].value == "green"  # an underspend is never red
    assert values[f"N{rows['Out of Area Residential']}"].value == "red"  # £488k over, 5.4% of budget
    assert ws[f"N{ifa}"].value.startswith('=IF(OR(NOT(J7<0),ABS(J7)<50000),"green"')
    assert values[f"N{total}"].value == "green" and values[f"M{total}"].value == -5_000
    assert values[f"O{ifa}"].value == 9_300_000 and values[f"P{ifa}"].value == 9_750_000
    assert values[f"M{rows['In-house Fostering']}"].value == "n/a"
    assert values[f"O{rows['In-house Fostering']}"].value is None
    assert values[f"Q{rows['Out of Area Residential']}"].value == "DSG High Needs Block"
    suspense = rows["Unmapped ledger rows"]
    assert suspense == rows["Suspense"] + 1  # under its heading label row
    assert ws[f"A{suspense}"].fill.fgColor.rgb.endswith("FCE4D6")  # shaded so it stands out
    assert values[f"R{suspense}"].value.startswith("Suspense: ledger rows that match no mapping")
    assert values[f"G{suspense}"].value == 1_234.56
    grand = rows["Grand Total"]
    assert ws[f"J{grand}"].value.startswith("=SUM(J10,")
    assert values[f"J{grand}"].value == pytest.approx(13_765.44, abs=1e-9)


def test_lines_rag_conditional_formats(book: openpyxl.Workbook) -> None:
    rules = {
        str(rng.sqref): [r.formula[0] for r in rng.rules] for rng in book["Lines"].conditional_formatting
    }
    assert len(rules) == 1
    (sqref, formulas) = next(iter(rules.items()))
    assert sqref.startswith("N6:N")
    assert formulas == ['"red"', '"amber"', '"green"']


def test_variances_sheet_has_commentary_and_hidden_key(
    book: openpyxl.Workbook, cached: openpyxl.Workbook
) -> None:
    ws, values = book["Variances"], cached["Variances"]
    assert [c.value for c in ws[5]] == [
        "Level",
        "Heading",
        "Name",
        "Amount",
        "Direction",
        "Explanation",
        "Commentary",
        "Key",
    ]
    assert ws["C7"].value == "Independent Fostering Agencies"
    # amounts are live references to the Lines / Summary variance cells, with the values cached
    assert ws["D7"].value == "=Lines!J7" and ws["D6"].value == "=Summary!J11"
    assert values["D7"].value == 500_000 and ws["E7"].value == "underspend"
    assert values["D8"].value == -488_000 and ws["E8"].value == "overspend"
    assert ws["H7"].value == "line|Independent Fostering Agencies"
    assert ws["H6"].value == f"heading|{CLA}"
    assert ws.column_dimensions["H"].hidden
    assert ws.protection.sheet and not ws["G7"].protection.locked and ws["H7"].protection.locked


def test_surplus_share_formulas(book: openpyxl.Workbook, cached: openpyxl.Workbook) -> None:
    ws, values = book["Surplus share"], cached["Surplus share"]
    labels = {ws.cell(row=r, column=1).value: r for r in range(6, 13)}
    share, retained, final = (
        labels["Council's share"],
        labels["Trust's retained share"],
        labels["Final contract sum"],
    )
    assert ws[f"B{share}"].value == "=ROUND(IF(B7>=0,B7*B8,B7*B9),2)"
    assert ws[f"B{retained}"].value == f"=B7-B{share}"
    assert ws[f"B{final}"].value == f"=B6-B{share}"
    assert values["B6"].value == 51_642_000 and values["B7"].value == 13_765.44
    assert values[f"B{share}"].value == 12_388.90  # 90% of 13,765.44
    assert values[f"B{retained}"].value == 1_376.54
    assert values[f"B{final}"].value == 51_629_611.10
    texts = [c.value for row in ws.iter_rows() for c in row]
    assert "DSG High Needs Block" in texts


def test_surplus_share_written_as_values_when_not_that_arithmetic(tmp_path: Path) -> None:
    report = sample_report()
    report.surplus.council_share_p = 1_000_000  # e.g. a banded agreement the settings do not express
    path = tmp_path / "banded.xlsx"
    write_outturn_workbook(report, path)
    ws = openpyxl.load_workbook(path)["Surplus share"]
    assert ws["B10"].value == 10_000 and ws["B11"].value == 1_376.54


def test_notes_list_adjustments_and_suspense(book: openpyxl.Workbook) -> None:
    ws = book["Notes"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6)]
    assert ["Data as at", "2019-12-31", None, None] in rows
    assert ["Independent Fostering Agencies", "Agency pay uplift from January", 25_000, None] in rows
    assert ["CC999", "4000", 3, 1_234.56] in rows
    assert ["Imports used", "ledger 2019-12 from gl_export.csv (4,210 rows)", None, None] in rows


def test_text_from_inputs_stays_text(tmp_path: Path) -> None:
    report = sample_report()
    line = report.lines[0]
    report.lines[0] = dataclasses.replace(line, name=INJECTION, funded_by=INJECTION, method_note=INJECTION)
    report.headings[0].name = INJECTION
    report.variances[0].explanation = INJECTION
    report.adjustments = [(INJECTION, 100, INJECTION)]
    report.suspense = [(INJECTION, INJECTION, 1, 100)]
    report.notes = [(INJECTION, INJECTION)]
    report.surplus.funded_lines = [(INJECTION, INJECTION, 100)]
    path = tmp_path / "injection.xlsx"
    write_outturn_workbook(report, path)
    book = openpyxl.load_workbook(path)
    hits = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == INJECTION]
    assert len(hits) >= 12
    assert all(c.data_type == "s" for c in hits)
    assert book["Summary"]["A11"].data_type == "s"


def test_json_shape_and_numbers_match_workbook(cached: openpyxl.Workbook) -> None:
    data: Any = outturn_json(sample_report())
    assert list(data) == [
        "period",
        "financial_year",
        "variance_sign",
        "headings",
        "lines",
        "variances",
        "surplus_share",
        "missing_actuals",
        "classifications",
    ]
    assert data["missing_actuals"] is None
    assert data["period"] == "2019-12" and data["financial_year"] == "2019/20"
    keys = [
        "budget_gross",
        "budget_income",
        "budget_net",
        "forecast_gross",
        "forecast_income",
        "forecast_net",
    ]
    keys += ["variance_gross", "variance_income", "variance_net"]
    summary = cached["Summary"]
    for i, heading in enumerate(data["headings"]):
        assert heading["name"] == summary.cell(row=11 + i, column=1).value
        assert [heading[k] for k in keys] == [summary.cell(row=11 + i, column=2 + j).value for j in range(9)]
    assert data["headings"][0]["movement_net"] == -5_000
    lines_ws = cached["Lines"]
    rows = _rows_by_name(lines_ws)
    for line in data["lines"]:
        r = rows[line["name"]]
        assert [line[k] for k in keys] == [lines_ws.cell(row=r, column=2 + j).value for j in range(9)]
    ifa = data["lines"][0]
    assert (ifa["heading"], ifa["method"], ifa["rag"], ifa["best_net"], ifa["worst_net"]) == (
        CLA,
        "placement-mix",
        "green",
        9_300_000,
        9_750_000,
    )
    assert data["lines"][2]["movement_net"] is None and data["lines"][2]["funded_by"] is None
    assert data["variances"][2] == {
        "level": "line",
        "grouped": False,
        "name": "Out of Area Residential",
        "heading": CLA,
        "amount": -488_000,
        "direction": "overspend",
        "explanation": "6 more OOA placements.",
        "commentary": "",
    }
    surplus = data["surplus_share"]
    assert surplus["council_share"] == 12_388.90 and surplus["final_contract_sum"] == 51_629_611.10
