"""Landing files → raw: real DuckDB, real GX, tiny fixtures written here."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kansrijk import gx_duckdb, ingest, settings

PRODUCTS_HDR = "product_id;product_name;product_group;unit_cost;list_price;is_active"
INVOICES_HDR = "invoice_id;customer_id;invoice_date;due_date;currency;order_channel;is_credit_note;sales_rep"
CUSTOMERS_HDR = ("customer_id;customer_name;coc_number;industry_code;employee_count;country;postcode;"
                 "created_date;account_manager;payment_terms_days;credit_limit;is_blocked")


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("KANSRIJK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KANSRIJK_LANDING", str(tmp_path / "landing"))
    (tmp_path / "landing").mkdir()
    return tmp_path


def put(env: Path, delivery: str, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    p = env / "landing" / delivery / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return p


def run() -> ingest.IngestResult:
    return ingest.ingest_landing(settings.load())


def query(sql: str) -> list[tuple]:
    con = gx_duckdb.connect(settings.load().warehouse)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def products(*rows: str) -> str:
    return "\n".join([PRODUCTS_HDR, *rows]) + "\n"


def invoices(*rows: str) -> str:
    return "\n".join([INVOICES_HDR, *rows]) + "\n"


GOOD_PRODUCTS = products("P1;Bolt;hw;1,50;2,00;true", "P2;Nut;hw;0,25;0,40;FALSE")


def load_good_products(env: Path) -> list[tuple]:
    put(env, "2026-01-01", "erp_products.csv", GOOD_PRODUCTS)
    r = run()
    assert r.ok and len(r.loaded) == 1
    return query("SELECT * FROM raw.erp_products ORDER BY product_id")


def test_raw_schema_has_every_contract_table_with_lineage(env) -> None:
    load_good_products(env)
    cols = query("SELECT column_name, data_type FROM information_schema.columns "
                 "WHERE table_schema = 'raw' AND table_name = 'erp_sales_invoice_lines' ORDER BY ordinal_position")
    assert cols[1] == ("line_no", "BIGINT")
    assert cols[3] == ("quantity", "DECIMAL(18,4)")
    assert [c for c, _ in cols[-5:]] == ["_delivery", "_file", "_row", "_loaded_at", "_is_deleted"]
    tables = {t for (t,) in query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'")}
    assert "crm_campaign_touches" in tables and "_ingest_ledger" in tables


def test_idempotent_reload_and_key_stays_string(env) -> None:
    put(env, "2026-01-01", "erp_products.csv", products("007;Bolt;hw;1,50;2,00;1", "P2;Nut;hw;0,25;0,40;0"))
    assert run().ok
    before = query("SELECT * FROM raw.erp_products ORDER BY product_id")
    r = run()
    assert r.ok and not r.loaded and len(r.skipped) == 1
    assert query("SELECT * FROM raw.erp_products ORDER BY product_id") == before
    assert before[0][0] == "007"
    # columns by name: the contract's optional lead_time_days (v1.1) sits between is_active and the lineage
    lineage = query("SELECT product_id, is_active, _delivery, _file, _row FROM raw.erp_products ORDER BY product_id")
    assert lineage == [
        ("007", True, "2026-01-01", "2026-01-01/erp_products.csv", 1), ("P2", False, "2026-01-01", "2026-01-01/erp_products.csv", 2)]
    statuses = query("SELECT status, count(*) FROM raw._ingest_ledger GROUP BY 1 ORDER BY 1")
    assert statuses == [("loaded", 1), ("skipped_duplicate", 1)]


def test_decimal_comma_and_thousands_separator(env) -> None:
    put(env, "2026-01-01", "erp_products.csv", products("P1;Bolt;hw;1.234,56;2,5;true"))
    assert run().ok
    assert query("SELECT unit_cost, list_price FROM raw.erp_products") == [(Decimal("1234.56"), Decimal("2.5"))]


def test_dot_dialect_thousands_and_one_comma_five_is_a_type_error(env) -> None:
    hdr = "opportunity_id,account_id,created_date,quote_date,close_date,stage,amount,product_group,lost_reason,competitor"
    put(env, "2026-01-01", "crm_opportunities.csv", f"{hdr}\nO1,A1,2025-01-01,,,open,\"1,234.56\",,,\n")
    assert run().ok
    assert query("SELECT amount, quote_date FROM raw.crm_opportunities") == [(Decimal("1234.56"), None)]
    put(env, "2026-01-02", "crm_opportunities.csv", f"{hdr}\nO1,A1,2025-01-01,,,open,\"1,5\",,,\n")
    r = run()
    assert len(r.quarantined) == 1
    msg = r.quarantined[0].message
    assert "column amount fails 'decimal number' on 1 row, e.g. 1,5 (row 1)" in msg
    assert query("SELECT amount FROM raw.crm_opportunities") == [(Decimal("1234.56"),)]


def test_windows_1252_names_come_through(env, monkeypatch) -> None:
    monkeypatch.setenv("KANSRIJK_ERP_CSV_ENCODING", "cp1252")
    text = CUSTOMERS_HDR + "\nC1;Café Müller € BV;;46;12;NL;1011AB;2020-05-01;Anna;30;1.000,00;false\n"
    put(env, "2026-01-01", "erp_customers.csv", text, encoding="cp1252")
    r = run()
    assert r.ok, r.summary()
    assert query("SELECT customer_name, credit_limit, employee_count FROM raw.erp_customers") == [
        ("Café Müller € BV", Decimal("1000"), 12)]


def test_latest_delivery_wins_and_late_older_delivery_does_not_overwrite(env) -> None:
    put(env, "2026-01-01", "erp_sales_invoices.csv",
        invoices("I1;C1;2025-12-01;2025-12-31;EUR;web;false;R1", "I2;C2;2025-12-02;;EUR;edi;false;R1"))
    put(env, "2026-02-01", "erp_sales_invoices.csv", invoices("I1;C9;2025-12-01;2025-12-31;EUR;phone;false;R2"))
    assert run().ok
    rows = query("SELECT invoice_id, customer_id, order_channel, _delivery FROM raw.erp_sales_invoices ORDER BY 1")
    assert rows == [("I1", "C9", "phone", "2026-02-01"), ("I2", "C2", "edi", "2026-01-01")]
    # an older delivery arriving late: its I1 must not overwrite, its new I3 is added
    put(env, "2026-01-15", "erp_sales_invoices.csv",
        invoices("I1;C5;2025-12-01;;EUR;web;false;R1", "I3;C3;2026-01-10;;EUR;web;true;R1"))
    assert run().ok
    rows = query("SELECT invoice_id, customer_id, _delivery, _is_deleted FROM raw.erp_sales_invoices ORDER BY 1")
    assert rows == [("I1", "C9", "2026-02-01", False), ("I2", "C2", "2026-01-01", False),
                    ("I3", "C3", "2026-01-15", False)]


def test_same_day_second_run_delivery_name_sorts_after_the_day(env) -> None:
    put(env, "2026-01-01", "erp_sales_invoices.csv", invoices("I1;C1;2025-12-01;;EUR;web;false;R1"))
    put(env, "2026-01-01T0930", "erp_sales_invoices.csv", invoices("I1;C2;2025-12-01;;EUR;web;false;R1"))
    assert run().ok
    assert query("SELECT customer_id, _delivery FROM raw.erp_sales_invoices") == [("C2", "2026-01-01T0930")]


def cust(cid: str, name: str) -> str:
    return f"{cid};{name};;46;5;NL;1011AB;2020-01-01;Anna;30;100;false"


def test_snapshot_missing_keys_are_flagged_not_removed(env) -> None:
    put(env, "2026-01-01", "erp_customers.csv", "\n".join([CUSTOMERS_HDR, cust("C1", "A"), cust("C2", "B")]) + "\n")
    put(env, "2026-02-01", "erp_customers.csv", "\n".join([CUSTOMERS_HDR, cust("C1", "A2")]) + "\n")
    assert run().ok
    rows = query("SELECT customer_id, customer_name, _delivery, _is_deleted FROM raw.erp_customers ORDER BY 1")
    assert rows == [("C1", "A2", "2026-02-01", False), ("C2", "B", "2026-01-01", True)]
    # a late, older snapshot: C2 stays deleted (the newest snapshot lacks it), C3 arrives flagged deleted
    put(env, "2026-01-15", "erp_customers.csv",
        "\n".join([CUSTOMERS_HDR, cust("C1", "old"), cust("C2", "B15"), cust("C3", "C")]) + "\n")
    assert run().ok
    rows = query("SELECT customer_id, customer_name, _delivery, _is_deleted FROM raw.erp_customers ORDER BY 1")
    assert rows == [("C1", "A2", "2026-02-01", False), ("C2", "B15", "2026-01-15", True),
                    ("C3", "C", "2026-01-15", True)]
    # C2 comes back in a newer snapshot
    put(env, "2026-03-01", "erp_customers.csv", "\n".join([CUSTOMERS_HDR, cust("C2", "back")]) + "\n")
    assert run().ok
    rows = query("SELECT customer_id, _is_deleted FROM raw.erp_customers ORDER BY 1")
    assert rows == [("C1", True), ("C2", False), ("C3", True)]


def test_parquet_with_typed_dates_and_with_iso_string_dates(env) -> None:
    base = {"invoice_id": ["I1", "I2"], "customer_id": ["C1", "C2"], "currency": ["EUR", "EUR"],
            "order_channel": ["web", "edi"], "is_credit_note": [False, True], "sales_rep": ["R", "R"]}
    typed = pa.table({**base, "invoice_date": pa.array([dt.date(2025, 1, 2), dt.date(2025, 1, 3)], pa.date32()),
                      "due_date": pa.array([dt.date(2025, 2, 1), None], pa.date32())})
    (env / "landing" / "2026-01-01").mkdir()
    pq.write_table(typed, env / "landing" / "2026-01-01" / "erp_sales_invoices.parquet")
    strings = pa.table({**base, "invoice_id": ["I3", "I4"], "invoice_date": ["2025-01-04", "2025-01-05"],
                        "due_date": ["2025-02-01", ""]})
    (env / "landing" / "2026-01-02").mkdir()
    pq.write_table(strings, env / "landing" / "2026-01-02" / "erp_sales_invoices.parquet")
    r = run()
    assert r.ok, r.summary()
    rows = query("SELECT invoice_id, invoice_date, due_date, is_credit_note FROM raw.erp_sales_invoices ORDER BY 1")
    assert rows == [("I1", dt.date(2025, 1, 2), dt.date(2025, 2, 1), False), ("I2", dt.date(2025, 1, 3), None, True),
                    ("I3", dt.date(2025, 1, 4), dt.date(2025, 2, 1), False), ("I4", dt.date(2025, 1, 5), None, True)]


def test_header_only_file_loads_zero_rows(env) -> None:
    put(env, "2026-01-01", "erp_sales_invoices.csv", INVOICES_HDR + "\n")
    r = run()
    assert r.ok and len(r.loaded) == 1 and r.loaded[0].rows == 0
    assert query("SELECT rows, status FROM raw._ingest_ledger") == [(0, "loaded")]


def test_column_order_case_and_extra_columns(env) -> None:
    put(env, "2026-01-01", "erp_products.csv",
        " IS_ACTIVE ;list_price;unit_cost;product_group;product_name;Product_ID;remark\ntrue;2;1;hw;Bolt;P1;x\n")
    r = run()
    assert r.ok
    assert any("extra column(s) remark" in w for w in r.warnings)
    assert query("SELECT product_id, list_price, is_active FROM raw.erp_products") == [("P1", Decimal("2"), True)]


def test_odd_folders_and_files_are_warnings_left_alone(env) -> None:
    put(env, "not-a-delivery", "erp_products.csv", GOOD_PRODUCTS)
    put(env, "2026-01-01", "erp_productz.csv", GOOD_PRODUCTS)
    put(env, "2026-01-01", "erp_products.txt", GOOD_PRODUCTS)
    r = run()
    assert r.ok and not r.loaded
    assert len(r.warnings) == 3
    assert (env / "landing" / "2026-01-01" / "erp_productz.csv").exists()


# ---------------------------------------------------------------- quarantine


def quarantined(env: Path, before: list[tuple], delivery: str, name: str, content: str | bytes, *expect: str) -> str:
    put(env, delivery, name, content)
    r = run()
    assert len(r.quarantined) == 1, r.summary()
    msg = r.quarantined[0].message
    assert msg.startswith(f"{name} in delivery {delivery}: "), msg
    for e in expect:
        assert e in msg, msg
    q = settings.load().quarantine / delivery / name
    assert q.exists() and not (env / "landing" / delivery / name).exists()
    assert Path(f"{q}.error.txt").read_text(encoding="utf-8").strip() == msg
    assert query("SELECT * FROM raw.erp_products ORDER BY product_id") == before
    ledger = query(f"SELECT status, error FROM raw._ingest_ledger WHERE file_path = '{delivery}/{name}'")
    assert ledger == [("quarantined", msg)]
    return msg


def test_quarantine_missing_column(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_products.csv",
                "product_id;product_name;product_group;unit_cost;is_active\nP1;B;hw;1;true\n",
                "column list_price fails 'required column present'")


def test_quarantine_wrong_type(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_products.csv",
                products("P1;Bolt;hw;abc;2;true", "P2;Nut;hw;1;2;yes"),
                "column unit_cost fails 'decimal number' on 1 row, e.g. abc (row 1)",
                "column is_active fails 'boolean true/false/1/0' on 1 row, e.g. yes (row 2)")


def test_quarantine_non_iso_date(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_sales_invoices.csv", invoices("I1;C1;31-12-2025;;EUR;web;false;R"),
                "column invoice_date fails 'ISO date YYYY-MM-DD' on 1 row, e.g. 31-12-2025 (row 1)")


def test_quarantine_duplicate_key(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_products.csv",
                products("P1;Bolt;hw;1;2;true", "P1;Bolt2;hw;1;2;true", "P3;x;hw;1;2;true"),
                "column product_id fails 'unique key' on 2 rows, e.g. P1")


def test_quarantine_unknown_enum_value(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_sales_invoices.csv",
                invoices("I1;C1;2025-12-01;;EUR;fax;false;R", "I2;C1;2025-12-01;;EUR;web;false;R"),
                "column order_channel fails 'in {web, edi, email, phone, field}' on 1 row, e.g. fax")


def test_quarantine_range(env) -> None:
    before = load_good_products(env)
    hdr = "invoice_id;line_no;product_id;quantity;unit_price;discount_pct;net_amount;cost_amount"
    quarantined(env, before, "2026-10-01", "erp_sales_invoice_lines.csv",
                f"{hdr}\nI1;1;P;1;1;150;1;1\nI1;2;P;1;1;-3;1;1\nI1;3;P;1;1;100;1;1\n",
                "column discount_pct fails 'between 0 and 100' on 2 rows, e.g. ")


def test_quarantine_invalid_utf8(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_products.csv",
                (PRODUCTS_HDR + "\nP1;Caf\xe9;hw;1;2;true\n").encode("latin-1"),
                "not valid utf-8", "line 2", "KANSRIJK_ERP_CSV_ENCODING")


def test_quarantine_empty_file(env) -> None:
    before = load_good_products(env)
    quarantined(env, before, "2026-02-01", "erp_products.csv", b"", "the file is empty")


def test_path_traversal_is_rejected(env, tmp_path) -> None:
    before = load_good_products(env)
    outside = tmp_path / "outside.csv"
    outside.write_text(products("EVIL;x;hw;1;2;true"), encoding="utf-8")
    link = env / "landing" / "2026-02-01" / "erp_products.csv"
    link.parent.mkdir()
    os.symlink(outside, link)
    put(env, "2026-02-01", "..erp_products.csv", GOOD_PRODUCTS)
    r = run()
    msgs = sorted(q.message for q in r.quarantined)
    assert len(msgs) == 2
    assert "..erp_products.csv in delivery 2026-02-01: file name contains '..'" in msgs[0]
    assert "erp_products.csv in delivery 2026-02-01: file name points outside the landing folder" in msgs[1]
    assert outside.exists()  # the target is never touched
    assert query("SELECT * FROM raw.erp_products ORDER BY product_id") == before


def test_main_exits_1_on_quarantine(env, capsys) -> None:
    put(env, "2026-01-01", "erp_products.csv", b"")
    assert ingest.main() == 1
    out = capsys.readouterr().out
    assert "1 quarantined" in out and "the file is empty" in out
    put(env, "2026-01-02", "erp_products.csv", GOOD_PRODUCTS)
    assert ingest.main() == 0
    assert "validation:" in capsys.readouterr().out


def test_a_load_is_stamped_after_every_earlier_load_even_when_the_clock_is_behind(env) -> None:
    """loaded_at only grows (kansrijk.ingest.raw.next_loaded_at): the raw key tests of a daily build
    check the rows loaded after the last tested build, so a file loaded while the clock is behind
    an earlier load must still count as later. The first load's stamp is moved a day into the
    future (as if the clock had been set back since); what the next run records comes after it."""
    load_good_products(env)
    con = gx_duckdb.connect(settings.load().warehouse)
    try:
        con.execute("UPDATE raw._ingest_ledger SET loaded_at = loaded_at + INTERVAL 1 DAY")
        (ahead,) = con.execute("SELECT max(loaded_at) FROM raw._ingest_ledger").fetchall()[0]
    finally:
        con.close()
    put(env, "2026-01-02", "erp_sales_invoices.csv", invoices("I1;C1;2026-01-02;2026-02-01;EUR;web;false;R1"))
    assert run().ok
    # the run finds the products file again first (ledger row skipped_duplicate at ahead + 1 µs),
    # then loads the invoices at ahead + 2 µs
    assert query("SELECT file_path, status, loaded_at FROM raw._ingest_ledger ORDER BY loaded_at") == [
        ("2026-01-01/erp_products.csv", "loaded", ahead),
        ("2026-01-01/erp_products.csv", "skipped_duplicate", ahead + dt.timedelta(microseconds=1)),
        ("2026-01-02/erp_sales_invoices.csv", "loaded", ahead + dt.timedelta(microseconds=2))]
    assert query("SELECT DISTINCT _loaded_at FROM raw.erp_sales_invoices") == [(ahead + dt.timedelta(microseconds=2),)]
