"""Write, audit, publish: copy the tested `marts` schema into the serving file.

The build writes only to the working warehouse. The audit is the dbt build's own: its data
tests (severity error) include the reconciliations of the marts to raw, each named by its
sentence, so a failed one stops the refresh at the build (kansrijk.dbt_cli.failure_sentence
names it) and publish never runs:

* revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines
  (generic test sums_match_raw_invoice_lines, macros/reconciliation_tests.sql: raw lines converted
  to EUR from seed currency_rates on their own, apart from the models that convert);
* ledger_costs_of_mart_cost_reconciliation_equal_raw_ledger_entries and
  allocated_plus_unused_capacity_plus_unallocated_costs_equal_raw_ledger_entries;
* cost_to_serve_of_mart_customer_profitability_equals_allocated_ledger_costs

(models/marts/profitability/_profitability__models.yml; totals to the cent, tolerance 0.005).
Publishing then checks only what dbt cannot see, the new build against the serving copy it
replaces (the guards below), writes a complete new serving file next to the old one and swaps it
in with one atomic rename. A reader that opened the old file keeps reading the old build; a reader
that opens the path afterwards sees the new one; nobody sees half of each.

Publish guards: before the new file is written, each mart of the new build is compared with
the serving copy it replaces (when there is one), and the publish stops (PublishError, the
serving copy byte-identical, the reasons in ``<data dir>/publish_blocked.json``) when a mart

* had rows and is now empty, or is missing from the new build;
* shrank by more than ``KANSRIJK_PUBLISH_MAX_SHRINK_PCT`` (default 50 %) of its rows. This rule
  applies only to marts that had at least SHRINK_MIN_ROWS (100) rows: below that, one customer
  or segment is a large share and a small company's marts legitimately move by half;
* lost a column (dropped or renamed) or changed a column's type. Added columns are allowed:
  the serving contract permits additive changes.

VOLATILE_MARTS may shrink or empty legitimately from one delivery to the next and are checked
for missing and changed columns only: ``mart_prospect_targets`` is cut at the addresses the
revenue gap needs (0 when existing customers cover the target, the whole candidate list when
the need cannot be computed); ``mart_customer_at_risk`` is empty when no valuable customer is slipping;
``clv_prob_alive_matrix`` is empty when the BG/NBD fit fails (a statistic never stops a publish). The demo refreshed delivery by delivery moves no other mart by
more than 20 %. Column types cannot differ by data: every mart has an enforced dbt contract,
and the serving tables are created from the warehouse DDL, pseudonymised or not.
``KANSRIJK_FORCE_PUBLISH=1`` (``make run FORCE_PUBLISH=1``) publishes anyway; every publish
records the comparison in ``marts.publish_log.guard_report`` (JSON).

Only what changed is written. Every publish records, per mart, a fingerprint of its rows (sum of
the row hashes and the count; per month for a mart with a DATE column ``month``) and a key of
how it is written (its warehouse DDL, column types and select list, so pseudonymised or not;
and the storage version) in ``marts.publish_log.fingerprints``. The next publish starts from a copy of the
serving file: a mart with the same key and fingerprint is kept as it is, a monthly mart gets
only its changed months deleted and inserted again, any other mart is written anew, and a mart
gone from the build is dropped. ``tables_written`` says which (``unchanged``, the months, or
``all``). The result holds the same rows as writing every mart anew
(tests/test_publish_guards.py); the swap stays one atomic rename of a complete file.

The serving marts carry the descriptions of the models' YAML as table and column comments (what
``duckdb_columns().comment``, ``COMMENT``-aware SQL clients and BI tools show), copied from the
warehouse marts, where the build wrote them (dbt's persist_docs); only comments that differ are set.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from kansrijk.ingest.sql import _lit, _q
from kansrijk.runtime import pause_point
from kansrijk.settings import Settings


class PublishError(Exception):
    """A publish guard stopped the publish; the serving copy was left as it was."""


# Publish guards (see the module docstring).
SHRINK_MIN_ROWS = 100
VOLATILE_MARTS = frozenset({"mart_prospect_targets", "mart_customer_at_risk", "clv_prob_alive_matrix"})


# Columns that name or locate a company or a person; pseudonymised on request (KANSRIJK_PSEUDONYMISE).
PERSONAL_COLUMNS = frozenset({
    "company_name", "account_name", "customer_name", "coc_number", "postcode",
    "account_manager", "crm_owner", "owner", "sales_rep",
})


def pseudonym_salt(settings: Settings) -> str:
    """The secret salt: KANSRIJK_PSEUDONYM_SALT, else one generated once and kept in the data dir."""
    if settings.pseudonym_salt:
        return settings.pseudonym_salt
    path = settings.data_dir / ".pseudonym_salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def _select_list(con: duckdb.DuckDBPyConnection, table: str, salt: str | None) -> str:
    cols = [r[0] for r in con.sql(
        "select column_name from duckdb_columns() where database_name = 'wh' and schema_name = 'marts'"
        f" and table_name = '{table}' order by column_index").fetchall()]
    if salt is None:
        return ", ".join(f'"{c}"' for c in cols)
    # Same input, same pseudonym, so joins and counts still work; the salt keeps it one-way.
    return ", ".join(
        f"""case when "{c}" is null then null else '{c[:4]}-' || substr(md5('{salt}' || "{c}"), 1, 10) end as "{c}\""""
        if c in PERSONAL_COLUMNS else f'"{c}"'
        for c in cols
    )


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """The marts of a catalog: its tables and (in the warehouse) the views that serve a core table."""
    where = "schema_name = 'marts'" + (f" and database_name = '{catalog}'" if catalog else "")
    return [r[0] for r in con.sql(
        f"select table_name from duckdb_tables() where {where}"
        f" union select view_name from duckdb_views() where {where} and not internal order by 1").fetchall()]


