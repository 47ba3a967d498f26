"""The outturn workbook: which sheets, in which order. Each sheet is one function in its own module.

A sheet writer takes ``(workbook, report, fmts, layout)``; ``layout`` (``outturn_layout.layout_for``) says
where every Summary and Lines row sits, so a sheet can refer to another sheet's cells before it is written.
To add a sheet, write ``write_<sheet>`` in its own module and call it from ``OUTTURN_SHEETS`` order below."""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.workbook import Workbook

from budget.monthend.report import OutturnReport
from budget.workbooks.cash import write_cash
from budget.workbooks.funding import write_funding
from budget.workbooks.lines_sheet import write_lines
from budget.workbooks.monthly import write_monthly
from budget.workbooks.notes_sheet import write_notes
from budget.workbooks.outturn_layout import LINES_HEADERS, SUMMARY_HEADERS, layout_for
from budget.workbooks.savings import write_savings
from budget.workbooks.summary_sheet import write_summary
from budget.workbooks.surplus_sheet import write_surplus_share
from budget.workbooks.trajectory import write_trajectory
from budget.workbooks.variances_sheet import write_variances
from budget.workbooks.xlsx import formats_for, period_title

__all__ = ["LINES_HEADERS", "SUMMARY_HEADERS", "write_outturn_workbook"]


def write_outturn_workbook(report: OutturnReport, path: Path) -> None:
    """Write the month-end outturn workbook (Summary, Lines, Variances, Surplus share, Savings, Funding, Cash,
    Notes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(str(path))
    try:
        fmts = formats_for(workbook)
        layout = layout_for(report)
        write_summary(workbook, report, fmts, layout)
        write_lines(workbook, report, fmts, layout)
        write_variances(workbook, report, fmts, layout)
        write_surplus_share(workbook, report, fmts, layout)
        if report.savings is not None and report.savings.rows:
            write_savings(
                workbook,
                report.savings,
                fmts,
                report.authority,
                period_title(report.financial_year, report.period, report.period_no),
            )
        if report.funding:
            write_funding(
                workbook, report.funding, fmts, report.authority,
                period_title(report.financial_year, report.period, report.period_no),
            )  # fmt: skip
        if report.cash is not None:
            write_cash(workbook, report.cash, fmts)
        write_trajectory(workbook, report, fmts)
        write_monthly(workbook, report, fmts)
        write_notes(workbook, report, fmts, layout)
        if report.missing_actuals:
            # every sheet's title block says the ledger does not reach the period (--allow-missing-actuals)
            warning = workbook.add_format({"bold": True, "font_size": 14, "font_color": "#C00000"})
            for ws in workbook.worksheets():
                ws.write_string(0, 0, f"{report.authority} — {report.missing_actuals}", warning)
    finally:
        workbook.close()
