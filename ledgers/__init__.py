"""Stage 1: read finance-system exports and keep them in the workspace store."""
