"""The year as a story: the trajectory, the accuracy of a closed year and the month-by-month view of a report."""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd

from budget.monthend.history import month_end_history
from budget.monthend.monthly import monthly_view
from budget.monthend.report import OutturnReport
from budget.monthend.track_record import TrackRecord, track_record
from budget.monthend.trajectory import trajectory_for
from forecasts.lines import LineForecast
from ledgers.readers.periods import FinancialYear
from ledgers.store.queries import BudgetLine
from ledgers.store.workspace import Settings


def latest_track_record(
    con: duckdb.DuckDBPyConnection, settings: Settings, fy: FinancialYear
) -> TrackRecord | None:
    """The accuracy of ``fy`` when it is closed, else of the year before it when that is closed."""
    for year in (fy, FinancialYear(fy.start_year - 1)):
        record = track_record(month_end_history(con, year), settings.rag_amber, settings.variance_threshold_p)
        if record is not None:
            return record
    return None


def with_year_story(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    report: OutturnReport,
    fy: FinancialYear,
    budget: list[BudgetLine],
    actual_monthly: pd.DataFrame,
    forecasts: dict[str, LineForecast],
) -> None:
    """Fill the report's trajectory, track record and month-by-month view from the stored history."""
    report.trajectory = trajectory_for(month_end_history(con, fy), report)
    report.track_record = latest_track_record(con, settings, fy)
    report.monthly = monthly_view(report, fy, budget, actual_monthly, forecasts)


def settings_for_year(settings: Settings, fy: FinancialYear) -> Settings:
    """The workspace settings read for another financial year (``--year``)."""
    return dataclasses.replace(settings, financial_year=fy)
