"""Typed parsing of a raw text table in SQL, with every bad cell reported at once (lazy validation)."""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from ledgers.readers.columns import BOOL, DATE, INTEGER, MONEY, NUMBER, PERIOD, TEXT, Spec
from ledgers.readers.headers import column_letter
from ledgers.readers.money import money_text
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, NOT_SHOWN, WARNING, Problem
from ledgers.readers.rawtable import RawTable
from ledgers.readers.sniff import SAVE_AS_CSV
from ledgers.readers.tables import EXCEL_ERRORS, SPARE_FIELDS, materialise

MAX_PER_COLUMN = 1000  # problems listed per column; the count of the rest is still reported

_MACROS = r"""
CREATE OR REPLACE TEMP MACRO cl_clean(x) AS regexp_replace(trim(x), '[£\s,]', '', 'g');
CREATE OR REPLACE TEMP MACRO cl_paren(c) AS (c LIKE '(%)');
CREATE OR REPLACE TEMP MACRO cl_unparen(c) AS CASE WHEN cl_paren(c) THEN c[2:-2] ELSE c END;
CREATE OR REPLACE TEMP MACRO cl_trail(c) AS (c LIKE '_%-');
CREATE OR REPLACE TEMP MACRO cl_untrail(c) AS CASE WHEN cl_trail(c) THEN c[1:-2] ELSE c END;
CREATE OR REPLACE TEMP MACRO cl_digits(x) AS cl_untrail(cl_unparen(cl_clean(x)));
CREATE OR REPLACE TEMP MACRO cl_money_ok(x) AS regexp_full_match(cl_digits(x), '[-+]?[0-9]{1,13}(\.[0-9]{1,2})?')
    AND NOT (cl_paren(cl_clean(x)) AND (cl_trail(cl_unparen(cl_clean(x))) OR cl_unparen(cl_clean(x)) LIKE '-%'
                                        OR cl_unparen(cl_clean(x)) LIKE '+%'))
    AND (NOT contains(x, ',') OR regexp_full_match(regexp_replace(trim(x), '[£\s()+-]', '', 'g'),
                                                 '[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?'));
CREATE OR REPLACE TEMP MACRO cl_pence_any(x) AS CASE WHEN cl_money_ok(x) THEN
    CAST(CAST(cl_digits(x) AS DECIMAL(18,2)) * 100 AS BIGINT)
    * CASE WHEN cl_paren(cl_clean(x)) OR cl_trail(cl_unparen(cl_clean(x))) THEN -1 ELSE 1 END END;
CREATE OR REPLACE TEMP MACRO cl_pence(x) AS CASE
    WHEN regexp_full_match(x, '-?[0-9]{1,13}(\.[0-9]{1,2})?') THEN CAST(CAST(x AS DECIMAL(18,2)) * 100 AS BIGINT)
    ELSE cl_pence_any(x) END;
CREATE OR REPLACE TEMP MACRO cl_date_all(x) AS CAST(COALESCE(
    try_strptime(trim(x), '%Y-%m-%d'), try_strptime(trim(x), '%d/%m/%Y'), try_strptime(trim(x), '%Y-%m-%d %H:%M:%S'),
    try_strptime(trim(x), '%d-%b-%Y'), try_strptime(trim(x), '%d %b %Y'), try_strptime(trim(x), '%d/%m/%y'),
    try_strptime(trim(x), '%Y/%m/%d')) AS DATE);
CREATE OR REPLACE TEMP MACRO cl_date_any(x) AS CASE WHEN year(cl_date_all(x)) BETWEEN 1900 AND 2099 THEN cl_date_all(x) END;
CREATE OR REPLACE TEMP MACRO cl_date(x) AS CASE
    WHEN x LIKE '__/__/19__' OR x LIKE '__/__/20__'
        THEN COALESCE(CAST(try_strptime(x, '%d/%m/%Y') AS DATE), cl_date_any(x))
    WHEN x LIKE '19__-__-__' OR x LIKE '20__-__-__'
        THEN COALESCE(CAST(try_strptime(x, '%Y-%m-%d') AS DATE), cl_date_any(x))
    ELSE cl_date_any(x) END;
CREATE OR REPLACE TEMP MACRO cl_fy_period(x, fy) AS CASE
    WHEN regexp_full_match(upper(trim(x)), '([0-9]{4})\s*[/-]\s*([0-9]{2})\s*[-\s]?\s*P?([0-9]{1,2})')
        THEN {'fy': CAST(regexp_extract(upper(trim(x)), '^([0-9]{4})', 1) AS INTEGER),
              'p': CAST(regexp_extract(upper(trim(x)), '([0-9]{1,2})$', 1) AS INTEGER)}
    WHEN regexp_full_match(upper(trim(x)), 'P?([0-9]{1,2})')
        THEN {'fy': fy, 'p': CAST(regexp_extract(upper(trim(x)), '([0-9]{1,2})$', 1) AS INTEGER)}
    WHEN regexp_full_match(trim(x), '[0-9]{4}-[0-9]{2}') AND CAST(right(trim(x), 2) AS INTEGER) BETWEEN 1 AND 12
        THEN {'fy': CAST(left(trim(x), 4) AS INTEGER) - CASE WHEN CAST(right(trim(x), 2) AS INTEGER) < 4 THEN 1 ELSE 0 END,
              'p': (CAST(right(trim(x), 2) AS INTEGER) + 8) % 12 + 1}
    WHEN regexp_full_match(trim(x), '[0-9]{6}') AND CAST(right(trim(x), 2) AS INTEGER) BETWEEN 1 AND 12
        THEN {'fy': CAST(left(trim(x), 4) AS INTEGER) - CASE WHEN CAST(right(trim(x), 2) AS INTEGER) < 4 THEN 1 ELSE 0 END,
              'p': (CAST(right(trim(x), 2) AS INTEGER) + 8) % 12 + 1}
    END;
CREATE OR REPLACE TEMP MACRO cl_text(x) AS CASE
    WHEN strlen(x) <> length(x) OR starts_with(x, ' ') OR ends_with(x, ' ') THEN NULLIF(trim(x), '')
    ELSE NULLIF(x, '') END;
CREATE OR REPLACE TEMP MACRO cl_bool(x) AS CASE
    WHEN lower(trim(x)) IN ('y', 'yes', 'true', '1', 'x') THEN true
    WHEN lower(trim(x)) IN ('n', 'no', 'false', '0') THEN false END;
"""

