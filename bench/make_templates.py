"""Rebuild templates/*.xlsx from the CSV templates (run after editing a CSV template; commit both)."""

from __future__ import annotations

from budget.workbooks.templates import write_xlsx_templates

if __name__ == "__main__":
    for path in write_xlsx_templates():
        print(path)
