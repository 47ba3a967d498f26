"""Stage 2: placement-mix cost model and time-series forecasts (imports only from ``ledgers``)."""