_HINT = {
    MONEY: "is not an amount (write 1234.56, £1,234.56, -1234.56 or (1,234.56); at most 2 decimal places, commas only between thousands)",
    DATE: "is not a date (write 2019-12-31 or 31/12/2019)",
    PERIOD: "is not a period (write 2019/20-P09, P9, 2019-12 or 201912)",
    NUMBER: "is not a number",
    INTEGER: "is not a whole number",
    BOOL: "is not yes/no",
}


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Register the parsing macros on a connection (idempotent)."""
    for stmt in _MACROS.split(";"):
        if stmt.strip():
            con.execute(stmt)


def _parsed_expr(col: str, kind: str, fy: int) -> str:
    c = f'"{col}"'
    if kind == MONEY:
        return f"cl_pence({c})"
    if kind == DATE:
        return f"cl_date({c})"
    if kind == PERIOD:
        return f"cl_fy_period({c}, {fy})"
    if kind == NUMBER:
        return f"TRY_CAST(cl_digits({c}) AS DOUBLE)"
    if kind == INTEGER:
        return f"TRY_CAST(trim({c}) AS BIGINT)"
    if kind == BOOL:
        return f"cl_bool({c})"
    return f"cl_text({c})"


MAX_POUND_DIGITS = 13  # £9,999,999,999,999.99: far beyond any council budget, well inside BIGINT pence


def parse_table(
    con: duckdb.DuckDBPyConnection, raw: RawTable, spec: Spec, out: str, fy: FinancialYear
) -> list[Problem]:
    """Create ``out`` (a view) with typed columns (money in pence as ``<name>_p``); return every problem found.

    One pass reads the rows and types each column once, into ``<out>_all``; where a typed column's cell
    gave no value (or a period out of range) its text is kept beside it (``__raw_<name>``, NULL where the
    cell parsed), so the search for bad cells is a cheap comparison rather than a second parse; use
    ``cell_empty`` for "the cell is empty". ``out`` shows the rows to import: not wholly blank ones, not rows
    with the wrong number of fields (their cells are shifted, so their cell problems would mislead; they are
    reported), and not a last row that is the total of the rows above (a footer, reported).
    """
    install_macros(con)
    problems: list[Problem] = list(raw.warnings)
    selects: list[str] = []
    checks: list[tuple[str, str, str]] = []  # (column, parsed column, kind)
    required: list[tuple[str, str, str]] = []
    for col in spec.columns:
        name = col.name
        target = f"{name}_p" if col.kind == MONEY else name
        if name not in raw.present:
            selects.append(f'CAST(NULL AS {_SQL_TYPE[col.kind]}) AS "{target}"')
            continue
        parsed = _parsed_expr(name, col.kind, fy.start_year)
        selects.append(f'{parsed} AS "{target}"')
        if col.kind != TEXT:
            # the text as read is kept only where it did not give a value in range (what a message quotes)
            bad = f"{parsed} IS NULL" + (
                f" OR NOT ({parsed}.p BETWEEN 1 AND 13)" if col.kind == PERIOD else ""
            )
            selects.append(f'CASE WHEN {bad} THEN "{name}" END AS "__raw_{name}"')
            checks.append((name, target, col.kind))
        if col.required:
            required.append((name, target, col.kind))
    selects += [f'NULLIF("{e}", \'\') AS "{e}"' for e in raw.extra if e not in {c.name for c in spec.columns}]
    selects += ["_fields", f"({raw.blank}) AS _blank"] + (["_row AS _srow"] if raw.numbered else [])
    whole = f"{out}_all"
    materialise(con, raw, ", ".join(selects), whole)
    # one scan of what was read: where rows start, and whether any row is ragged or holds a '#' (an Excel
    # error is looked for row by row only then)
    needed = _needed_positions(raw, spec)
    reach = max(needed.values(), default=-1)
    ragged_cond = f"(_fields > {raw.width} OR (_fields <= {reach} AND NOT _blank))"
    maybe_error = _excel_maybe(raw, spec)
    first, n_ragged, n_error = con.execute(
        f"SELECT COALESCE(min(rowid), 0), count(*) FILTER (WHERE {ragged_cond}), "
        f"count(*) FILTER (WHERE NOT _blank AND NOT {ragged_cond} AND {maybe_error}) FROM {whole}"
    ).fetchall()[0]
    # rowids are consecutive in the file's order (DuckDB preserves insertion order), from an offset
    row = "_srow" if raw.numbered else f"CAST(rowid - {int(first)} + {raw.header_row + 1} AS INTEGER)"
    if n_ragged:
        problems += _ragged_rows(con, raw, needed, whole, row, ragged_cond)
    keep = f"NOT _blank AND NOT {ragged_cond}"
    hidden = "_fields, _blank" + (", _srow" if raw.numbered else "")
    view = (
        f"CREATE OR REPLACE TEMP VIEW {out} AS SELECT {row} AS _row, * EXCLUDE ({hidden}) FROM {whole} WHERE "
    )
    con.execute(view + keep)
    if n_error:
        problems += _excel_errors(con, raw, spec, out)
    footer = _footer(con, raw, spec, out)
    if footer and footer[0].severity == WARNING and footer[0].row is not None:
        con.execute(view + f"{keep} AND {row} <> {footer[0].row}")
    problems += footer
    cells: list[tuple[str, str, str, str | Callable[[str], str]]] = []  # (column, text shown, cond, message)
    for name, target, kind in checks:
        rawcol = f'"__raw_{name}"'
        filled = f"{rawcol} IS NOT NULL AND trim({rawcol}) <> ''"
        # the typed column first: it is NULL only for the few bad or empty cells, so the trim runs on those
        cells.append(
            (
                name,
                rawcol,
                f'"{target}" IS NULL AND {filled}',
                _too_large if kind == MONEY else "{} " + _HINT[kind],
            )
        )
        if kind == PERIOD:
            cells.append(
                (
                    name,
                    rawcol,
                    f'"{target}" IS NOT NULL AND NOT ("{target}".p BETWEEN 1 AND 13)',
                    "{} is not a period between P1 (April) and P12 (March), or P13 (year-end adjustments)",
                )
            )
    for name, target, kind in required:
        col_sql = f'"{target}"' if kind == TEXT else f'"__raw_{name}"'
        cond = f"{col_sql} IS NULL" if kind == TEXT else f'"{target}" IS NULL AND {empty_text(col_sql)}'
        cells.append((name, col_sql, cond, "is empty but required"))
    # every cell check counted in one scan; the rows of a check are listed only where it found some
    if cells:
        counts = con.execute(
            f"SELECT {', '.join(f'count(*) FILTER (WHERE {c[2]})' for c in cells)} FROM {out}"
        ).fetchall()[0]
        for (name, shown, cond, message), n in zip(cells, counts, strict=True):
            if n:
                problems += _cells(con, raw.file, out, name, shown, cond, message, spec)
    return problems


def cell_empty(spec: Spec, name: str) -> str:
    """SQL: column ``name``'s cell is empty (NULL, '' or spaces) in a table made by ``parse_table``."""
    col = spec.col(name)
    if col.kind == TEXT:
        return f'"{name}" IS NULL'  # text is parsed trimmed, NULL when empty
    target = f"{name}_p" if col.kind == MONEY else name
    raw = f'"__raw_{name}"'
    return f'("{target}" IS NULL AND {empty_text(raw)})'