def _pct(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, dict[str, str]]:
    """{mart: {column: type}} of the marts schema of an attached catalog (publish_log left out)."""
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in con.sql(
        "select table_name, column_name, data_type from duckdb_columns()"
        f" where database_name = '{catalog}' and schema_name = 'marts' and table_name <> 'publish_log'"
        " order by table_name, column_index"
    ).fetchall():
        out.setdefault(table, {})[column] = dtype
    return out


def guard(con: duckdb.DuckDBPyConnection, max_shrink_pct: float) -> tuple[dict, list[str]]:
    """Compare the marts of catalog `wh` (the new build) with catalog `old` (the serving copy).

    Returns the report {mart: {old_rows, new_rows, changes}} and the changes that stop a publish,
    as phrases naming the mart.
    """
    old, new = _columns(con, "old"), _columns(con, "wh")
    report: dict[str, dict] = {}
    stops: list[str] = []

    def count(catalog: str, table: str) -> int:
        return con.sql(f"select count(*) from {catalog}.marts.{table}").fetchall()[0][0]

    for table in sorted(old.keys() | new.keys()):
        n_old = count("old", table) if table in old else None
        n_new = count("wh", table) if table in new else None
        changes, stop = [], []
        if n_new is None:
            stop.append(f"marts.{table} ({n_old:,} rows in the serving copy) is missing from the new build")
        elif n_old is not None:
            volatile = table in VOLATILE_MARTS
            if n_old and not n_new and not volatile:
                stop.append(f"marts.{table} had {n_old:,} rows and is empty in the new build")
            elif n_new < n_old and n_old >= SHRINK_MIN_ROWS and not volatile:
                shrink = 100 * (n_old - n_new) / n_old
                if shrink > max_shrink_pct:
                    stop.append(f"marts.{table} shrank from {n_old:,} to {n_new:,} rows (-{_pct(shrink)} %),"
                                f" more than the {_pct(max_shrink_pct)} % allowed")
            lost = [c for c in old[table] if c not in new[table]]
            added = [c for c in new[table] if c not in old[table]]
            if lost:
                stop.append(f"marts.{table} lost column(s) {', '.join(lost)} (dropped or renamed"
                            + (f"; new: {', '.join(added)})" if added else ")"))
            for c, t in old[table].items():
                if c in new[table] and new[table][c] != t:
                    stop.append(f"marts.{table} column {c} changed type from {t} to {new[table][c]}")
            if added:
                changes.append(f"added column(s) {', '.join(added)} (allowed)")
        report[table] = {"old_rows": n_old, "new_rows": n_new, "changes": stop + changes}
        stops += stop
    return report, stops


