"""The typed fast read: most files are clean, and DuckDB's typed reader stages them in one pass."""

from __future__ import annotations

import logging

import duckdb

from kansrijk import contract
from kansrijk.ingest.parsing import _raw_expr, parse_expr
from kansrijk.ingest.reading import ABSENT, Source
from kansrijk.ingest.sql import _lit, _q

log = logging.getLogger(__name__)

# Most files are clean. For them, DuckDB's typed CSV reader (contract types given
# explicitly, the source's delimiter and decimal separator, ISO dates, strict mode)
# is ~3x faster than reading text and parsing it with the regexes of parsing.py. fast_stage
# tries that first; ANY error (an unparsable value, a bad line, a wrong encoding)
# drops the attempt and the detailed path (parsing.py) re-reads the file, so quarantine
# messages are unchanged. Exactness: the values of a file that loads through both
# paths are identical (tests/test_ingest_fast.py). Columns whose typed read would be
# looser than the contract are read as text and parsed with parse_expr (exact, and
# an unparsable value raises): booleans (the reader also takes t/f/yes/no), timestamps
# (it would drop a UTC offset), ints (it would round 1.5 to 2: they are read as
# DECIMAL(18,9) and must be whole; DECIMAL(18,9) is 64-bit and parses ~30 % faster than
# DECIMAL(38,9); an int of 10^9 or more does not fit and takes the detailed path).
# Known, deliberate leniency of the typed reader,
# only for values with one obvious reading: decimals written 1e3, 1_000, ,5 or 5,
# and dates written 2025-1-5 load; the detailed path would reject them.

FAST_INT = "DECIMAL(18,9)"
PARQUET_NATIVE = {
    "int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
    "date": ("DATE",),
    "timestamp": ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS"),
    "bool": ("BOOLEAN",),
}


def _guarded(raw: str, ctype: str, decimal: str) -> str:
    """parse_expr of a raw-text expression, raising (instead of NULL) on a value that does not parse."""
    return (f"CASE WHEN {raw} IS NOT NULL AND ({parse_expr(raw, ctype, decimal)}) IS NULL "
            f"THEN error('unparsable {ctype}') ELSE {parse_expr(raw, ctype, decimal)} END")


def _whole(v: str) -> str:
    return f"CASE WHEN {v} = trunc({v}) THEN CAST({v} AS BIGINT) WHEN {v} IS NOT NULL THEN error('not whole') END"


def fast_sql(t: contract.Table, src: Source, mapping: dict[str, str], stage: str) -> str:
    """One typed read of the file into ``stage`` (no ``_bad`` column: every bad value raises)."""
    by_ident = {ident: t.column(c) for c, ident in mapping.items()}
    out = []
    if src.decimal == "p":
        types = dict(zip(src.columns, src.types))
        for c in t.columns:
            ident = mapping[c.name]
            typ = types[ident].upper() if ident in types else "VARCHAR"  # ABSENT: a null text
            raw = _raw_expr(ident, c.type)
            if c.type == "string":
                e = raw
            elif c.type == "decimal" and (typ.startswith("DECIMAL") or typ in PARQUET_NATIVE["int"]):
                e = f"CAST({ident} AS {contract.duckdb_type('decimal')})"
            elif typ in PARQUET_NATIVE.get(c.type, ()):
                e = f"CAST({ident} AS {contract.duckdb_type(c.type)})"
            else:
                e = _guarded(raw, c.type, "p")
            out.append(f"{e} AS {_q(c.name)}")
        return f"CREATE OR REPLACE TABLE {stage} AS SELECT {', '.join(out)} FROM {src.relation}"
    assert src.path is not None
    read_types = {}
    for ident in src.columns:
        c = by_ident.get(ident)
        ctype = c.type if c else "string"
        read_types[ident] = {"int": FAST_INT, "decimal": contract.duckdb_type("decimal"), "date": "DATE"}.get(ctype, "VARCHAR")
    columns = "{" + ", ".join(f"{_lit(i)}: {_lit(typ)}" for i, typ in read_types.items()) + "}"
    rel = (
        f"read_csv({_lit(str(src.path))}, delim={_lit(src.delimiter)}, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={columns}, encoding={_lit(src.native)}, strict_mode=true, "
        f"decimal_separator={_lit(src.decimal)}, dateformat='%Y-%m-%d')"
    )
    for c in t.columns:
        ident = mapping[c.name]
        if ident == ABSENT:  # an optional column the file does not carry
            out.append(f"CAST(NULL AS {contract.duckdb_type(c.type)}) AS {_q(c.name)}")
            continue
        if c.type == "string":
            e = f"NULLIF({ident}, '')"
        elif c.type == "int":
            e = _whole(ident)
        elif c.type in ("decimal", "date"):
            e = ident
        else:  # bool, timestamp: text, parsed exactly as the detailed path does
            e = _guarded(_raw_expr(ident, c.type), c.type, src.decimal)
        out.append(f"{e} AS {_q(c.name)}")
    return f"CREATE OR REPLACE TABLE {stage} AS SELECT {', '.join(out)} FROM {rel}"


def fast_stage(con: duckdb.DuckDBPyConnection, t: contract.Table, src: Source, mapping: dict[str, str],
               stage: str) -> int | None:
    """Stage the file with the typed fast read; its row count, or None when the detailed path must run."""
    try:
        con.execute(fast_sql(t, src, mapping, stage))
    except duckdb.Error as e:
        log.info("fast read of %s failed, using the detailed path: %s", src.path or src.relation, str(e).splitlines()[0])
        con.execute(f"DROP TABLE IF EXISTS {stage}")
        return None
    return int(con.execute(f"SELECT count(*) FROM {stage}").fetchone()[0])
