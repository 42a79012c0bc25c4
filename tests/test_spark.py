"""The same dbt project on Apache Spark (dbt-spark, session method) gives the same marts as DuckDB.

One small hand-made landing set (6 ERP customers, one CRM-only prospect, two years of invoices,
ledger, CRM activities, opportunities, a campaign) is built twice:

- DuckDB: the real ingest and the real dbt build of every seed and model (its data tests run on
  Spark, on the same data);
- Spark: ``python -m kansrijk.spark`` in a child process (its own JVM, local[2], Derby metastore
  and warehouse under the test's tmp dir): raw tables from the DuckDB warehouse, dbt build on the
  ``spark`` target with every data test, the CLV fit beside the build, the rest of the build; the
  marts are exported as Parquet.

Then every mart of models/marts must match: the same columns, the same row count, per numeric
column the same sum to the cent, per text column the same number of distinct values, per date
column the same min, max and distinct count, per boolean the same number of true values.
The figures are not re-derived by hand here: the subject tests of each mart do that on DuckDB;
this test proves the SQL means the same on both engines.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from tests.support import build_warehouse, write_landing

REPO_ROOT = Path(__file__).resolve().parent.parent
VARS = {"as_of_date": "2025-12-31"}
# Six customers: compiling costs the JVM more than it gives (docs/spark.md: 344 -> 235 s of CPU), so
# expressions run interpreted, the JIT compiles only what runs often and only with its quick
# compiler, and one thread collects the small heap (KANSRIJK_SPARK_CONF).
SMALL = ("spark.sql.codegen.wholeStage=false;spark.sql.codegen.factoryMode=NO_CODEGEN;"
         "spark.driver.extraJavaOptions=-XX:CompileThresholdScaling=20 -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")


def _landing(root: Path) -> Path:
    def cust(cid, ind, emp, created=date(2022, 1, 1), blocked=False):
        return {"customer_id": cid, "customer_name": f"Klant {cid}", "coc_number": f"1000000{cid[-1]}",
                "industry_code": ind, "employee_count": emp, "country": "NL", "postcode": "1234AB",
                "created_date": created, "account_manager": "R1", "payment_terms_days": 30,
                "credit_limit": D("10000.00"), "is_blocked": blocked}

    customers = [cust("C1", "46", 20), cust("C2", "46", 30), cust("C3", "43", 5),
                 cust("C4", "43", 300), cust("C5", "46", 60, blocked=True), cust("C6", "62", None)]
    products = [
        {"product_id": "P1", "product_name": "Ding", "product_group": "G1", "unit_cost": D("60"),
         "list_price": D("100"), "is_active": True},
        {"product_id": "P2", "product_name": "Dong", "product_group": "G2", "unit_cost": D("5.5"),
         "list_price": D("12.25"), "is_active": True},
    ]
    # invoice id, customer, date, credit note, lines (product, quantity, unit price, discount %)
    spec = [
        ("I01", "C1", date(2024, 2, 5), False, [("P1", 10, "100", "0"), ("P2", 4, "12.25", "10")]),
        ("I02", "C1", date(2024, 9, 12), False, [("P1", 3, "100", "5")]),
        ("I03", "C1", date(2025, 3, 5), False, [("P1", 5, "100", "0"), ("P2", 20, "12.25", "0")]),
        ("I04", "C1", date(2025, 3, 15), True, [("P1", -1, "100", "0")]),
        ("I05", "C2", date(2024, 5, 20), False, [("P2", 50, "12.25", "2.5")]),
        ("I06", "C2", date(2025, 6, 30), False, [("P1", 8, "100", "0")]),
        ("I07", "C3", date(2023, 11, 1), False, [("P1", 1, "100", "0")]),
        ("I08", "C4", date(2025, 1, 10), False, [("P1", 30, "95", "0"), ("P2", 100, "12", "0")]),
        ("I09", "C4", date(2025, 4, 10), False, [("P1", 12, "95", "0")]),
        ("I10", "C4", date(2025, 11, 28), False, [("P2", 7, "12.25", "0")]),
        ("I11", "C5", date(2024, 12, 31), False, [("P2", 3, "12.25", "0")]),
        ("I12", "C6", date(2025, 12, 1), False, [("P1", 2, "100", "50")]),
    ]
    invoices, lines = [], []
    for inv, c, day, credit, items in spec:
        invoices.append({"invoice_id": inv, "customer_id": c, "invoice_date": day,
                         "due_date": None if credit else date.fromordinal(day.toordinal() + 30),
                         "currency": "EUR", "order_channel": "web" if c in ("C1", "C2") else "phone",
                         "is_credit_note": credit, "sales_rep": "R1"})
        for no, (p, q, price, disc) in enumerate(items, 1):
            net = (D(q) * D(price) * (1 - D(disc) / 100)).quantize(D("0.01"))
            unit_cost = D("60") if p == "P1" else D("5.5")
            lines.append({"invoice_id": inv, "line_no": no, "product_id": p, "quantity": D(q),
                          "unit_price": D(price), "discount_pct": D(disc), "net_amount": net,
                          "cost_amount": (D(q) * unit_cost).quantize(D("0.01"))})
    payments = [
        {"payment_id": "Y1", "invoice_id": "I01", "payment_date": date(2024, 3, 1), "amount": D("1044.10")},
        {"payment_id": "Y2", "invoice_id": "I03", "payment_date": date(2025, 5, 20), "amount": D("745.00")},
        {"payment_id": "Y3", "invoice_id": "I08", "payment_date": date(2025, 2, 1), "amount": D("4050.00")},
        {"payment_id": "Y4", "invoice_id": "I09", "payment_date": date(2025, 5, 1), "amount": D("500.00")},
    ]
    shipments = [
        {"shipment_id": f"S{i}", "invoice_id": inv, "customer_id": c, "ship_date": day,
         "package_count": 1 + i % 3, "is_express": i % 4 == 0, "freight_cost": D(f"{10 + 3 * i}.50")}
        for i, (inv, c, day, credit, _) in enumerate(spec, 1) if not credit
    ]

    def gl(eid, day, cc, amt, cust_id=None):
        return {"entry_id": eid, "posting_date": day, "gl_account": "4000", "gl_account_name": "Kosten",
                "cost_center": cc, "amount": D(amt), "customer_id": cust_id, "description": f"{cc} {eid}"}

    ledger = []
    for i, month_end in enumerate([date(2024, 3, 31), date(2024, 12, 31), date(2025, 3, 31),
                                   date(2025, 6, 30), date(2025, 11, 30)]):
        ledger += [gl(f"G{i}1", month_end, "LOG", "200.00"), gl(f"G{i}2", month_end, "OE", "10.00"),
                   gl(f"G{i}3", month_end, "CS", "100.00"), gl(f"G{i}4", month_end, "SALES", "90.00"),
                   gl(f"G{i}5", month_end, "CC", "100.00"), gl(f"G{i}6", month_end, "GEN", "10.33"),
                   gl(f"G{i}7", month_end, "COMM", "50.00", "C2"), gl(f"G{i}8", month_end, "IT", "40.00"),
                   gl(f"G{i}9", month_end, "MKT", "30.00"), gl(f"G{i}0", month_end, None, "7.77")]
    accounts = [
        {"account_id": f"A{i}", "erp_customer_id": f"C{i}", "account_name": f"Klant C{i}", "industry_code": ind,
         "employee_count": emp, "country": "NL", "created_date": date(2022, 1, 1), "lead_source": "web"}
        for i, ind, emp in [(1, "46", 20), (2, "46", 30), (3, "43", 5), (4, "43", 300)]
    ] + [{"account_id": "A7", "account_name": "Prospect BV", "industry_code": "46", "employee_count": 25,
          "country": "NL", "created_date": date(2025, 2, 1), "lead_source": "event"}]
    activities = [
        {"activity_id": f"X{i}", "account_id": a, "activity_type": t, "activity_date": d,
         "duration_minutes": m, "owner": "R1", "outcome": o}
        for i, (a, t, d, m, o) in enumerate([
            ("A1", "visit", date(2025, 3, 12), 60, "contact"), ("A3", "call", date(2025, 3, 13), 20, "contact"),
            ("A7", "call", date(2025, 4, 1), 15, "appointment"), ("A7", "visit", date(2025, 5, 1), 90, "contact"),
            ("A4", "meeting", date(2024, 12, 1), 45, "appointment"), ("A2", "call", date(2025, 6, 2), 10, "no_contact"),
        ], 1)
    ]
    opportunities = [
        {"opportunity_id": "O1", "account_id": "A1", "created_date": date(2025, 1, 1), "close_date": date(2025, 3, 1),
         "stage": "won", "amount": D("1000.00"), "product_group": "G1"},
        {"opportunity_id": "O2", "account_id": "A7", "created_date": date(2025, 4, 1), "close_date": date(2025, 6, 1),
         "stage": "lost", "amount": D("500.00"), "product_group": "G2", "lost_reason": "competitor",
         "competitor": "Rival BV"},
        {"opportunity_id": "O3", "account_id": "A4", "created_date": date(2025, 9, 1), "quote_date": date(2025, 9, 15),
         "stage": "open", "amount": D("2500.00"), "product_group": "G1"},
    ]
    cases = [
        {"case_id": "K1", "account_id": "A1", "opened_at": datetime(2025, 3, 3, 9), "closed_at": datetime(2025, 3, 3, 10),
         "category": "question", "handling_minutes": 30},
        {"case_id": "K2", "account_id": "A4", "opened_at": datetime(2025, 6, 4, 9), "closed_at": None,
         "category": "complaint", "handling_minutes": 10},
    ]
    campaigns = [{"campaign_id": "M1", "campaign_name": "Beurs", "channel": "event",
                  "start_date": date(2025, 3, 1), "total_cost": D("300.00")}]
    touches = [{"touch_id": f"T{i}", "campaign_id": "M1", "account_id": a, "touch_date": date(2025, 3, 2),
                "response": r} for i, (a, r) in enumerate([("A1", "opened"), ("A7", "replied"), ("A3", None)], 1)]
    return write_landing(root, "2026-01-02", {
        "erp_customers": customers, "erp_products": products, "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines, "erp_payments": payments, "erp_shipments": shipments,
        "erp_gl_entries": ledger, "crm_accounts": accounts, "crm_activities": activities,
        "crm_opportunities": opportunities, "crm_service_cases": cases, "crm_campaigns": campaigns,
        "crm_campaign_touches": touches,
    })


def _run(script: str, data: Path, landing: Path) -> subprocess.CompletedProcess:
    code = (
        "import json, sys\nfrom pathlib import Path\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from tests.support import kansrijk_env\n"
        f"VARS = {VARS!r}\n"
        # the Spark build keeps the profile's two dbt threads (the timings of docs/spark.md)
        f"with kansrijk_env(Path(sys.argv[1]), Path(sys.argv[2]), threads='2', spark_conf={SMALL!r}) as s:\n"
        f"    {script}\n"
    )
    # a script file, not `python -c`: pyspark's import check exits quietly (status 0) when the
    # main module has no __file__ and Spark Connect's dependencies are missing
    script_file = data.parent / f"step_{abs(hash(script))}.py"
    script_file.write_text(code)
    out = subprocess.run([sys.executable, str(script_file), str(data), str(landing)], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, (out.stderr + out.stdout)[-4000:]
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(DuckDB warehouse path, folder of the Spark marts as Parquet, Spark seconds per step)."""
    tmp = tmp_path_factory.mktemp("spark")
    landing = tmp / "landing"
    _landing(landing)
    data = tmp / "data"
    # DuckDB: the real ingest and every seed and model (`make run` without its data tests and the
    # publish); the data tests of this landing set run on Spark below, every one
    build_warehouse(tmp, landing, VARS, publish=False, data_tests=False)
    # Spark: one child process, one JVM; metastore and warehouse under the data dir
    marts = tmp / "spark_marts"
    t0 = time.perf_counter()
    out = _run(
        "from kansrijk import spark; t = spark.build(s, dbt_vars=VARS, log=lambda *_: None); "
        f"spark.export_marts(spark.session(s), Path({str(marts)!r})); print(json.dumps(t))",
        data, landing)
    timings = json.loads(out.stdout.strip().splitlines()[-1])
    timings["wall"] = time.perf_counter() - t0
    print(f"\nspark build: {json.dumps({k: round(v, 1) for k, v in timings.items()})}")
    return data / "warehouse.duckdb", marts, timings


