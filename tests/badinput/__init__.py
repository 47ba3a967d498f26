"""The hostile-input corpus: table-driven bad files and settings through the CLI."""