def _deliveries(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.sql(
        "select distinct delivery from raw._ingest_ledger where status = 'loaded' order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def _remove_stale_temp_files(serving: Path) -> None:
    """Delete half-written serving files (and their WAL) of publishes whose process died (e.g. SIGKILL)."""
    for stale in serving.parent.glob(f".{serving.name}.*.tmp*"):
        pid = stale.name[len(serving.name) + 2:].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)  # signal 0: only asks whether the process is alive
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, another user's


_MONTH_KEY = "coalesce(cast(month as varchar), 'null')"


def _has_month(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the warehouse mart has a DATE column `month` (it is then fingerprinted per month)."""
    return bool(con.sql(
        "select count(*) from duckdb_columns() where database_name = 'wh' and schema_name = 'marts'"
        f" and table_name = '{table}' and column_name = 'month' and data_type = 'DATE'").fetchall()[0][0])


def _row_fingerprints(con: duckdb.DuckDBPyConnection, table: str, monthly: bool) -> dict[str, str]:
    """{month or '*': sum of the row hashes / row count} of a warehouse mart: one pass over it (a
    sum, not an xor, so two equal rows do not cancel)."""
    fp = "cast(sum(cast(hash(t) as hugeint)) as varchar) || '/' || cast(count(*) as varchar)"
    if monthly:
        return dict(con.sql(f"select {_MONTH_KEY}, {fp} from wh.marts.{table} as t group by 1").fetchall())
    return {"*": con.sql(f"select {fp} from wh.marts.{table} as t").fetchall()[0][0]}


def _previous_fingerprints(serving: Path, storage_version: str) -> dict[str, dict] | None:
    """The fingerprints of the serving copy's last publish, or None when it cannot be reused (no copy,
    a copy written before fingerprints or in another storage version, or one that does not open)."""
    if not serving.exists():
        return None
    try:
        with duckdb.connect(str(serving), read_only=True) as con:
            if "fingerprints" not in {r[0] for r in con.sql(
                    "select column_name from duckdb_columns() where schema_name = 'marts'"
                    " and table_name = 'publish_log'").fetchall()}:
                return None
            row = con.sql("select fingerprints from marts.publish_log where fingerprints is not null"
                          " order by published_at desc limit 1").fetchall()
    except duckdb.Error:
        return None
    if not row:
        return None
    last = json.loads(row[0][0])
    return last["marts"] if last.get("storage_version") == storage_version else None


# The serving copy's own table, described like the marts (its columns: serving contract, "Publish").
PUBLISH_LOG_DESCRIPTIONS = {
    None: "One row per publish of this serving copy: what a reader is looking at.",
    "published_at": "When this serving copy was published.",
    "deliveries": "The landing deliveries loaded into the warehouse at that publish, comma-separated.",
    "dbt_invocation_id": "The dbt build the marts come from (its invocation id).",
    "row_counts": "Rows per mart at that publish (JSON).",
    "guard_report": "The publish guards' comparison with the copy before it (JSON).",
    "fingerprints": "Per mart, the fingerprint of its rows that tells the next publish what changed (JSON).",
    "tables_written": "Per mart, what this publish wrote: unchanged, the changed months, or all (JSON).",
}


def _copy_descriptions(con: duckdb.DuckDBPyConnection) -> None:
    """Give the serving marts and their columns the descriptions the build wrote on the warehouse marts
    (dbt's persist_docs of the models' YAML), so a BI tool or an analyst reading the serving copy sees
    what each mart and column means. Only what differs is written: a kept mart keeps its comments, a
    mart written anew or a description edited since gets them."""
    changed = con.sql(
        "select table_name, null, comment from (select table_name, comment from duckdb_tables() where database_name = 'wh'"
        " and schema_name = 'marts' union all select view_name, comment from duckdb_views() where database_name = 'wh'"
        " and schema_name = 'marts' and not internal) w where table_name <> 'publish_log' and not exists ("
        " select 1 from duckdb_tables() s where s.database_name = 'serving' and s.schema_name = 'marts'"
        " and s.table_name = w.table_name and s.comment is not distinct from w.comment)"
        " union all "
        "select table_name, column_name, comment from duckdb_columns() w where database_name = 'wh'"
        " and schema_name = 'marts' and table_name <> 'publish_log' and not exists ("
        " select 1 from duckdb_columns() s where s.database_name = 'serving' and s.schema_name = 'marts'"
        " and s.table_name = w.table_name and s.column_name = w.column_name and s.comment is not distinct from w.comment)"
    ).fetchall()
    for table, column, comment in changed:
        _comment(con, table, column, comment)


def _comment(con: duckdb.DuckDBPyConnection, table: str, column: str | None, text: str | None) -> None:
    """Set (or, with None, clear) the comment of a serving mart, or of one of its columns."""
    target = f"marts.{_q(table)}" + (f".{_q(column)}" if column else "")
    con.execute(f"comment on {'column' if column else 'table'} {target} is {'NULL' if text is None else _lit(text)}")


def publish(settings: Settings, *, dbt_invocation_id: str | None = None) -> dict[str, int]:
    """Atomically replace the serving copy with the warehouse marts (the dbt build tested them).

    Returns row counts per published table. Raises PublishError (serving untouched) when
    a publish guard stops it (unless settings.force_publish).
    """
    serving = settings.serving
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    _remove_stale_temp_files(serving)

    with duckdb.connect(str(settings.warehouse), read_only=True) as wh:
        deliveries = _deliveries(wh)

    guard_report: dict = {"previous_copy": serving.exists(), "max_shrink_pct": settings.publish_max_shrink_pct,
                          "shrink_min_rows": SHRINK_MIN_ROWS, "forced": False, "stops": [], "marts": {}}
    if serving.exists():
        with duckdb.connect() as con:
            con.execute(f"attach '{settings.warehouse}' as wh (read_only)")
            con.execute(f"attach '{serving}' as old (read_only)")
            guard_report["marts"], stops = guard(con, settings.publish_max_shrink_pct)
        guard_report["stops"] = stops
        blocked = settings.data_dir / "publish_blocked.json"
        if stops and not settings.force_publish:
            blocked.parent.mkdir(parents=True, exist_ok=True)
            blocked.write_text(json.dumps({"blocked_at": datetime.now(timezone.utc).isoformat(),
                                           "serving": str(serving), **guard_report}, indent=1))
            more = f" (and {len(stops) - 1} more change(s), see {blocked})" if len(stops) > 1 else ""
            raise PublishError(
                f"Publish stopped: {stops[0]}{more}; the serving copy was left as it was; if this is expected,"
                " publish with make run FORCE_PUBLISH=1 (or KANSRIJK_FORCE_PUBLISH=1).")
        guard_report["forced"] = bool(stops)

    salt = pseudonym_salt(settings) if settings.pseudonymise else None
    previous = _previous_fingerprints(serving, settings.serving_storage_version)
    try:
        if previous is not None:
            shutil.copyfile(serving, tmp)  # start from the serving copy: unchanged marts stay as they are
        # Written in the storage format of KANSRIJK_SERVING_STORAGE_VERSION (default v1.4.0): the BI
        # tools' own DuckDB (1.4 in Superset's duckdb-engine and Evidence) cannot open a newer file.
        con = duckdb.connect()
        con.execute(f"attach '{tmp}' as serving (storage_version '{settings.serving_storage_version}')")
        con.execute("use serving")
        con.execute(f"attach '{settings.warehouse}' as wh (read_only)")
        con.execute("create schema if not exists marts")
        counts: dict[str, int] = {}
        fingerprints: dict[str, dict] = {}
        written: dict[str, object] = {}
        in_copy = set(mart_tables(con, "serving"))
        # The marts: tables, and views (a mart that serves a core table unchanged is a view in the
        # warehouse, no second copy per build), each with its warehouse DDL or none for a view.
        relations = con.sql(
            "select table_name, sql from duckdb_tables() where database_name = 'wh' and schema_name = 'marts'"
            " union all select view_name, null from duckdb_views() where database_name = 'wh'"
            " and schema_name = 'marts' and not internal order by 1"
        ).fetchall()
        for table, create_sql in relations:
            if table == "publish_log":
                continue
            cols = _select_list(con, table, salt)
            monthly = _has_month(con, table)
            types = con.sql("select string_agg(data_type, ',' order by column_index) from duckdb_columns()"
                            f" where database_name = 'wh' and schema_name = 'marts' and table_name = '{table}'"
                            ).fetchall()[0][0]
            key = hashlib.md5(f"{create_sql}|{cols}|{types}|{monthly}".encode()).hexdigest()
            parts = _row_fingerprints(con, table, monthly)
            fingerprints[table] = {"key": key, "parts": parts}
            old = (previous or {}).get(table)
            if old is not None and table in in_copy and old.get("key") == key:
                changed = sorted(p for p in parts.keys() | old["parts"].keys() if parts.get(p) != old["parts"].get(p))
                if not changed:
                    written[table] = "unchanged"
                elif monthly and any(p not in changed for p in parts):  # some months stay
                    months = ", ".join(f"'{m}'" for m in changed)
                    con.execute(f"delete from marts.{table} where {_MONTH_KEY} in ({months})")
                    con.execute(f"insert into marts.{table} select {cols} from wh.marts.{table}"
                                f" where {_MONTH_KEY} in ({months})")
                    written[table] = changed
                if table in written:
                    counts[table] = con.sql(f"select count(*) from marts.{table}").fetchall()[0][0]
                    continue
            con.execute(f"drop table if exists marts.{table}")
            if create_sql:  # the warehouse DDL keeps the contract's types and primary key
                con.execute(create_sql)
                con.execute(f"insert into marts.{table} select {cols} from wh.marts.{table}")
            else:  # a view becomes a table here, its columns typed as the view's contract says
                con.execute(f"create table marts.{table} as select {cols} from wh.marts.{table}")
            written[table] = "all"
            counts[table] = con.sql(f"select count(*) from marts.{table}").fetchall()[0][0]
        for table in in_copy - {t for t, _ in relations} - {"publish_log"}:
            con.execute(f"drop table marts.{table}")  # gone from the build (the guard allowed it)
        _copy_descriptions(con)
        if "publish_log" not in in_copy:
            con.execute(
                "create table marts.publish_log (published_at timestamp with time zone, deliveries varchar,"
                " dbt_invocation_id varchar, row_counts json, guard_report json, fingerprints json,"
                " tables_written json)"
            )
        if not con.sql("select comment from duckdb_tables() where database_name = 'serving' and schema_name = 'marts'"
                       " and table_name = 'publish_log'").fetchall()[0][0]:  # new, or from a version before comments
            for column, text in PUBLISH_LOG_DESCRIPTIONS.items():
                _comment(con, "publish_log", column, text)
        if serving.exists() and previous is None:
            con.execute(f"attach '{serving}' as old (read_only)")
            if "publish_log" in mart_tables(con, "old"):
                # by name: a log written before a column was added keeps its rows (the new column null)
                same = ", ".join(f'"{c}"' for (c,) in con.sql(
                    "select column_name from duckdb_columns() where database_name = 'old' and schema_name = 'marts'"
                    " and table_name = 'publish_log' and column_name in (select column_name from duckdb_columns()"
                    " where database_name = current_database() and schema_name = 'marts'"
                    " and table_name = 'publish_log')").fetchall())
                con.execute(f"insert into marts.publish_log ({same}) select {same} from old.marts.publish_log")
            con.execute("detach old")
        con.execute(
            "insert into marts.publish_log (published_at, deliveries, dbt_invocation_id, row_counts, guard_report,"
            " fingerprints, tables_written) values (?, ?, ?, ?, ?, ?, ?)",
            [datetime.now(timezone.utc), ",".join(deliveries), dbt_invocation_id, json.dumps(counts),
             json.dumps(guard_report),
             json.dumps({"storage_version": settings.serving_storage_version, "marts": fingerprints}),
             json.dumps(written)],
        )
        con.execute("detach wh")
        con.execute("checkpoint serving")
        con.execute("use memory")
        con.execute("detach serving")
        con.close()
        pause_point(settings, "publish")  # crash-test hook; see its docstring
        os.replace(tmp, serving)  # the atomic swap
        (settings.data_dir / "publish_blocked.json").unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    if settings.publish_parquet:
        publish_parquet(settings, list(counts) + ["publish_log"])
    return counts


def publish_parquet(settings: Settings, tables: list[str]) -> Path:
    """One Parquet file per mart from the serving copy, swapped in as a whole folder."""
    target = settings.parquet_dir
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        for t in tables:
            con.execute(f"copy marts.{t} to '{staging / (t + '.parquet')}' (format parquet)")
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    return target