# the core facts (fct_*, models/marts/core) are built into schema core, not published: their figures
# reach the comparison through the marts that serve them (fct_customer_pnl_monthly as mart_customer_profitability)
MART_NAMES = sorted(p.stem for p in (REPO_ROOT / "models" / "marts").rglob("*.sql") if not p.stem.startswith("fct_"))


def _profile(con, relation: str) -> dict:
    """Row count and per-column fingerprints of one relation, computed by DuckDB."""
    cols = con.execute(f"describe select * from {relation}").fetchall()
    parts, names = ["count(*)"], ["rows"]
    for name, dtype, *_ in cols:
        q = f'"{name}"'
        t = dtype.upper()
        if t.startswith(("DECIMAL", "DOUBLE", "FLOAT", "REAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT")):
            parts += [f"round(sum(cast({q} as double)), 2)", f"count({q})"]
            names += [f"{name}:sum", f"{name}:count"]
        elif t == "BOOLEAN":
            parts += [f"count(*) filter (where {q})", f"count({q})"]
            names += [f"{name}:true", f"{name}:count"]
        elif t == "DATE" or t.startswith("TIMESTAMP"):
            parts += [f"cast(min({q}) as date)", f"cast(max({q}) as date)", f"count(distinct {q})"]
            names += [f"{name}:min", f"{name}:max", f"{name}:distinct"]
        else:
            parts += [f"count(distinct {q})", f"count({q})"]
            names += [f"{name}:distinct", f"{name}:count"]
    row = con.execute(f"select {', '.join(parts)} from {relation}").fetchone()
    return dict(zip(names, row))


