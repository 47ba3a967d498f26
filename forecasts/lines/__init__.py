"""Forecast of every budget line for the months after a period end, by the line's method.

Methods: ``actuals`` (nothing further), ``run-rate`` (recent monthly average, one-off spikes excluded),
``profile`` (the remaining budget profile), ``commitments`` (open placements costed to their end, planned end
or the horizon, plus placement days to date not yet invoiced), ``forecast`` (the panel engine on the
line's monthly history, expenditure lines pooled together and income lines apart; lumpy lines keep the
run-rate rules; on placement lines the placement-mix model). Amounts are integer pence.

Modules: line_forecast (the forecast's dataclasses, the months covered), run_rate (run-rate rules, lumpy
lines), profile, placement_lines (commitments, accruals, the placement model), statistical (the panel
engine on the lines), methods (every line by its method).
"""

from forecasts.lines.line_forecast import LineForecast, MonthForecast, months_after
from forecasts.lines.methods import METHODS, STAT_MODELS, line_forecasts
from forecasts.lines.placement_lines import placement_numbers_to_date
from forecasts.lines.run_rate import lumpy, run_rate
from forecasts.lines.statistical import MIN_HISTORY, fy_month_end, monthly_pence

__all__ = [
    "METHODS",
    "MIN_HISTORY",
    "STAT_MODELS",
    "LineForecast",
    "MonthForecast",
    "fy_month_end",
    "line_forecasts",
    "lumpy",
    "monthly_pence",
    "months_after",
    "placement_numbers_to_date",
    "run_rate",
]
