"""Test helper: recalculate a workbook in headless LibreOffice and compare with the cached values we wrote."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl

RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

Cell = tuple[str, str]


def soffice() -> str | None:
    """Path of LibreOffice's ``soffice``, or None when it is not installed."""
    return shutil.which("soffice")


def recalculated_copies(files: list[Path], tmp: Path, timeout: float = 180) -> list[Path]:
    """Open each file in headless LibreOffice with recalculation forced on load and save an xlsx copy.

    One soffice run for all files; the copies are written to ``tmp/recalculated/`` under the same names.
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not on PATH")
    profile = tmp / "lo_profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
    out = tmp / "recalculated"
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        exe,
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        str(out),
        *[str(f) for f in files],
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    copies = [out / f.name for f in files]
    missing = [c.name for c in copies if not c.exists()]
    if done.returncode != 0 or missing:
        raise RuntimeError(
            f"soffice failed ({done.returncode}), missing {missing}: {done.stderr or done.stdout}"
        )
    return copies


def recalculated_copy(xlsx: Path, tmp: Path) -> Path:
    """A copy of ``xlsx`` recalculated by LibreOffice (recalculation forced on load), saved under ``tmp``."""
    return recalculated_copies([xlsx], tmp)[0]


def formula_cells(path: Path) -> dict[Cell, str]:
    """Every formula in a workbook: (sheet, cell) → formula text."""
    wb = openpyxl.load_workbook(path, data_only=False)
    found: dict[Cell, str] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")):
                    found[(ws.title, c.coordinate)] = str(c.value)
    wb.close()
    return found


def cell_values(path: Path, cells: list[Cell]) -> dict[Cell, object]:
    """The stored (cached) values of the given cells, as a non-recalculating viewer would show them."""
    wb = openpyxl.load_workbook(path, data_only=True)
    values = {(sheet, ref): wb[sheet][ref].value for sheet, ref in cells}
    wb.close()
    return values


def cache_mismatches(
    original: Path, recalculated: Path, tolerance: float = 0.005
) -> dict[Cell, tuple[object, object]]:
    """Formula cells whose cached value in ``original`` differs from LibreOffice's result: cell → (cached, recalc)."""
    cells = list(formula_cells(original))
    cached = cell_values(original, cells)
    fresh = cell_values(recalculated, cells)
    wrong: dict[Cell, tuple[object, object]] = {}
    for key in cells:
        a, b = cached[key], fresh[key]
        if isinstance(a, int | float) and isinstance(b, int | float):
            if abs(float(a) - float(b)) > tolerance:
                wrong[key] = (a, b)
        elif a != b:
            wrong[key] = (a, b)
    return wrong
