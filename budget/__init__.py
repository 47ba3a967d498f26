"""Stage 3: outturn, variances, surplus share, MTFS and the workbooks; the CLI lives here."""