def empty_text(col_sql: str) -> str:
    """SQL: the text is NULL, empty or spaces (starts_with() spares the trim for a cell not starting with one)."""
    return f"({col_sql} IS NULL OR {col_sql} = '' OR (starts_with({col_sql}, ' ') AND trim({col_sql}) = ''))"


def _too_large(value: str) -> str:
    digits = re.sub(r"[^0-9.]", "", value).split(".")[0]
    if len(digits) > MAX_POUND_DIGITS and re.fullmatch(r"[£\s,()+\-0-9.]+", value.strip()):
        return f"'{value[:40]}' is too large for an amount (at most {MAX_POUND_DIGITS} digits of pounds)"
    return f"'{value[:60]}' {_HINT[MONEY]}"


def _needed_positions(raw: RawTable, spec: Spec) -> dict[str, int]:
    """Columns a row cannot do without, with their field positions: required ones, and for each one-of group
    (date or period; amount, debit or credit) its first column in the file."""
    out = {c.name: raw.positions[c.name] for c in spec.columns if c.required and c.name in raw.positions}
    for group in spec.one_of:
        placed = sorted((raw.positions[g], g) for g in group if g in raw.positions)
        if placed:
            out[placed[0][1]] = placed[0][0]
    return out


def _ragged_rows(
    con: duckdb.DuckDBPyConnection, raw: RawTable, needed: dict[str, int], table: str, row: str, cond: str
) -> list[Problem]:
    """Rows with more fields than the header, or too few to reach a column they need (``cond``: the SQL
    condition that picks them out). A short row is read with its missing trailing fields empty only when
    those are optional columns."""
    rows = con.execute(
        f"SELECT {row}, _fields FROM {table} WHERE {cond} ORDER BY 1 LIMIT {MAX_PER_COLUMN + 1}"
    ).fetchall()
    problems: list[Problem] = []
    for row, k in rows[:MAX_PER_COLUMN]:
        k = int(k)
        if k > raw.width and raw.encoding == "xlsx":
            msg = (
                f"has a value in column {column_letter(k - 1)}, right of the header's last column "
                f"{column_letter(raw.width - 1)}: give the column a header or remove the value"
            )
        elif k > raw.width:
            at_least = "at least " if k >= raw.width + SPARE_FIELDS else ""
            msg = (
                f"has {at_least}{k} fields but the header (row {raw.header_row}) has {raw.width}: a comma "
                f"inside unquoted text shifts the columns; put such text in quotes, or {SAVE_AS_CSV}"
            )
        else:
            lost = [n for n, p in sorted(needed.items(), key=lambda x: x[1]) if p >= k]
            msg = (
                f"has {k} fields but the header (row {raw.header_row}) has {raw.width}: "
                f"no {', '.join(lost)} (a row may stop short only before optional columns)"
            )
        problems.append(Problem(raw.file, int(row), None, msg, ERROR))
    if len(rows) > MAX_PER_COLUMN:
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {cond}").fetchall()[0][0]
        problems.append(
            Problem(raw.file, None, None, f"{total - MAX_PER_COLUMN} more rows of the wrong length")
        )
    return problems


