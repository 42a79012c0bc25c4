"""The warehouse side of the ingest: the connection, schema ``raw`` with every contract table and the
ingest ledger, the in-memory staging database, and the merge of a staged file into ``raw`` (with its
ledger row, in one transaction)."""

from __future__ import annotations

import datetime as dt

import duckdb

from kansrijk import contract
from kansrijk.ingest.landing import LandingFile
from kansrijk.ingest.sql import _lit, _q
from kansrijk.settings import Settings

STAGE_SCHEMA = "_stage"
LEDGER = "raw._ingest_ledger"
# Up to which load the raw tables' key tests have passed: one row per successful dbt build of the
# whole project, the newest ledger loaded_at it saw (tested_through). An incremental build's key
# test of a raw table checks the keys of the rows loaded after it against the whole table
# (macros/generic_tests.sql, unique_raw_key; docs/design.md, "Which tests run where").
TESTED = "raw._tested_loads"
MEM_STAGE = "_kansrijk_stage"  # in-memory database attached to the ingest connection
# A large staged file is appended to raw without keeping the file's row order (each row keeps its
# file row in `_row`; nothing reads raw in physical order). In order, DuckDB's parallel append
# writes and compresses each thread's row groups and the next checkpoint reads, merges and
# compresses them all again: twice the work and twice the file growth. Unordered, every row group
# is written once, by both threads. Measured on the bench's 3.7 M invoice lines (CPU seconds,
# append + checkpoint): 2.2 + 2.4 in order, 2.4 + 0.0 unordered (one thread in order: 2.4 + 0.0,
# but on one core); file 151 MB -> 85 MB. Smaller files are appended in order (docs/design.md).
UNORDERED_APPEND_ROWS = 100_000


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


def next_loaded_at(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The ``loaded_at`` of a file loaded now: the clock (UTC), but always after every earlier load,
    so that "loaded after a tested build" (``TESTED``) holds even when the clock was set back."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    last = con.execute(f"SELECT max(loaded_at) FROM {LEDGER}").fetchall()[0][0]
    return max(now, last + dt.timedelta(microseconds=1)) if last is not None else now


def loaded_through(s: Settings) -> dt.datetime | None:
    """The newest ``loaded_at`` of a loaded file: what a dbt build starting now reads."""
    if not s.warehouse.exists():
        return None
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                           "AND table_name = '_ingest_ledger'").fetchall()[0][0]:
            return None
        return con.execute(f"SELECT max(loaded_at) FROM {LEDGER} WHERE status = 'loaded'").fetchall()[0][0]


def mark_tested(s: Settings, through: dt.datetime | None, dbt_invocation_id: str | None) -> None:
    """Record that a dbt build of the whole project, every data test passed, read the loads up to
    ``through`` (``loaded_through`` before it started)."""
    if through is None:
        return
    with duckdb.connect(str(s.warehouse)) as con:
        con.execute(f"CREATE TABLE IF NOT EXISTS {TESTED} (tested_through TIMESTAMP, dbt_invocation_id VARCHAR, "
                    "recorded_at TIMESTAMP)")
        con.execute(f"INSERT INTO {TESTED} VALUES (?, ?, ?)",
                    [through, dbt_invocation_id, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)])


def engine_config() -> dict[str, str]:
    """The DuckDB config duckdb-engine passes to ``duckdb.connect`` (``gx_duckdb.engine_config``), from the
    installed packages' metadata: importing duckdb-engine, SQLAlchemy or Great Expectations costs seconds,
    and a run whose files are all clean never needs them (tests/test_ingest_fast.py compares the two)."""
    from importlib.metadata import version

    return {"custom_user_agent": f"duckdb_engine/{version('duckdb_engine')}(sqlalchemy/{version('sqlalchemy')})"}


def connect(s: Settings) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (shareable with GX's duckdb-engine connections) with the configured limits."""
    # The config of duckdb-engine, so that GX's engine may open the same file in this process when a file
    # needs its suite (DuckDB refuses a second connection to a file with another configuration).
    s.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(s.warehouse), config=engine_config())
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
            unordered = rows >= UNORDERED_APPEND_ROWS
            if unordered:
                ordered = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
                con.execute("SET preserve_insertion_order = false")
            try:
                con.execute(
                    f"INSERT INTO {target} ({cols}, _delivery, _file, _row, _loaded_at, _is_deleted) "
                    f"SELECT {', '.join('s.' + _q(c) for c in t.column_names)}, ?, ?, s.rowid + 1, ?, ? "
                    f"FROM {stage} AS s{where}",
                    [f.delivery, f.rel, loaded_at, flag_deleted],
                )
            finally:
                if unordered:
                    con.execute(f"SET preserve_insertion_order = {'true' if ordered else 'false'}")
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
