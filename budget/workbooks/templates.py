"""The input templates (CSV and XLSX) an officer fills in: where they are and how they are copied out."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from ledgers.readers.templates import templates_dir

INPUT_TEMPLATES = ("mapping", "budget", "ledger", "placements", "savings", "adjustments", "funding", "cash")
# Columns kept as text in the XLSX templates (codes and identifiers, whatever they look like).
TEXT_COLUMNS = {
    "cost_centre",
    "account",
    "placement_id",
    "child_ref",
    "reference",
    "period",
    "year",
    "start_year",
    "end_year",
    "method",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FIXED_TIME = datetime(2020, 1, 1)  # document properties, so the committed XLSX do not change on rebuild


def copy_templates(outdir: Path, overwrite: bool = False) -> list[Path]:
    """Copy every template (CSV and XLSX) into ``outdir``; files already there are kept unless ``overwrite``.

    Returns the paths written.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(templates_dir().iterdir()):
        if source.suffix.lower() not in (".csv", ".xlsx") or source.name.startswith((".", "~")):
            continue
        target = outdir / source.name
        if target.exists() and not overwrite:
            continue
        shutil.copyfile(source, target)
        written.append(target)
    return written


def xlsx_from_csv(source: Path, target: Path) -> Path:
    """Write a CSV template as an XLSX workbook: numbers as numbers, ISO dates as dates, codes and all other
    text as text (``write_string``, so nothing is taken for a formula)."""
    with source.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    header = table[0]
    workbook = xlsxwriter.Workbook(str(target))
    workbook.set_properties({"created": _FIXED_TIME, "title": f"careladder {source.stem} template"})
    sheet = workbook.add_worksheet(source.stem)
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    for col, name in enumerate(header):
        sheet.write_string(0, col, name, bold)
        sheet.set_column(col, col, max(12, min(len(name) + 2, 40)))
    for r, values in enumerate(table[1:], start=1):
        for col, text in enumerate(values):
            name = header[col]
            if text == "":
                continue
            if name in TEXT_COLUMNS:
                sheet.write_string(r, col, text)
            elif _ISO_DATE.match(text):
                sheet.write_datetime(
                    r, col, datetime.combine(date.fromisoformat(text), datetime.min.time()), day
                )
            elif _NUMBER.match(text):
                sheet.write_number(r, col, float(text), money if "." in text else None)
            else:
                sheet.write_string(r, col, text)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return target


def write_xlsx_templates(directory: Path | None = None) -> list[Path]:
    """(Re)build the XLSX twin of each input template CSV in the templates folder."""
    folder = directory or templates_dir()
    return [xlsx_from_csv(folder / f"{name}.csv", folder / f"{name}.xlsx") for name in INPUT_TEMPLATES]