def _raw_of(spec: Spec) -> dict[str, str]:
    """SQL for each column's text as read: a text column's (trimmed) value; a typed column's ``__raw_<name>``
    (kept only where the cell gave no value, see ``parse_table``)."""
    return {c.name: (f'"__raw_{c.name}"' if c.kind != TEXT else f'"{c.name}"') for c in spec.columns}


def _excel_maybe(raw: RawTable, spec: Spec) -> str:
    """SQL true for a row that may hold an Excel error: every one starts with '#' (the exact test follows)."""
    raw_of = _raw_of(spec)
    cols = [c.name for c in spec.columns if c.name in raw.present]
    return " OR ".join(f"contains({raw_of[c]}, '#')" for c in cols) or "false"


def _excel_errors(con: duckdb.DuckDBPyConnection, raw: RawTable, spec: Spec, out: str) -> list[Problem]:
    """Cells holding an Excel error value (#N/A, #REF! ...): a broken formula, never data."""
    cols = [c.name for c in spec.columns if c.name in raw.present]
    if not cols:
        return []
    errors = ", ".join(f"'{e}'" for e in EXCEL_ERRORS)
    raw_of = _raw_of(spec)
    # every Excel error starts with '#': a cheap test first, the exact one only where it passes
    maybe = _excel_maybe(raw, spec)
    hits = ", ".join(f"trim({raw_of[c]}) IN ({errors})" for c in cols)
    rows = con.execute(
        f"SELECT _row, [{hits}], [{', '.join(raw_of[c] for c in cols)}] FROM (SELECT * FROM {out} WHERE {maybe}) "
        f"WHERE list_bool_or([{hits}]) ORDER BY _row LIMIT {MAX_PER_COLUMN}"
    ).fetchall()
    problems = []
    for row, flags, values in rows:
        for c, flag, v in zip(cols, flags, values, strict=True):
            if flag:
                problems.append(
                    Problem(
                        raw.file,
                        int(row),
                        c,
                        f"is the Excel error {str(v).strip()}: correct the formula in the workbook",
                        ERROR,
                    )
                )
    return problems


