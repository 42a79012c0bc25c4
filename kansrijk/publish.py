"""Write, audit, publish: copy the audited `marts` schema into the serving file.

The build writes only to the working warehouse. Publishing first audits the marts
against their raw sources (a silent loss of rows fails here), then writes a complete
new serving file next to the old one and swaps it in with one atomic rename. A
reader that opened the old file keeps reading the old build; a reader that opens
the path afterwards sees the new one; nobody sees half of each.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from kansrijk.settings import Settings


class PublishError(Exception):
    """The marts failed an audit; the serving copy was left as it was."""


@dataclass(frozen=True)
class Audit:
    name: str
    sql: str  # returns one row: (marts_total, raw_total)
    needs: tuple[str, ...]  # marts tables the audit reads


# Revenue in = revenue out, cost of goods in = out, ledger in = allocated + unallocated.
AUDITS = (
    Audit(
        "revenue of mart_customer_profitability equals raw invoice lines",
        "select (select coalesce(sum(revenue), 0) from marts.mart_customer_profitability),"
        " (select coalesce(sum(cast(net_amount as decimal(18,2))), 0) from raw.erp_sales_invoice_lines)",
        ("mart_customer_profitability",),
    ),
    Audit(
        "cost of goods of mart_customer_profitability equals raw invoice lines",
        "select (select coalesce(sum(cost_of_goods), 0) from marts.mart_customer_profitability),"
        " (select coalesce(sum(cast(cost_amount as decimal(18,2))), 0) from raw.erp_sales_invoice_lines)",
        ("mart_customer_profitability",),
    ),
    Audit(
        "ledger costs of mart_cost_reconciliation equal raw ledger entries",
        "select (select coalesce(sum(ledger_amount), 0) from marts.mart_cost_reconciliation),"
        " (select coalesce(sum(cast(amount as decimal(18,2))), 0) from raw.erp_gl_entries)",
        ("mart_cost_reconciliation",),
    ),
    Audit(
        "allocated plus unallocated costs equal raw ledger entries",
        "select (select coalesce(sum(allocated_amount + unallocated_amount), 0) from marts.mart_cost_reconciliation),"
        " (select coalesce(sum(cast(amount as decimal(18,2))), 0) from raw.erp_gl_entries)",
        ("mart_cost_reconciliation",),
    ),
    Audit(
        "cost to serve of mart_customer_profitability equals allocated ledger costs",
        "select (select coalesce(sum(cost_to_serve), 0) from marts.mart_customer_profitability),"
        " (select coalesce(sum(allocated_amount), 0) from marts.mart_cost_reconciliation)",
        ("mart_customer_profitability", "mart_cost_reconciliation"),
    ),
)


# Columns that name or locate a company or a person; pseudonymised on request (KANSRIJK_PSEUDONYMISE).
PERSONAL_COLUMNS = frozenset({
    "company_name", "account_name", "customer_name", "coc_number", "postcode",
    "account_manager", "crm_owner", "owner", "sales_rep",
})


def pseudonym_salt(settings: Settings) -> str:
    """The secret salt: KANSRIJK_PSEUDONYM_SALT, else one generated once and kept in the data dir."""
    env = os.environ.get("KANSRIJK_PSEUDONYM_SALT")
    if env:
        return env
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
        f"""case when "{c}" is null then null else '{c[:4]}-' || substr(md5('{salt}' || "{c}"), 1, 10) end"""
        if c in PERSONAL_COLUMNS else f'"{c}"'
        for c in cols
    )


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    where = "schema_name = 'marts'" + (f" and database_name = '{catalog}'" if catalog else "")
    return [r[0] for r in con.sql(f"select table_name from duckdb_tables() where {where} order by 1").fetchall()]


def audit(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Run the reconciliation audits on an open warehouse; return the failures as sentences."""
    have = set(mart_tables(con))
    failures = []
    for a in AUDITS:
        if not set(a.needs) <= have:
            failures.append(f"audit '{a.name}' cannot run: marts.{', marts.'.join(sorted(set(a.needs) - have))} is missing.")
            continue
        marts_total, raw_total = con.sql(a.sql).fetchall()[0]
        if abs(float(marts_total) - float(raw_total)) > 0.005:
            failures.append(f"audit '{a.name}' failed: marts {marts_total} vs raw {raw_total}.")
    return failures


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


def publish(settings: Settings, *, dbt_invocation_id: str | None = None) -> dict[str, int]:
    """Audit the warehouse marts and atomically replace the serving copy with them.

    Returns row counts per published table. Raises PublishError (serving untouched) when
    an audit fails.
    """
    serving = settings.serving
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    _remove_stale_temp_files(serving)

    with duckdb.connect(str(settings.warehouse), read_only=True) as wh:
        failures = audit(wh)
        if failures:
            raise PublishError(failures[0] + " The serving copy was left as it was.")
        deliveries = _deliveries(wh)

    salt = pseudonym_salt(settings) if settings.pseudonymise else None
    try:
        con = duckdb.connect(str(tmp))
        con.execute(f"attach '{settings.warehouse}' as wh (read_only)")
        con.execute("create schema marts")
        counts: dict[str, int] = {}
        ddl = con.sql(
            "select table_name, sql from duckdb_tables() where database_name = 'wh' and schema_name = 'marts' order by 1"
        ).fetchall()
        for table, create_sql in ddl:
            if table == "publish_log":
                continue
            # The warehouse DDL keeps the contract's types and primary key.
            con.execute(create_sql)
            cols = _select_list(con, table, salt)
            con.execute(f"insert into marts.{table} select {cols} from wh.marts.{table}")
            counts[table] = con.sql(f"select count(*) from marts.{table}").fetchall()[0][0]
        con.execute(
            "create table marts.publish_log (published_at timestamp with time zone, deliveries varchar,"
            " dbt_invocation_id varchar, row_counts json)"
        )
        if serving.exists():
            con.execute(f"attach '{serving}' as old (read_only)")
            if "publish_log" in mart_tables(con, "old"):
                con.execute("insert into marts.publish_log select * from old.marts.publish_log")
            con.execute("detach old")
        con.execute(
            "insert into marts.publish_log values (?, ?, ?, ?)",
            [datetime.now(timezone.utc), ",".join(deliveries), dbt_invocation_id, json.dumps(counts)],
        )
        con.execute("detach wh")
        con.execute("checkpoint")
        con.close()
        if os.environ.get("KANSRIJK_TEST_PAUSE_AT") == "publish":
            from kansrijk.refresh import pause_point  # crash-test hook; see its docstring

            pause_point(settings, "publish")
        os.replace(tmp, serving)  # the atomic swap
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
