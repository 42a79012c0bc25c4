"""Typing by the contract (the detailed path): the rules a value must match, one SQL pass that types
every column into the stage and flags unparsable values, and one message per unparsable column."""

from __future__ import annotations

import duckdb

from kansrijk import contract
from kansrijk.ingest.reading import Source
from kansrijk.ingest.sql import _q

MAX_EXAMPLES = 3

# Regexes the raw text must match before a cast is attempted (TRY_CAST alone is too
# lenient: it accepts '1.5' as an int, '2025-1-5' as a date, '1e3' as a decimal).
INT_RE = r"[+-]?[0-9]+"
DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TS_LOCAL_RE = DATE_RE + r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?"
TS_OFFSET_RE = TS_LOCAL_RE + r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
DECIMAL_RE = {
    # decimal comma, '.' as thousands separator: 1.234,56  1234,56  -3
    ",": r"[+-]?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+)(,[0-9]+)?",
    # decimal point, ',' as thousands separator: 1,234.56  1234.56 (never 1,5)
    ".": r"[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?",
}
PARQUET_DECIMAL_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
TYPE_RULES = {
    "int": "integer",
    "decimal": "decimal number",
    "date": "ISO date YYYY-MM-DD",
    "timestamp": "ISO 8601 timestamp",
    "bool": "boolean true/false/1/0",
}



def parse_expr(v: str, ctype: str, decimal: str) -> str:
    """SQL turning the trimmed, non-empty VARCHAR expression ``v`` into the contract type (NULL = no parse)."""
    if ctype == "string":
        return v
    if ctype == "int":
        return f"CASE WHEN regexp_full_match({v}, '{INT_RE}') THEN TRY_CAST({v} AS BIGINT) END"
    if ctype == "decimal":
        target = contract.duckdb_type("decimal")
        if decimal == "p":
            return f"CASE WHEN regexp_full_match({v}, '{PARQUET_DECIMAL_RE}') THEN TRY_CAST({v} AS {target}) END"
        if decimal == ",":
            cleaned = f"replace(replace({v}, '.', ''), ',', '.')"
        else:
            cleaned = f"replace({v}, ',', '')"
        return f"CASE WHEN regexp_full_match({v}, '{DECIMAL_RE[decimal]}') THEN TRY_CAST({cleaned} AS {target}) END"
    if ctype == "date":
        return f"CASE WHEN regexp_full_match({v}, '{DATE_RE}') THEN TRY_CAST({v} AS DATE) END"
    if ctype == "timestamp":
        return (
            f"CASE WHEN regexp_full_match({v}, '{TS_LOCAL_RE}') THEN TRY_CAST({v} AS TIMESTAMP) "
            f"WHEN regexp_full_match({v}, '{TS_OFFSET_RE}') "
            f"THEN CAST(TRY_CAST({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP) END"
        )
    if ctype == "bool":
        return f"CASE lower({v}) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END"
    raise ValueError(f"unknown contract type {ctype}")


def _raw_expr(ident: str, ctype: str) -> str:
    """The source value as VARCHAR; empty string is NULL; non-strings are trimmed."""
    v = f"CAST({ident} AS VARCHAR)"
    return f"NULLIF({v}, '')" if ctype == "string" else f"NULLIF(trim({v}), '')"


def stage_sql(t: contract.Table, src: Source, mapping: dict[str, str], stage: str) -> str:
    """One query: read, type every column and flag unparsable values in a bitmask ``_bad``."""
    inner = ", ".join(f"{_raw_expr(mapping[c.name], c.type)} AS {_q('r_' + c.name)}" for c in t.columns)
    typed = [
        f"{parse_expr(_q('r_' + c.name), c.type, src.decimal)} AS {_q(c.name)}" for c in t.columns
    ]
    checks = [
        f"(CASE WHEN {_q('r_' + c.name)} IS NOT NULL AND {_q(c.name)} IS NULL THEN {1 << i} ELSE 0 END)"
        for i, c in enumerate(t.columns) if c.type != "string"
    ]
    bad = " | ".join(checks) if checks else "0"
    cols = ", ".join(_q(c.name) for c in t.columns)
    return (
        f"CREATE OR REPLACE TABLE {stage} AS SELECT {cols}, CAST({bad} AS INTEGER) AS _bad FROM ("
        f"SELECT {', '.join(_q('r_' + c.name) for c in t.columns)}, {', '.join(typed)} FROM ("
        f"SELECT {inner} FROM {src.relation}))"
    )


def type_errors(con: duckdb.DuckDBPyConnection, t: contract.Table, src: Source, mapping: dict[str, str],
                stage: str) -> tuple[int, list[str]]:
    """Row count of the staged file and one description per column with unparsable values."""
    typed_cols = [(i, c) for i, c in enumerate(t.columns) if c.type != "string"]
    aggs = ["count(*)"] + [f"count(*) FILTER (WHERE _bad & {1 << i} <> 0)" for i, _ in typed_cols]
    counts = con.execute(f"SELECT {', '.join(aggs)} FROM {stage}").fetchone()
    rows = int(counts[0])
    problems = []
    for (i, c), n in zip(typed_cols, counts[1:]):
        if not n:
            continue
        r = _raw_expr(mapping[c.name], c.type)
        p = parse_expr("v", c.type, src.decimal)
        examples = con.execute(
            f"SELECT row_nr, v FROM (SELECT row_number() OVER () AS row_nr, {r} AS v FROM {src.relation}) "
            f"WHERE v IS NOT NULL AND ({p}) IS NULL ORDER BY row_nr LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        shown = ", ".join(f"{v} (row {row_nr})" for row_nr, v in examples)
        problems.append(f"column {c.name} fails '{TYPE_RULES[c.type]}' on {n} row{'s' if n != 1 else ''}, e.g. {shown}")
    return rows, problems