def _footer(con: duckdb.DuckDBPyConnection, raw: RawTable, spec: Spec, out: str) -> list[Problem]:
    """A last row with no key (no date, period or required text, or only a 'Total' label) and amounts: when
    each amount is the sum of that column above, it is a footer (removed, reported); otherwise refused."""
    keys = [
        c.name
        for c in spec.columns
        if c.name in raw.present and ((c.required and c.kind == TEXT) or c.kind in (DATE, PERIOD))
    ]
    money = [c.name for c in spec.columns if c.name in raw.present and c.kind == MONEY]
    if not keys or not money:
        return []
    raw_of = _raw_of(spec)
    kind = {c.name: c.kind for c in spec.columns}

    def no_key(k: str) -> str:
        text = f"({raw_of[k]} IS NULL OR trim({raw_of[k]}) = '' OR lower({raw_of[k]}) LIKE '%total%')"
        return text if kind[k] == TEXT else f'("{k}" IS NULL AND {text})'  # a typed cell that parsed is a key

    keyless = " AND ".join(no_key(k) for k in keys)
    last = con.execute(f"SELECT max(_row), count(*) FROM {out}").fetchall()[0]
    if last[0] is None or int(last[1]) < 2:
        return []
    row = int(last[0])
    filled = [f"({m}_p IS NOT NULL OR trim(\"__raw_{m}\") <> '')" for m in money]
    found = con.execute(
        f"SELECT [{', '.join(filled)}], [{', '.join(f'{m}_p' for m in money)}] "
        f"FROM (SELECT * FROM {out} WHERE _row = {row}) WHERE {keyless}"
    ).fetchall()
    if not found or not any(found[0][0]):
        return []
    flags, values = found[0]
    if any(f and v is None for f, v in zip(flags, values, strict=True)):
        return []  # an amount that is not an amount: reported as a cell problem
    sums = con.execute(
        f"SELECT {', '.join(f'COALESCE(sum({m}_p), 0)' for m in money)} FROM {out} WHERE _row <> {row}"
    ).fetchall()[0]
    checked = [(m, int(v), int(s)) for m, f, v, s in zip(money, flags, values, sums, strict=True) if f]
    what = "no " + (f"{', '.join(keys[:-1])} or {keys[-1]}" if len(keys) > 1 else keys[0])
    if all(v == s for _, v, s in checked):
        amounts = ", ".join(f"{m} {money_text(v)}" for m, v, _ in checked)
        return [
            Problem(
                raw.file,
                row,
                None,
                f"total row ({what}; {amounts}, the sum of the rows above) skipped as a footer",
                WARNING,
            )
        ]
    m, v, s = next((m, v, s) for m, v, s in checked if v != s)
    return [
        Problem(
            raw.file,
            row,
            m,
            f"looks like a total row ({what}) but {money_text(v)} is not the sum of the rows above "
            f"({money_text(s)}): correct it or remove the row",
            ERROR,
        )
    ]


