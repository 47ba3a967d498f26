"""Typed parsing of a raw text table in SQL, with every bad cell reported at once (lazy validation)."""

from __future__ import annotations

import duckdb

from ledgers.readers.columns import BOOL, DATE, INTEGER, MONEY, NUMBER, PERIOD, TEXT, Spec
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import ERROR, NOT_SHOWN, Problem
from ledgers.readers.tables import RawTable

MAX_PER_COLUMN = 1000  # problems listed per column; the count of the rest is still reported

_MACROS = r"""
CREATE OR REPLACE TEMP MACRO cl_clean(x) AS regexp_replace(trim(x), '[£\s,]', '', 'g');
CREATE OR REPLACE TEMP MACRO cl_paren(c) AS (c LIKE '(%)');
CREATE OR REPLACE TEMP MACRO cl_unparen(c) AS CASE WHEN cl_paren(c) THEN c[2:-2] ELSE c END;
CREATE OR REPLACE TEMP MACRO cl_trail(c) AS (c LIKE '_%-');
CREATE OR REPLACE TEMP MACRO cl_untrail(c) AS CASE WHEN cl_trail(c) THEN c[1:-2] ELSE c END;
CREATE OR REPLACE TEMP MACRO cl_digits(x) AS cl_untrail(cl_unparen(cl_clean(x)));
CREATE OR REPLACE TEMP MACRO cl_money_ok(x) AS regexp_full_match(cl_digits(x), '[-+]?[0-9]+(\.[0-9]{1,2})?')
    AND NOT (cl_paren(cl_clean(x)) AND cl_trail(cl_unparen(cl_clean(x))))
    AND (NOT contains(x, ',') OR regexp_full_match(regexp_replace(trim(x), '[£\s()+-]', '', 'g'),
                                                 '[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?'));
CREATE OR REPLACE TEMP MACRO cl_pence(x) AS CASE WHEN cl_money_ok(x) THEN
    CAST(CAST(cl_digits(x) AS DECIMAL(18,2)) * 100 AS BIGINT)
    * CASE WHEN cl_paren(cl_clean(x)) OR cl_trail(cl_unparen(cl_clean(x))) THEN -1 ELSE 1 END END;
CREATE OR REPLACE TEMP MACRO cl_date_any(x) AS CAST(COALESCE(
    try_strptime(trim(x), '%Y-%m-%d'), try_strptime(trim(x), '%d/%m/%Y'), try_strptime(trim(x), '%Y-%m-%d %H:%M:%S'),
    try_strptime(trim(x), '%d-%b-%Y'), try_strptime(trim(x), '%d %b %Y'), try_strptime(trim(x), '%d/%m/%y'),
    try_strptime(trim(x), '%Y/%m/%d')) AS DATE);
CREATE OR REPLACE TEMP MACRO cl_date(x) AS CASE
    WHEN x SIMILAR TO '[0-9]{2}/[0-9]{2}/[0-9]{4}' THEN CAST(try_strptime(x, '%d/%m/%Y') AS DATE)
    WHEN x SIMILAR TO '[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN CAST(try_strptime(x, '%Y-%m-%d') AS DATE)
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
    return f"NULLIF(trim({c}), '')"


def parse_table(
    con: duckdb.DuckDBPyConnection, raw: RawTable, spec: Spec, out: str, fy: FinancialYear
) -> list[Problem]:
    """Create table ``out`` with typed columns (money in pence as ``<name>_p``); return every problem found.

    Each typed column is parsed once; the raw text is kept beside it (``__raw_<name>``) so the search for bad
    cells is a cheap comparison rather than a second parse.
    """
    install_macros(con)
    selects = [f"{raw.row_expr} AS _row"]
    checks: list[tuple[str, str, str]] = []  # (column, parsed column, kind)
    required: list[tuple[str, str, str]] = []
    for col in spec.columns:
        name = col.name
        target = f"{name}_p" if col.kind == MONEY else name
        if name not in raw.present:
            selects.append(f'CAST(NULL AS {_SQL_TYPE[col.kind]}) AS "{target}"')
            continue
        selects.append(f'{_parsed_expr(name, col.kind, fy.start_year)} AS "{target}"')
        if col.kind != TEXT:
            selects.append(f'"{name}" AS "__raw_{name}"')
            checks.append((name, target, col.kind))
        if col.required:
            required.append((name, target, col.kind))
    selects += [f'"{e}"' for e in raw.extra if e not in {c.name for c in spec.columns}]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT {', '.join(selects)} FROM {raw.name} WHERE NOT ({raw.blank})"
    )
    problems: list[Problem] = []
    for name, target, kind in checks:
        rawcol = f'"__raw_{name}"'
        filled = f"{rawcol} IS NOT NULL AND trim({rawcol}) <> ''"
        problems += _cells(
            con, raw.file, out, name, rawcol, f'{filled} AND "{target}" IS NULL', f"{{}} {_HINT[kind]}", spec
        )
        if kind == PERIOD:
            problems += _cells(
                con,
                raw.file,
                out,
                name,
                rawcol,
                f'"{target}" IS NOT NULL AND NOT ("{target}".p BETWEEN 1 AND 12)',
                "{} is not a period between P1 (April) and P12 (March)",
                spec,
            )
    for name, target, kind in required:
        col_sql = f'"{target}"' if kind == TEXT else f'"__raw_{name}"'
        cond = f"{col_sql} IS NULL" if kind == TEXT else f"{col_sql} IS NULL OR trim({col_sql}) = ''"
        problems += _cells(con, raw.file, out, name, col_sql, cond, "is empty but required", spec)
    return problems


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
    message: str,
    spec: Spec | None = None,
) -> list[Problem]:
    """Problems for the rows of ``table`` meeting ``cond`` (the first MAX_PER_COLUMN, then a count); the
    cell's text is quoted in the message unless the spec is personal (then it is never shown)."""
    if spec is not None and spec.personal and "{}" in message:
        message = message.replace("{}", "the cell") + f" {NOT_SHOWN}"
    rows = con.execute(
        f"SELECT _row, {rawcol} FROM {table} WHERE {cond} ORDER BY _row LIMIT {MAX_PER_COLUMN + 1}"
    ).fetchall()
    out = [
        Problem(file, int(r), col, message.format(f"'{v}'") if "{}" in message else message, ERROR)
        for r, v in rows[:MAX_PER_COLUMN]
    ]
    if len(rows) > MAX_PER_COLUMN:
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {cond}").fetchall()[0][0]
        out.append(Problem(file, None, col, f"{total - MAX_PER_COLUMN} more rows with the same problem"))
    return out
