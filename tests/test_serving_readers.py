"""Readers of the serving copy never see a half-published file.

Three reader processes (spawned) open `serving.duckdb` read-only in a loop, a new
connection per read, while the main process publishes again and again, with a changed
warehouse in between (a second delivery, ingested, and the customer dimension built again). Each read checks that
the newest `marts.publish_log` row's `row_counts` equals the actual `count(*)` of every
mart in the same connection: a torn publish would break that equality. A BI tool's
SQLAlchemy URL (duckdb-engine, read-only) reflects and reads every mart.

The BI tools' own DuckDB is older (1.4 in Superset's duckdb-engine and in Evidence): the demo
serving copy is read, every mart and every row, by the DuckDB pinned in
bi/superset/requirements.txt in a separate environment that uv makes, and gives the same figures
as DuckDB 2; the same reader refuses a file in DuckDB 2's own format (the control).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing as mp
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from tests.support import copy_build, kansrijk_env, write_landing
from tests.test_faults_input import DELIVERIES, company

READERS = 3
READ_SECONDS = 20  # each reader reads at least this long, and until the main process is done
MAX_SECONDS = 240  # hard stop for a reader
# A read (a new connection, the publish log and a count of every mart) takes ~40 ms of CPU; a reader
# that pauses this long between reads still reads several times a second across every swap, and
# the three of them leave the cores to the publishes and the build they watch.
PAUSE_SECONDS = 0.1


def small_company(root: Path, delivery: str = "2026-09-01", *, second: bool = False) -> Path:
    """A company of four ERP customers (C1..C4) and a CRM prospect (A5).

    ``second=True`` writes the next delivery: the full customer snapshot plus customer C5
    and one new invoice of C5 and a new ledger entry (so every mart's figures change).
    """
    customers = [
        {"customer_id": f"C{i}", "customer_name": f"Klant {i} BV", "industry_code": ind, "employee_count": emp,
         "country": "NL", "created_date": date(2024, 1, 1), "payment_terms_days": 30, "is_blocked": False}
        for i, ind, emp in [(1, "46", 20), (2, "46", 60), (3, "43", 5), (4, "43", 12)] + ([(5, "46", 8)] if second else [])
    ]
    products = [
        {"product_id": "P1", "product_name": "Bout", "product_group": "G1", "unit_cost": D("6"), "list_price": D("10"), "is_active": True},
        {"product_id": "P2", "product_name": "Moer", "product_group": "G2", "unit_cost": D("3"), "list_price": D("5"), "is_active": True},
    ]

    def inv(i, cust, day):
        return {"invoice_id": i, "customer_id": cust, "invoice_date": day, "due_date": day, "currency": "EUR",
                "order_channel": "web", "is_credit_note": False, "sales_rep": "R1"}

    def line(i, no, prod, qty, price):
        net = D(qty) * D(price)
        return {"invoice_id": i, "line_no": no, "product_id": prod, "quantity": D(qty), "unit_price": D(price),
                "discount_pct": D("0"), "net_amount": net, "cost_amount": net * D("0.6")}

    def gl(e, day, cc, amount):
        return {"entry_id": e, "posting_date": day, "gl_account": "4000", "gl_account_name": "Kosten",
                "cost_center": cc, "amount": D(amount), "description": cc}

    if second:
        tables = {
            "erp_customers": customers,
            "erp_sales_invoices": [inv("I9", "C5", date(2026, 9, 10))],
            "erp_sales_invoice_lines": [line("I9", 1, "P1", "7", "10")],
            "erp_gl_entries": [gl("G9", date(2026, 9, 30), "GEN", "12.00")],
        }
        return write_landing(root, delivery, tables)
    invoices = [inv("I1", "C1", date(2026, 6, 5)), inv("I2", "C2", date(2026, 7, 6)),
                inv("I3", "C3", date(2026, 7, 20)), inv("I4", "C1", date(2026, 8, 3)), inv("I5", "C4", date(2026, 8, 14))]
    lines = [line("I1", 1, "P1", "10", "10"), line("I1", 2, "P2", "4", "5"), line("I2", 1, "P1", "30", "10"),
             line("I3", 1, "P2", "8", "5"), line("I4", 1, "P1", "5", "10"), line("I5", 1, "P1", "2", "10")]
    accounts = [
        {"account_id": f"A{i}", "erp_customer_id": f"C{i}", "account_name": f"Klant {i} BV", "industry_code": "46",
         "employee_count": 20, "country": "NL", "created_date": date(2024, 1, 1)} for i in range(1, 5)
    ] + [{"account_id": "A5", "account_name": "Prospect BV", "industry_code": "46", "employee_count": 30,
          "country": "NL", "created_date": date(2025, 1, 1)}]
    activities = [
        {"activity_id": "X1", "account_id": "A1", "activity_type": "visit", "activity_date": date(2026, 7, 1),
         "duration_minutes": 60, "owner": "R1", "outcome": "contact"},
        {"activity_id": "X2", "account_id": "A5", "activity_type": "call", "activity_date": date(2026, 8, 1),
         "duration_minutes": 15, "owner": "R1", "outcome": "appointment"},
    ]
    tables = {
        "erp_customers": customers,
        "erp_products": products,
        "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines,
        "erp_gl_entries": [gl("G1", date(2026, 7, 31), "OE", "20.00"), gl("G2", date(2026, 8, 31), "GEN", "30.00")],
        "crm_accounts": accounts,
        "crm_activities": activities,
    }
    return write_landing(root, delivery, tables)


def read_once(path: str) -> tuple[int, bool, str]:
    """One read: (publish_log rows, consistent?, detail) in one fresh read-only connection."""
    con = duckdb.connect(path, read_only=True)
    try:
        log_rows, latest = con.execute(
            "select count(*), arg_max(row_counts, published_at) from marts.publish_log"
        ).fetchone()
        claimed = json.loads(latest)
        tables = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' and table_name <> 'publish_log'"
        ).fetchall()}
        actual = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in sorted(tables)}
    finally:
        con.close()
    ok = claimed == actual
    return log_rows, ok, "" if ok else f"publish_log says {claimed}, tables hold {actual}"


def _reader(path: str, stop, results) -> None:
    start = time.monotonic()
    reads, errors, inconsistent, versions = 0, [], [], set()
    while time.monotonic() - start < MAX_SECONDS and (time.monotonic() - start < READ_SECONDS or not stop.is_set()):
        try:
            log_rows, ok, detail = read_once(path)
            versions.add(log_rows)
            if not ok:
                inconsistent.append(detail)
        except Exception as e:  # noqa: BLE001 - every error is a finding
            errors.append(repr(e))
        reads += 1
        time.sleep(PAUSE_SECONDS)
    results.put({"reads": reads, "errors": errors[:5], "n_errors": len(errors),
                 "inconsistent": inconsistent[:5], "n_inconsistent": len(inconsistent), "versions": sorted(versions)})


@pytest.fixture(scope="module")
def served(one_delivery_build, tmp_path_factory):
    """A copy of the run's shared build of the first delivery of tests/test_faults_input.py's
    company (customers C1..C3), published once."""
    root = tmp_path_factory.mktemp("readers")
    data = copy_build(one_delivery_build, root)
    with kansrijk_env(data, root / "landing") as s:
        assert s.serving.exists()
    return root, root / "landing", s


def test_readers_see_whole_snapshots_while_publishing(served):
    from kansrijk.ingest import ingest_landing
    from kansrijk.publish import publish
    from kansrijk.dbt_cli import run_dbt

    root, landing, s = served
    ctx = mp.get_context("spawn")
    stop, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_reader, args=(str(s.serving), stop, results)) for _ in range(READERS)]
    for p in procs:
        p.start()
    try:
        with kansrijk_env(root / "data", landing) as env:
            for _ in range(3):
                publish(env)
            company(root / "both", upto=2)  # the second delivery arrives: customer C4, prospect A5
            shutil.copytree(root / "both" / DELIVERIES[1], landing / DELIVERIES[1])
            assert ingest_landing(env).ok
            # the customer dimension and what it reads again: the publishes that follow serve a
            # changed warehouse (a mart with one more row). The data tests ran on the first delivery:
            # this module checks publishing, not the second delivery's figures
            run_dbt(env, "run", "--select", "+dim_customer", quiet=True)
            for _ in range(3):
                publish(env)
    finally:
        stop.set()
        outcomes = [results.get(timeout=MAX_SECONDS + 30) for _ in procs]
        for p in procs:
            p.join(timeout=30)
    assert all(o["reads"] > 0 for o in outcomes), outcomes
    assert [o["n_errors"] for o in outcomes] == [0] * READERS, outcomes
    assert [o["n_inconsistent"] for o in outcomes] == [0] * READERS, outcomes
    # the readers really read across swaps: more than one publish_log length was seen
    assert len({v for o in outcomes for v in o["versions"]}) > 1, outcomes
    # first build + 6 publishes; the last one carries the second delivery's customer C4
    log_rows, ok, detail = read_once(str(s.serving))
    assert (log_rows, ok) == (7, True), detail
    with duckdb.connect(str(s.serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_customer where customer_key = 'erp:C4'").fetchone()[0] == 1
        deliveries = con.execute("select arg_max(deliveries, published_at) from marts.publish_log").fetchone()[0]
    assert deliveries == ",".join(DELIVERIES[:2])


def words(text: str | None) -> str:
    return " ".join((text or "").split())


def _yaml_descriptions() -> dict[tuple[str, str | None], str]:
    """(model, None) and (model, column) → description, read from the marts' YAML files themselves."""
    import re

    import yaml

    from kansrijk.settings import REPO_ROOT

    blocks = {m.group(1): m.group(2) for path in (REPO_ROOT / "models").rglob("*.md") for m in re.finditer(
        r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", path.read_text(), re.S)}

    def text(description: str) -> str:  # a description may be, or include, a docs block; spacing aside
        return words(re.sub(r"{{\s*doc\(['\"](\w+)['\"]\)\s*}}", lambda m: blocks[m.group(1)], description))

    out = {}
    for path in (REPO_ROOT / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            if model.get("description"):
                out[(model["name"], None)] = text(model["description"])
            for col in model.get("columns", []):
                if col.get("description"):
                    out[(model["name"], col["name"])] = text(col["description"])
    return out


def test_bi_tool_reads_every_mart_through_sqlalchemy(served):
    from sqlalchemy import MetaData, Table, create_engine, func, inspect, select

    _, _, s = served
    with duckdb.connect(str(s.serving), read_only=True) as con:
        marts = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
        companies = con.execute("select count(*) from marts.dim_customer").fetchone()[0]
    engine = create_engine(f"duckdb:///{s.serving}?access_mode=read_only")
    try:
        meta = MetaData()
        meta.reflect(bind=engine, schema="marts")
        reflected = {t.name for t in meta.sorted_tables}
        assert reflected == marts
        with engine.connect() as conn:
            for name in sorted(marts):
                table = Table(name, MetaData(), schema="marts", autoload_with=engine)
                assert table.columns, name
                rows = conn.execute(select(table).limit(5)).fetchall()
                n = conn.execute(select(func.count()).select_from(table)).scalar_one()
                assert len(rows) == min(n, 5), name
            assert conn.execute(select(func.count()).select_from(meta.tables["marts.dim_customer"])).scalar_one() == companies
        # what the models' YAML says each mart and column means, as the BI tool reflects it
        described = _yaml_descriptions()
        inspector = inspect(engine)
        for name in sorted(marts - {"publish_log"}):
            assert words(inspector.get_table_comment(name, schema="marts")["text"]) == described[(name, None)], name
            for col in inspector.get_columns(name, schema="marts"):
                assert words(col["comment"]) == described.get((name, col["name"]), ""), (name, col["name"])
    finally:
        engine.dispose()
    # C1..C3, plus C4 and prospect A5 when the publishing test ran first (same module fixture)
    assert companies in (3, 5)
    # read-only: the BI connection cannot write
    engine = create_engine(f"duckdb:///{s.serving}?access_mode=read_only")
    try:
        with engine.connect() as conn, pytest.raises(Exception, match="read-only"):
            conn.exec_driver_sql("create table marts.scratch (x int)")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- older DuckDB readers

OLD_READER = r'''
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__, "tables": {}}
for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall():
    cols = con.execute("select column_name, data_type from duckdb_columns() where schema_name = 'marts'"
                       " and table_name = ? order by column_index", [t]).fetchall()
    # every column read to the last row: count of values, and the exact sum of the numeric ones
    exprs = ["count(*)"] + [f'count("{c}")' for c, _ in cols] + [
        f'cast(sum("{c}") as varchar)' for c, d in cols if d.startswith(("DECIMAL", "BIGINT", "INTEGER"))]
    out["tables"][t] = {"columns": [c for c, _ in cols],
                        "figures": [str(v) for v in con.execute(f'select {", ".join(exprs)} from marts."{t}"').fetchone()]}
print(json.dumps(out))
'''


def pinned_duckdb() -> str:
    """The DuckDB version the documented BI readers bring: the pin in bi/superset/requirements.txt
    (Superset's duckdb-engine; Evidence's @duckdb/node-api 1.4.2 embeds the same release)."""
    import re

    from kansrijk.settings import REPO_ROOT

    m = re.search(r"^duckdb==(\S+)$", (REPO_ROOT / "bi" / "superset" / "requirements.txt").read_text(), re.M)
    assert m, "bi/superset/requirements.txt pins no duckdb"
    return m.group(1)


def read_with_old_duckdb(path: Path) -> subprocess.CompletedProcess:
    """OLD_READER in a separate environment that uv makes (cached) with the pinned older DuckDB."""
    uv = [shutil.which("uv")] if shutil.which("uv") else [shutil.which("python3") or sys.executable, "-m", "uv"]
    return subprocess.run(uv + ["run", "--no-project", "--quiet", "--python", "3.11", "--with",
                                          f"duckdb=={pinned_duckdb()}", "python", "-c", OLD_READER, str(path)],
                          capture_output=True, text=True, timeout=600)


def figures_here(path: Path) -> dict:
    """The same figures read by the same script with this environment's DuckDB 2 (the second reader)."""
    done = subprocess.run([sys.executable, "-c", OLD_READER, str(path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["tables"]


def test_serving_copy_opens_in_the_bi_tools_older_duckdb(demo_build, tmp_path):
    from kansrijk.publish import publish_parquet
    from tests.test_serving_contract import CONTRACT, parse_contract

    assert demo_build.serving_storage_version == "v1.4.0"  # the documented default
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        tags = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchone()[0]
    assert tags["storage_version"].startswith("v1.4.0"), tags

    done = read_with_old_duckdb(demo_build.serving)
    assert done.returncode == 0, done.stderr[-2000:]
    old = json.loads(done.stdout)
    assert old["version"] == pinned_duckdb()
    # every mart, every column, every row: the old reader sees what DuckDB 2 sees
    assert old["tables"] == figures_here(demo_build.serving)
    for table, (grain, columns) in parse_contract(CONTRACT.read_text()).items():
        assert table in old["tables"], f"marts.{table} not readable by DuckDB {old['version']}"
        assert set(grain + columns) <= set(old["tables"][table]["columns"]), table

    # control: the same reader cannot open DuckDB 2's own format, so the test above means something
    newer = tmp_path / "newer.duckdb"
    with duckdb.connect() as con:
        con.execute(f"attach '{newer}' as n (storage_version 'latest')")
        con.execute("create table n.t as select 1 as x")
    refused = read_with_old_duckdb(newer)
    assert refused.returncode != 0 and "version" in refused.stderr.lower(), refused.stderr[-2000:]

    # the Parquet export reads the older-format copy too
    copy = tmp_path / "serving.duckdb"
    shutil.copyfile(demo_build.serving, copy)
    target = publish_parquet(dataclasses.replace(demo_build, serving=copy), ["dim_customer", "mart_whale_curve"])
    with duckdb.connect() as con:
        n = con.execute(f"select count(*) from '{target / 'dim_customer.parquet'}'").fetchone()[0]
    assert n == int(old["tables"]["dim_customer"]["figures"][0])