def extra_json(raw: RawTable, spec: Spec, alias: str = "") -> str:
    """SQL for the file's other columns as one JSON object (NULL when there are none): kept, not dropped."""
    named = {c.name for c in spec.columns}
    extras = [e for e in raw.extra if e not in named]
    if not extras:
        return "CAST(NULL AS JSON)"
    prefix = f"{alias}." if alias else ""
    fields = ", ".join(f'"{e}" := {prefix}"{e}"' for e in extras)
    return f"to_json(struct_pack({fields}))"


_SQL_TYPE = {
    MONEY: "BIGINT",
    DATE: "DATE",
    PERIOD: "STRUCT(fy INTEGER, p INTEGER)",
    NUMBER: "DOUBLE",
    INTEGER: "BIGINT",
    BOOL: "BOOLEAN",
    TEXT: "VARCHAR",
}


def _cells(
    con: duckdb.DuckDBPyConnection,
    file: str,
    table: str,
    col: str,
    rawcol: str,
    cond: str,
    message: str | Callable[[str], str],
    spec: Spec | None = None,
) -> list[Problem]:
    """Problems for the rows of ``table`` meeting ``cond`` (the first MAX_PER_COLUMN, then a count); the
    cell's text is quoted in the message unless the spec is personal (then it is never shown)."""
    if spec is not None and spec.personal:
        if callable(message):  # an amount's own message quotes it
            message = "{} " + _HINT[MONEY]
        if "{}" in message:
            message = message.replace("{}", "the cell") + f" {NOT_SHOWN}"
    rows = con.execute(
        f"SELECT _row, {rawcol} FROM {table} WHERE {cond} ORDER BY _row LIMIT {MAX_PER_COLUMN + 1}"
    ).fetchall()

    def text(v: object) -> str:
        if callable(message):
            return message(str(v))
        return message.format(f"'{str(v)[:60]}'") if "{}" in message else message

    out = [Problem(file, int(r), col, text(v), ERROR) for r, v in rows[:MAX_PER_COLUMN]]
    if len(rows) > MAX_PER_COLUMN:
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {cond}").fetchall()[0][0]
        out.append(Problem(file, None, col, f"{total - MAX_PER_COLUMN} more rows with the same problem"))
    return out