def test_every_mart_is_built_on_spark(built):
    _, marts, _ = built
    assert MART_NAMES, "no marts found under models/marts"
    assert sorted(p.name for p in marts.iterdir()) == MART_NAMES


@pytest.mark.parametrize("mart", MART_NAMES)
def test_mart_equals_duckdb(built, mart):
    warehouse, marts, _ = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        expected = _profile(con, f"marts.{mart}")
        duck_cols = [r[0] for r in con.execute(f"describe marts.{mart}").fetchall()]
        spark_rel = f"read_parquet('{marts / mart}/*.parquet')"
        spark_cols = [r[0] for r in con.execute(f"describe select * from {spark_rel}").fetchall()]
        assert spark_cols == duck_cols
        actual = _profile(con, spark_rel)
    finally:
        con.close()
    diffs = {k: (expected[k], actual.get(k)) for k in expected if expected[k] != actual.get(k)}
    assert not diffs, f"{mart}: (duckdb, spark) differ: {diffs}"


def test_spark_conf_adds_settings_and_java_options(tmp_path):
    """KANSRIJK_SPARK_CONF: pairs replace the session's settings, except the driver's Java options,
    which are added to the session's own (the Derby home must stay)."""
    from kansrijk import spark
    from tests.support import kansrijk_env

    with kansrijk_env(tmp_path / "data", spark_conf=" spark.master=local[1] ;"
                      "spark.driver.extraJavaOptions=-XX:CompileThresholdScaling=20;") as s:
        conf = spark.spark_conf(s)
    wh = (tmp_path / "data" / "spark-warehouse").resolve()
    assert conf["spark.master"] == "local[1]"
    assert conf["spark.driver.extraJavaOptions"] == f"-Dderby.system.home={wh} -XX:CompileThresholdScaling=20"
    assert conf["spark.sql.shuffle.partitions"] == "2"  # the rest as it was
    with kansrijk_env(tmp_path / "data", spark_conf="spark.master") as s, pytest.raises(spark.SparkBuildError) as e:
        spark.spark_conf(s)
    assert str(e.value) == "KANSRIJK_SPARK_CONF: 'spark.master' is not key=value (pairs are separated by ';')"
