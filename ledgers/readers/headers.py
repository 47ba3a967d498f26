"""The header of a table: found below any title rows, each field named (aliases), duplicates refused."""

from __future__ import annotations

from dataclasses import dataclass

from ledgers.readers.columns import Spec, normalise
from ledgers.readers.problems import WARNING, ImportFailed, Problem
from ledgers.readers.sniff import refuse

HEADER_SEARCH_ROWS = 30


def column_letter(i: int) -> str:
    """Spreadsheet letter of 0-based column ``i`` (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def find_header(rows: list[list[str]], spec: Spec, file: str) -> int:
    """Index of the header row: the first row supplying every required column (else the best-scoring row)."""
    best, best_score = -1, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [c for c in row if str(c or "").strip()]
        if not cells:
            continue
        score = spec.score([str(c or "") for c in row])
        if score == spec.needed:
            return i
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        raise refuse(file, "the file is empty: no header row found")
    found = spec.match([str(c or "") for c in rows[best]])
    missing = spec.missing(found)
    if spec.personal:  # the best row may be a data row holding a child reference: name matched columns only
        heads = ", ".join(sorted(found, key=lambda n: found[n])) or "no column of this file kind"
    else:
        heads = ", ".join(str(c)[:40] for c in rows[best] if str(c or "").strip())
        if len(heads) > 300:
            heads = heads[:300] + " …"
    raise refuse(
        file,
        f"no header row with the required columns for a {spec.kind} file: missing "
        f"{', '.join(missing)} (best candidate row has: {heads})",
        best + 1,
    )


@dataclass
class Columns:
    """The header's fields as stored."""

    names: list[str | None]  # per source field the name it is stored as (None = not kept)
    present: list[str]
    extras: list[str]
    warnings: list[Problem]


def columns(header: list[str], spec: Spec, file: str, header_row: int) -> Columns:
    """Name each header field; two fields with the same name are refused, naming both."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        key = normalise(h)
        if not key:
            continue
        if key in seen:
            j = seen[key]
            problems.append(
                Problem(
                    file,
                    header_row,
                    None,
                    f"columns {column_letter(j)} '{header[j].strip()}' and {column_letter(i)} '{h.strip()}' "
                    "have the same name: rename or remove one",
                )
            )
        else:
            seen[key] = i
    if problems:
        raise ImportFailed(problems)
    found = spec.match(header)
    by_index = {i: name for name, i in found.items()}
    names: list[str | None] = []
    extras: list[str] = []
    warnings: list[Problem] = []
    used = set(found)
    keys = [normalise(h) for h in header]
    for i, h in enumerate(header):
        if i in by_index:
            names.append(by_index[i])
            continue
        key = keys[i] or f"column_{column_letter(i).lower()}"
        also = next((c.name for c in spec.columns if c.name in found and keys[i] in c.keys), None)
        if also is not None:
            j = found[also]
            warnings.append(
                Problem(
                    file,
                    header_row,
                    also,
                    f"columns {column_letter(j)} '{header[j].strip()}' and {column_letter(i)} '{h.strip()}' "
                    f"both read as {also}: {column_letter(j)} is used, {column_letter(i)} is kept as text",
                    WARNING,
                )
            )
        if key in used or not spec.extra_text:
            names.append(None)
            continue
        used.add(key)
        extras.append(key)
        names.append(key)
    return Columns(names, sorted(found, key=lambda n: found[n]), extras, warnings)
