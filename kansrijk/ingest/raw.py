"""The warehouse side of the ingest: the connection, schema ``raw`` with every contract table and the
ingest ledger, the in-memory staging database, the duplicate-key check of a staged file, and the merge
of a staged file into ``raw`` (with its ledger row, in one transaction)."""

from __future__ import annotations

import datetime as dt

import duckdb

from kansrijk import contract
from kansrijk.ingest.landing import LandingFile
from kansrijk.ingest.sql import _lit, _q
from kansrijk.settings import Settings

STAGE_SCHEMA = "_stage"
LEDGER = "raw._ingest_ledger"
MEM_STAGE = "_kansrijk_stage"  # in-memory database attached to the ingest connection


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw``, every contract table (empty) and the ingest ledger."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for t in contract.TABLES.values():
        cols = [f"{_q(c.name)} {contract.duckdb_type(c.type)}" for c in t.columns]
        cols += [f"{_q(n)} {typ}" for n, typ in contract.LINEAGE_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{_q(t.name)} ({', '.join(cols)})")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER} (file_path VARCHAR, checksum VARCHAR, delivery VARCHAR, "
        "table_name VARCHAR, rows BIGINT, loaded_at TIMESTAMP, status VARCHAR, error VARCHAR)"
    )


def connect(s: Settings) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (shareable with GX's duckdb-engine connections) with the configured limits."""
    # Imported here, not at the top: importing the package kansrijk.ingest must not import Great Expectations,
    # because `python -m kansrijk.ingest` imports the package before its __main__ has a __file__, and GX's
    # pyspark import then takes the run for a doctest run and exits ("Skipping doctests").
    from kansrijk import gx_duckdb

    s.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = gx_duckdb.connect(s.warehouse)
    if s.memory_limit:
        con.execute(f"SET memory_limit = {_lit(s.memory_limit)}")
    if s.threads:
        con.execute(f"SET threads = {int(s.threads)}")
    s.temp_directory.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = {_lit(str(s.temp_directory))}")
    return con


def attach_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Attach the in-memory staging database: staged files are never written to disk.

    GX's own connections (same DuckDB instance) see it through a view in ``_stage``
    (GX cannot see a connection's TEMP tables); leftover views of a crashed run are dropped.
    """
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {MEM_STAGE}")
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = ? "
                               "AND database_name = current_database()", [STAGE_SCHEMA]).fetchall():
        con.execute(f"DROP VIEW IF EXISTS {STAGE_SCHEMA}.{_q(name)}")
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? "
                               "AND database_name = current_database()", [STAGE_SCHEMA]).fetchall():
        con.execute(f"DROP TABLE IF EXISTS {STAGE_SCHEMA}.{_q(name)}")  # a disk stage of an older version


def duplicate_keys(con: duckdb.DuckDBPyConnection, t: contract.Table, stage: str, rows: int | None = None) -> bool:
    """Whether the staged file may hold a key twice: one cheap aggregate over the key's 64-bit hash.

    Fewer distinct key hashes than rows means a duplicate key or (rarely) a hash collision; equal
    counts prove every key is unique (two equal keys always hash alike, NULLs included).
    GX stays the gate: its suite keeps the uniqueness expectation, and it runs whenever this
    answers True (it then reports the count and examples, or passes on a mere collision); when
    this answers False it is skipped.
    """
    key = ", ".join(_q(k) for k in t.key)
    distinct, total = con.execute(f"SELECT count(DISTINCT hash({key})), count(*) FROM {stage}").fetchone()
    return int(distinct) != int(total if rows is None else rows)


# --------------------------------------------------------------------------- merge


def merge(con: duckdb.DuckDBPyConnection, t: contract.Table, stage: str, f: LandingFile, checksum: str,
          rows: int, loaded_at: dt.datetime) -> None:
    """Merge the staged rows into raw and write the ``loaded`` ledger row in one transaction."""
    target = f"raw.{_q(t.name)}"
    newest = con.execute(
        f"SELECT max(delivery) FROM {LEDGER} WHERE table_name = ? AND status = 'loaded'", [t.name]
    ).fetchone()[0]
    newer_exists = newest is not None and newest > f.delivery
    raw_empty = con.execute(f"SELECT count(*) = 0 FROM (SELECT 1 FROM {target} LIMIT 1)").fetchone()[0]
    on_key = " AND ".join(f"r.{_q(k)} = s.{_q(k)}" for k in t.key)
    cols = ", ".join(_q(c) for c in t.column_names)
    # A late, older snapshot: its keys not held by a newer delivery are missing from the newest snapshot.
    flag_deleted = t.snapshot and newer_exists
    con.execute("BEGIN TRANSACTION")
    try:
        if not raw_empty and rows:
            con.execute(f"DELETE FROM {target} AS r USING {stage} AS s WHERE {on_key} AND r._delivery <= ?",
                        [f.delivery])
        if rows:
            where = f" WHERE NOT EXISTS (SELECT 1 FROM {target} AS r WHERE {on_key})" if newer_exists and not raw_empty else ""
            con.execute(
                f"INSERT INTO {target} ({cols}, _delivery, _file, _row, _loaded_at, _is_deleted) "
                f"SELECT {', '.join('s.' + _q(c) for c in t.column_names)}, ?, ?, s.rowid + 1, ?, ? "
                f"FROM {stage} AS s{where}",
                [f.delivery, f.rel, loaded_at, flag_deleted],
            )
        if t.snapshot and not newer_exists and not raw_empty:
            # Every older row left after the delete is a key this (newest) snapshot no longer carries.
            con.execute(f"UPDATE {target} SET _is_deleted = true WHERE _delivery < ? AND NOT _is_deleted",
                        [f.delivery])
        con.execute(f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?, ?, 'loaded', NULL)",
                    [f.rel, checksum, f.delivery, t.name, rows, loaded_at])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
