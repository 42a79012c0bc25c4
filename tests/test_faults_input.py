"""Bad extracts: every fault gets an exact behaviour, message and effect on raw and the marts.

Real files, real DuckDB, real GX, real dbt; no mocks. One dbt build for the module:

* `accepted` runs the faults that must load: reordered columns, an extra unknown column,
  `1.234,56`, a header-only file, an odd folder and odd file names (warnings), an orphan invoice
  line, a customer re-sent under a new key, a credit note larger than its invoice and a delivery
  that arrives after a newer one. Deliveries 2025-03-31, 2025-04-30 and 2025-05-31 are ingested
  first; then the late delivery 2025-04-15 arrives and the full refresh runs once.
* The quarantine tests copy that published data directory and add one bad file each: the refresh
  must stop before dbt with a non-zero exit, move the file to quarantine with a message naming the
  file, column, rule and an example, leave raw as it was and the serving copy byte-identical.

Expected marts, computed by hand (revenue = net_amount, cost of goods = cost_amount):
  erp:C1 March  I1/1 1100.00 (2025-05-31 correction; the late 2025-04-15 5.00 loses)
                + I1/2 50.00 (new key from the late delivery)           = 1150.00, cogs 650 + 20 = 670.00
  erp:C1 April  I6/1 '1.234,56' = 1234.56, cogs '1.000,00' = 1000.00
  erp:C2 March  I2/1 800.00, cogs 500.00
  erp:C2 April  credit note I5/1 -1000.00, cogs -600.00  -> C2 in total -200.00 revenue, -100.00 cogs
  erp:C3 March  I3/1 200.00, cogs 150.00 (C3 was re-keyed to C3X in 2025-04-30: history stays on C3)
  unknown April orphan I9/1 70.00, cogs 40.00 (invoice I9 never arrives; dated by delivery 2025-04-30)
  total revenue 1150 + 1234.56 + 800 - 1000 + 200 + 70 = 2454.56 = sum of raw net_amount.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from kansrijk import ingest, refresh as refresh_mod, settings as settings_mod
from kansrijk.dbt_cli import failures, last_results, run_dbt
from tests.support import copy_build, kansrijk_env, refresh_environment, write_landing

REPO_ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------ shared helpers (used by the other fault modules)

NAMES = {  # real-looking company identifiers of the landing set: pseudonymisation must hide them
    "C1": ("Alfa Techniek BV", "11111111", "1011AB"),
    "C2": ("Bravo Handel BV", "22222222", "2022CD"),
    "C3": ("Charlie Bouw BV", "33333333", "3033EF"),
    "C4": ("Delta Logistiek BV", "44444444", "4044GH"),
}
PROSPECT = ("Echo Installatie BV", "55555555", "5055IJ")


def _customer(cid: str, name_of: str | None = None) -> dict:
    name, coc, pc = NAMES[name_of or cid]
    return {"customer_id": cid, "customer_name": name, "coc_number": coc, "industry_code": "46",
            "employee_count": 20, "country": "NL", "postcode": pc, "created_date": date(2020, 1, 1),
            "account_manager": "Anna", "payment_terms_days": 30, "credit_limit": D("1000.00"), "is_blocked": False}


def _invoice(iid: str, cid: str, day: date, credit: bool = False) -> dict:
    return {"invoice_id": iid, "customer_id": cid, "invoice_date": day, "due_date": None, "currency": "EUR",
            "order_channel": "web", "is_credit_note": credit, "sales_rep": "R1"}


def _line(iid: str, no: int, qty: str, price: str, net: str, cost: str) -> dict:
    return {"invoice_id": iid, "line_no": no, "product_id": "P1", "quantity": D(qty), "unit_price": D(price),
            "discount_pct": D("0"), "net_amount": D(net), "cost_amount": D(cost)}


def _gl(eid: str, day: date, amount: str) -> dict:
    return {"entry_id": eid, "posting_date": day, "gl_account": "4000", "gl_account_name": "Algemeen",
            "cost_center": "GEN", "amount": D(amount), "description": "overhead"}


DELIVERIES = ("2025-03-31", "2025-04-30", "2025-05-31")


def company(root: Path, upto: int = 3) -> Path:
    """A tiny company in up to three deliveries (ERP + CRM), for the crash and determinism tests.

    2025-03-31: customers C1..C3, product P1, invoices I1..I3 (1000, 800, 200), ledger GEN 30.
    2025-04-30: snapshot C1..C4, invoice I4 of C4 (500), payment of I1, ledger GEN 25, CRM account A1
                (= C1) and prospect A5 with one activity.
    2025-05-31: invoice I5 of C2 (300), a correction of I4/1 (450 instead of 500), ledger GEN 10.
    """
    root = Path(root)
    write_landing(root, DELIVERIES[0], {
        "erp_customers": [_customer(c) for c in ("C1", "C2", "C3")],
        "erp_products": [{"product_id": "P1", "product_name": "Bout", "product_group": "G1",
                          "unit_cost": D("60"), "list_price": D("100"), "is_active": True}],
        "erp_sales_invoices": [_invoice("I1", "C1", date(2025, 3, 5)), _invoice("I2", "C2", date(2025, 3, 6)),
                               _invoice("I3", "C3", date(2025, 3, 7))],
        "erp_sales_invoice_lines": [_line("I1", 1, "10", "100", "1000.00", "600.00"),
                                    _line("I2", 1, "8", "100", "800.00", "500.00"),
                                    _line("I3", 1, "2", "100", "200.00", "150.00")],
        "erp_gl_entries": [_gl("E1", date(2025, 3, 31), "30.00")],
    })
    if upto >= 2:
        name, coc, pc = PROSPECT
        write_landing(root, DELIVERIES[1], {
            "erp_customers": [_customer(c) for c in ("C1", "C2", "C3", "C4")],
            "erp_sales_invoices": [_invoice("I4", "C4", date(2025, 4, 10))],
            "erp_sales_invoice_lines": [_line("I4", 1, "5", "100", "500.00", "300.00")],
            "erp_payments": [{"payment_id": "PAY1", "invoice_id": "I1", "payment_date": date(2025, 4, 1),
                              "amount": D("1000.00")}],
            "erp_gl_entries": [_gl("E2", date(2025, 4, 30), "25.00")],
            "crm_accounts": [
                {"account_id": "A1", "erp_customer_id": "C1", "account_name": NAMES["C1"][0], "coc_number": NAMES["C1"][1],
                 "industry_code": "46", "employee_count": 20, "country": "NL", "postcode": NAMES["C1"][2],
                 "lead_source": "web", "owner": "Bram", "created_date": date(2020, 1, 1)},
                {"account_id": "A5", "erp_customer_id": None, "account_name": name, "coc_number": coc,
                 "industry_code": "46", "employee_count": 15, "country": "NL", "postcode": pc,
                 "lead_source": "event", "owner": "Bram", "created_date": date(2025, 4, 1)},
            ],
            "crm_activities": [{"activity_id": "ACT1", "account_id": "A5", "activity_type": "call",
                                "activity_date": date(2025, 4, 12), "duration_minutes": 20, "owner": "Bram",
                                "outcome": "contact"}],
        })
    if upto >= 3:
        write_landing(root, DELIVERIES[2], {
            "erp_sales_invoices": [_invoice("I5", "C2", date(2025, 5, 12))],
            "erp_sales_invoice_lines": [_line("I5", 1, "3", "100", "300.00", "200.00"),
                                        _line("I4", 1, "5", "90", "450.00", "300.00")],
            "erp_gl_entries": [_gl("E3", date(2025, 5, 31), "10.00")],
        })
    return root


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def mart_checksums(db: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content checksum of every mart (publish_log excluded)."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' and table_name <> 'publish_log' "
            "order by 1").fetchall()]
        return {
            t: con.execute(
                f"select count(*), md5(coalesce(string_agg(md5(cast(t as varchar)), '' "
                f"order by md5(cast(t as varchar))), '')) from marts.{t} as t").fetchone()
            for t in tables
        }


def ledger_consistent(warehouse: Path, landing: Path) -> None:
    """The ingest ledger agrees with raw: each file marked loaded has as many rows as the ledger says,
    every one of its keys is in raw (from this file, or replaced by a newer delivery), raw holds at
    most that many rows from it, and raw holds no row of a file that is not marked loaded."""
    from kansrijk.contract import TABLES
    from tests.support import DIALECT

    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.execute("select file_path, table_name, delivery, rows from raw._ingest_ledger "
                         "where status = 'loaded'").fetchall()
        for file_path, table, delivery, rows in loaded:
            t = TABLES[table]
            src = f"read_csv('{Path(landing) / file_path}', delim='{DIALECT[t.source][0]}', header=true, all_varchar=true)"
            on = " and ".join(f"cast(r.{k} as varchar) = trim(f.{k})" for k in t.key)
            assert con.execute(f"select count(*) from {src}").fetchone()[0] == rows, file_path
            lost = con.execute(f"select count(*) from {src} as f left join raw.{table} as r on {on} "
                           f"where r._delivery is null or r._delivery < '{delivery}'").fetchone()[0]
            assert lost == 0, f"{file_path}: {lost} row(s) marked loaded are not in raw"
            here = con.execute(f"select count(*) from raw.{table} where _file = '{file_path}'").fetchone()[0]
            assert here <= rows, file_path
        files = {f for f, *_ in loaded}
        for table in TABLES:
            stray = [f for (f,) in con.execute(f"select distinct _file from raw.{table}").fetchall() if f not in files]
            assert not stray, f"raw.{table} holds rows of {stray}, not marked loaded"


def cli_env(data_dir: Path, landing: Path, **settings: str) -> dict[str, str]:
    """The environment of a `python -m kansrijk.refresh` child: this process's without its KANSRIJK_*,
    the data directory and landing folder, and the tests' settings (tests.support.TEST_SETTINGS)
    with `settings` over them, as KANSRIJK_<NAME>."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("KANSRIJK_")}
    e.update({"KANSRIJK_DATA_DIR": str(data_dir), "KANSRIJK_LANDING": str(landing)})
    e.update(refresh_environment(**settings))
    return e


def refresh_cli(data_dir: Path, landing: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """`python -m kansrijk.refresh` in a subprocess, as a scheduler would run it (:func:`cli_env`)."""
    return subprocess.run([sys.executable, "-m", "kansrijk.refresh", *args], cwd=REPO_ROOT,
                          env=cli_env(data_dir, landing, **settings), capture_output=True, text=True, timeout=900)


# ------------------------------------------------------------------ the accepted faults

INV_HDR = "invoice_id;customer_id;invoice_date;due_date;currency;order_channel;is_credit_note;sales_rep"
LINE_HDR = "invoice_id;line_no;product_id;quantity;unit_price;discount_pct;net_amount;cost_amount"
PAY_HDR = "payment_id;invoice_id;payment_date;amount"


def put(landing: Path, delivery: str, name: str, text: str | bytes) -> Path:
    p = Path(landing) / delivery / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """The published build of the accepted faults; returns (settings, landing, first ingest, last refresh)."""
    base = tmp_path_factory.mktemp("faults_accepted")
    landing = base / "landing"
    company(landing, upto=1)
    # reordered columns (invoice I5 = credit note of C2, I6 = new invoice of C1)
    put(landing, "2025-04-30", "erp_sales_invoices.csv",
        "sales_rep;is_credit_note;order_channel;currency;due_date;invoice_date;customer_id;invoice_id\n"
        "R1;true;web;EUR;;2025-04-20;C2;I5\n"
        "R1;false;edi;EUR;2025-05-02;2025-04-02;C1;I6\n")
    # extra unknown column; thousands separators with decimal commas; an orphan line (I9)
    put(landing, "2025-04-30", "erp_sales_invoice_lines.csv",
        LINE_HDR + ";remark\n"
        "I5;1;P1;-10;100;0;-1000,00;-600,00;credit larger than I2\n"
        "I6;1;P1;12;102,88;0;1.234,56;1.000,00;thousands\n"
        "I9;1;P1;1;70;0;70,00;40,00;invoice never sent\n")
    # the customer snapshot re-sends C3 under a new key C3X (same company)
    write_landing(landing, "2025-04-30", {
        "erp_customers": [_customer("C1"), _customer("C2"), _customer("C3X", name_of="C3")]})
    put(landing, "2025-04-30", "erp_payments.csv", PAY_HDR + "\n")  # header only
    # odd names: a folder that is no delivery, a file that is no contract table, a stray text file
    put(landing, "extract-april", "erp_products.csv", "product_id;product_name\nPX;x\n")
    put(landing, "2025-04-30", "erp_sales_invoices_backup.csv", INV_HDR + "\nIX;C1;2025-04-01;;EUR;web;false;R1\n")
    put(landing, "2025-04-30", "notes.txt", "sent by the ERP team\n")
    # the newer delivery: a correction of I1/1 and of I1's header
    put(landing, "2025-05-31", "erp_sales_invoice_lines.csv", LINE_HDR + "\nI1;1;P1;11;100;0;1100,00;650,00\n")
    put(landing, "2025-05-31", "erp_sales_invoices.csv", INV_HDR + "\nI1;C1;2025-03-05;;EUR;edi;false;R2\n")
    with kansrijk_env(base / "data", landing) as s:
        settings_mod.check(s)
        first = ingest.ingest_landing(s, build_docs=False)
        # the older delivery arrives after the newer one: stale I1/1 and I1 header, new line I1/2
        put(landing, "2025-04-15", "erp_sales_invoice_lines.csv",
            LINE_HDR + "\nI1;1;P1;1;5;0;5,00;3,00\nI1;2;P1;1;50;0;50,00;20,00\n")
        put(landing, "2025-04-15", "erp_sales_invoices.csv", INV_HDR + "\nI1;C1;2025-03-05;;EUR;phone;false;R-OLD\n")
        logged: list[str] = []
        result = refresh_mod.refresh(s, log=logged.append, quiet=True)
    return s, landing, first, result, "\n".join(logged)


def q(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def profit(s, where: str = "true") -> dict:
    return {(k, m.isoformat()): (r, c, g) for k, m, r, c, g in q(
        s.serving, "select customer_key, month, revenue, cost_of_goods, gross_margin "
                   f"from marts.mart_customer_profitability where {where} and (revenue <> 0 or cost_of_goods <> 0)")}


def test_accepted_faults_load_without_quarantine(accepted) -> None:
    s, _, first, result, logged = accepted
    assert first.ok, first.summary()
    assert not list(s.quarantine.rglob("*.csv"))
    assert "0 quarantined" in logged


def test_reordered_columns_are_mapped_by_name(accepted) -> None:
    s, *_ = accepted
    assert q(s.warehouse, "select invoice_id, customer_id, invoice_date, due_date, order_channel, is_credit_note "
                          "from raw.erp_sales_invoices where invoice_id in ('I5', 'I6') order by 1") == [
        ("I5", "C2", date(2025, 4, 20), None, "web", True), ("I6", "C1", date(2025, 4, 2), date(2025, 5, 2), "edi", False)]


def test_extra_column_is_a_warning_and_ignored(accepted) -> None:
    s, _, first, *_ = accepted
    msg = "erp_sales_invoice_lines.csv in delivery 2025-04-30: extra column(s) remark not in the contract were ignored."
    assert msg in first.warnings
    cols = [r[0] for r in q(s.warehouse, "select column_name from information_schema.columns "
                                         "where table_schema = 'raw' and table_name = 'erp_sales_invoice_lines'")]
    assert "remark" not in cols


def test_thousands_separator_with_decimal_comma(accepted) -> None:
    s, *_ = accepted
    assert q(s.warehouse, "select net_amount, cost_amount from raw.erp_sales_invoice_lines where invoice_id = 'I6'") == [
        (D("1234.56"), D("1000.00"))]
    # C1 April in the marts: 1234.56 revenue - 1000.00 cost of goods = 234.56 gross margin
    assert profit(s)[("erp:C1", "2025-04-01")] == (D("1234.56"), D("1000.00"), D("234.56"))


def test_header_only_file_loads_zero_rows(accepted) -> None:
    s, *_ = accepted
    # loaded with 0 rows by the first ingest; the refresh's ingest saw the same checksum again
    assert q(s.warehouse, "select status, rows from raw._ingest_ledger where file_path = '2025-04-30/erp_payments.csv' "
                          "order by loaded_at") == [("loaded", 0), ("skipped_duplicate", 0)]


def test_odd_folder_and_file_names_are_warnings_left_alone(accepted) -> None:
    s, landing, first, *_ = accepted
    assert ("Folder extract-april is not a delivery name (YYYY-MM-DD or YYYY-MM-DDTHHMM) and was skipped."
            in first.warnings)
    assert "2025-04-30/erp_sales_invoices_backup.csv is not a contract table and was left alone." in first.warnings
    assert ("2025-04-30/notes.txt has an unknown extension (expected .csv or .parquet) and was left alone."
            in first.warnings)
    for p in ("extract-april/erp_products.csv", "2025-04-30/erp_sales_invoices_backup.csv", "2025-04-30/notes.txt"):
        assert (landing / p).exists()  # left where it was
    assert q(s.warehouse, "select count(*) from raw.erp_products where product_id = 'PX'") == [(0,)]
    assert q(s.warehouse, "select count(*) from raw.erp_sales_invoices where invoice_id = 'IX'") == [(0,)]


def test_orphan_line_is_kept_under_unknown_and_reconciles(accepted) -> None:
    s, *_ = accepted
    # the orphan I9/1 is dated by its delivery (2025-04-30 -> April) under customer_key 'unknown'
    assert profit(s, "customer_key = 'unknown'") == {("unknown", "2025-04-01"): (D("70.00"), D("40.00"), D("30.00"))}
    assert q(s.serving, "select company_name from marts.dim_customer where customer_key = 'unknown'") == [
        ("(unknown customer: orphan invoice lines)",)]
    # revenue still reconciles: 2454.56 in raw = 2454.56 in the mart (see the module docstring)
    assert q(s.serving, "select sum(revenue), sum(cost_of_goods) from marts.mart_customer_profitability") == [
        (D("2454.56"), D("1670.00") + D("500.00") - D("600.00") + D("150.00") + D("40.00"))]
    assert q(s.warehouse, "select sum(net_amount) from raw.erp_sales_invoice_lines") == [(D("2454.56"),)]


def test_orphan_line_is_reported_by_the_refresh(accepted) -> None:
    _, _, _, result, _ = accepted
    assert any(w.startswith("Orphan invoice lines: 70.00 EUR revenue") for w in result.warnings), result.warnings


def test_customer_resent_with_a_new_key(accepted) -> None:
    s, *_ = accepted
    # raw keeps C3 (flagged deleted by the snapshot that lacks it) beside the new key C3X
    assert q(s.warehouse, "select customer_id, _delivery, _is_deleted from raw.erp_customers order by 1") == [
        ("C1", "2025-04-30", False), ("C2", "2025-04-30", False),
        ("C3", "2025-03-31", True), ("C3X", "2025-04-30", False)]
    rows = q(s.serving, "select customer_key, company_name, is_archived_in_erp, invoices from marts.dim_customer "
                        "where customer_key in ('erp:C3', 'erp:C3X') order by 1")
    assert rows == [("erp:C3", "Charlie Bouw BV", True, 1), ("erp:C3X", "Charlie Bouw BV", False, 0)]
    # C3's history stays on the old key: March 200.00 revenue - 150.00 cost = 50.00
    assert profit(s, "customer_key like 'erp:C3%'") == {("erp:C3", "2025-03-01"): (D("200.00"), D("150.00"), D("50.00"))}


def test_credit_note_larger_than_its_invoice(accepted) -> None:
    s, *_ = accepted
    p = profit(s, "customer_key = 'erp:C2'")
    assert p == {("erp:C2", "2025-03-01"): (D("800.00"), D("500.00"), D("300.00")),
                 ("erp:C2", "2025-04-01"): (D("-1000.00"), D("-600.00"), D("-400.00"))}
    # 800 - 1000 = -200.00 revenue, 500 - 600 = -100.00 cost of goods over the customer's life
    assert q(s.serving, "select sum(revenue), sum(cost_of_goods) from marts.mart_customer_profitability "
                        "where customer_key = 'erp:C2'") == [(D("-200.00"), D("-100.00"))]


def test_older_delivery_arriving_late_does_not_overwrite(accepted) -> None:
    s, *_ = accepted
    assert q(s.warehouse, "select line_no, net_amount, _delivery from raw.erp_sales_invoice_lines "
                          "where invoice_id = 'I1' order by 1") == [
        (1, D("1100.00"), "2025-05-31"), (2, D("50.00"), "2025-04-15")]
    assert q(s.warehouse, "select order_channel, sales_rep, _delivery from raw.erp_sales_invoices "
                          "where invoice_id = 'I1'") == [("edi", "R2", "2025-05-31")]
    # C1 March: 1100.00 + 50.00 = 1150.00 revenue, 650 + 20 = 670.00 cost of goods
    assert profit(s)[("erp:C1", "2025-03-01")] == (D("1150.00"), D("670.00"), D("480.00"))


# ------------------------------------------------------------------ the quarantined faults


@pytest.fixture()
def published(accepted, tmp_path):
    """A private copy of the accepted build (data dir and landing), its serving sha256 and raw."""
    data, landing = copy_build(accepted[0], tmp_path), tmp_path / "landing"
    with kansrijk_env(data, landing) as s:
        yield s, landing, sha256(s.serving), raw_snapshot(s.warehouse)


def raw_snapshot(warehouse: Path) -> dict:
    from kansrijk.contract import TABLES

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select * exclude (_loaded_at) from raw.{t} order by all").fetchall() for t in TABLES}


def quarantined(published, delivery: str, name: str, content: str | bytes, *expect: str) -> str:
    """Drop one bad file, run the refresh: it must stop, quarantine the file and change nothing else."""
    s, landing, serving_sha, raw_before = published
    put(landing, delivery, name, content)
    with pytest.raises(refresh_mod.RefreshError) as e:
        refresh_mod.refresh(s, log=lambda *_: None, quiet=True)
    msg = str(e.value)
    assert msg.startswith(f"1 file(s) quarantined, first: {name} in delivery {delivery}: "), msg
    assert msg.endswith("the serving copy was left as it was."), msg
    for x in expect:
        assert x in msg, msg
    dest = s.quarantine / delivery / name
    assert dest.exists() and not (landing / delivery / name).exists()
    error = Path(f"{dest}.error.txt").read_text(encoding="utf-8").strip()
    assert error.startswith(f"{name} in delivery {delivery}: ") and error in msg
    assert sha256(s.serving) == serving_sha
    assert raw_snapshot(s.warehouse) == raw_before
    assert q(s.warehouse, f"select status from raw._ingest_ledger where file_path = '{delivery}/{name}'") == [
        ("quarantined",)]
    return msg


def test_truncated_csv_cut_mid_row(published) -> None:
    text = LINE_HDR + "\nI7;1;P1;1;10;0;10,00;6,00\nI7;2;P1;3;1"  # the extract stopped mid-row
    quarantined(published, "2025-06-30", "erp_sales_invoice_lines.csv", text,
                "the file cannot be read as CSV with delimiter ';' at line 3")


def test_truncated_csv_cut_inside_a_quoted_value(published) -> None:
    text = INV_HDR + '\nI7;C1;2025-06-01;;EUR;web;false;"Jan de'
    quarantined(published, "2025-06-30", "erp_sales_invoices.csv", text,
                "the file cannot be read as CSV with delimiter ';'")


def test_parquet_file_that_is_not_parquet(published) -> None:
    quarantined(published, "2025-06-30", "erp_products.parquet", "product_id;product_name\nP1;Bout\n",
                "erp_products.parquet in delivery 2025-06-30: the file cannot be read as Parquet")


def test_renamed_columns(published) -> None:
    text = INV_HDR.replace("invoice_id", "factuurnummer").replace("invoice_date", "factuurdatum") + \
        "\nI7;C1;2025-06-01;;EUR;web;false;R1\n"
    quarantined(published, "2025-06-30", "erp_sales_invoices.csv", text,
                "column invoice_id, invoice_date fails 'required column present': missing from the header "
                "(found: factuurnummer, customer_id, factuurdatum, due_date")


def test_dates_in_another_format(published) -> None:
    text = INV_HDR + "\nI7;C1;31-12-2025;;EUR;web;false;R1\nI8;C1;2025-06-01;01-07-2025;EUR;web;false;R1\n"
    quarantined(published, "2025-06-30", "erp_sales_invoices.csv", text,
                "column invoice_date fails 'ISO date YYYY-MM-DD' on 1 row, e.g. 31-12-2025 (row 1)",
                "column due_date fails 'ISO date YYYY-MM-DD' on 1 row, e.g. 01-07-2025 (row 2)")


def test_empty_file(published) -> None:
    quarantined(published, "2025-06-30", "erp_sales_invoices.csv", b"",
                "the file is empty (0 bytes), expected at least a header row")


def test_a_good_file_beside_a_bad_one_waits_for_the_next_run(published) -> None:
    """The bad file stops the refresh; the good one is in raw but unpublished until a clean run."""
    s, landing, serving_sha, _ = published
    put(landing, "2025-06-30", "erp_sales_invoice_lines.csv", LINE_HDR + "\nI1;3;P1;1;10;0;10,00;6,00\n")
    put(landing, "2025-06-30", "erp_sales_invoices.csv", b"")
    with pytest.raises(refresh_mod.RefreshError):
        refresh_mod.refresh(s, log=lambda *_: None, quiet=True)
    assert sha256(s.serving) == serving_sha
    assert q(s.warehouse, "select net_amount from raw.erp_sales_invoice_lines where invoice_id = 'I1' and line_no = 3") == [
        (D("10.00"),)]


def test_cli_exits_non_zero_on_quarantine(published) -> None:
    s, landing, serving_sha, _ = published
    put(landing, "2025-06-30", "erp_sales_invoices.csv", INV_HDR + "\nI7;C1;31-12-2025;;EUR;web;false;R1\n")
    out = refresh_cli(s.data_dir, landing)
    assert out.returncode == 1, out.stdout + out.stderr
    assert ("kansrijk: 1 file(s) quarantined, first: erp_sales_invoices.csv in delivery 2025-06-30: column "
            "invoice_date fails 'ISO date YYYY-MM-DD' on 1 row, e.g. 31-12-2025 (row 1).") in out.stderr
    assert sha256(s.serving) == serving_sha


# ------------------------------------------------------------------ a mart off raw fails its reconciliation test

IDENTITIES = (  # the marts' reconciliations to raw: dbt tests named by their sentence (kansrijk/publish.py)
    "revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines",
    "ledger_costs_of_mart_cost_reconciliation_equal_raw_ledger_entries",
    "allocated_plus_unused_capacity_plus_unallocated_costs_equal_raw_ledger_entries",
    "cost_to_serve_of_mart_customer_profitability_equals_allocated_ledger_costs",
)


def test_a_mart_off_raw_fails_its_reconciliation_test_by_name(published) -> None:
    """C2's March revenue in the built customer P&L is mistyped as 80.00 instead of 800.00 (tampered
    behind dbt's back in core.fct_customer_pnl_monthly, which mart_customer_profitability serves). The four reconciliations, run as the dbt build runs them, stop on the invoice-line one
    alone, by its name, on its revenue row alone, with the figures by hand: raw revenue 2454.56 (module
    docstring) against the mart's 2454.56 - 720.00 = 1734.56; cost of goods and the line count (same
    test), the ledger and cost to serve still reconcile.
    A failed test raises the refresh's RefreshError, so the publish after it never runs."""
    s, _, serving_sha, _ = published
    with duckdb.connect(str(s.warehouse)) as con:
        con.execute("update core.fct_customer_pnl_monthly set revenue = 80.00 "
                    "where customer_key = 'erp:C2' and month = date '2025-03-01'")
    with pytest.raises(refresh_mod.RefreshError) as e:
        run_dbt(s, "test", "--select", *IDENTITIES, quiet=True)
    results = last_results(s)
    assert {r["unique_id"].split(".")[2] for r in results["results"]} == set(IDENTITIES)
    ((uid, msg),) = failures(results)
    assert uid.split(".")[2] == "revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines"
    assert str(e.value) == (f"dbt test failed at {uid} ({msg}); the serving copy was left as it was.")
    compiled = next(r["compiled_code"] for r in results["results"] if r["unique_id"] == uid)
    assert q(s.warehouse, f"select amount, model_total, raw_total from ({compiled}) as t") == [
        ("revenue", D("1734.56"), D("2454.56"))]
    assert sha256(s.serving) == serving_sha


def test_the_invoice_line_reconciliation_converts_other_currencies_on_its_own(published) -> None:
    """The raw side of the invoice-line reconciliation converts invoices in other currencies itself.
    Raw is changed behind the models' back (they still hold everything at 1): I2 (2025-03-06) in
    ' usd ', I6 (2025-04-02) in USD, I3 (2025-03-07) in GBP, the credit note I5 in CHF; the seed
    gets USD 2025-03 0.90, USD without a month 0.95 and GBP without a month 1.17 (none for CHF).
    By hand (module docstring for the lines):
      revenue  1150.00 (I1, EUR) + 1234.56 x 0.95 = 1172.83 (I6) + 800.00 x 0.90 = 720.00 (I2)
               + 0 (I5, no rate) + 200.00 x 1.17 = 234.00 (I3) + 70.00 (orphan I9, at 1) = 3346.83
      cost     670.00 + 1000.00 x 0.95 = 950.00 + 500.00 x 0.90 = 450.00 + 0 + 150.00 x 1.17 = 175.50
               + 40.00 = 2285.50
    against the mart's 2454.56 and 1760.00 (670 + 1000 + 500 - 600 + 150 + 40); the 7 lines still
    match, so that identity holds."""
    s, _, _, _ = published
    name = "revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines"
    with duckdb.connect(str(s.warehouse)) as con:
        for invoice, currency in (("I2", " usd "), ("I6", "USD"), ("I3", "GBP"), ("I5", "CHF")):
            con.execute("update raw.erp_sales_invoices set currency = ? where invoice_id = ?", [currency, invoice])
        con.execute("insert into reference.currency_rates (currency, month, eur_per_unit) "
                    "values ('USD', date '2025-03-01', 0.90), ('USD', null, 0.95), ('GBP', null, 1.17)")
    with pytest.raises(refresh_mod.RefreshError):
        run_dbt(s, "test", "--select", name, quiet=True)
    (result,) = last_results(s)["results"]
    assert q(s.warehouse, f"select amount, model_total, raw_total from ({result['compiled_code']}) as t order by 1") == [
        ("cost_of_goods", D("1760.00"), D("2285.50")), ("revenue", D("2454.56"), D("3346.83"))]


# ------------------------------------------------------------------ a broken row rule is named, with its rows

def test_a_broken_row_rule_is_named_with_its_row_count(published) -> None:
    """A model's row rules are one test (`row_rules`, macros/generic_tests.sql); when it fails, the
    refresh's error names each broken rule and how many rows break it, not dbt's "Got 2 results".

    Tampered in the built warehouse: dim_customer's first company (by key) gets lifecycle_status
    'sleeping' and the next two a null segment_key; in mart_segment_scorecard one scored segment
    gets historical_score 120, a gross margin 1.00 off revenue - cost of goods, and
    has_customers = false (a segment without customers has no score). By hand: dim_customer breaks
    two rules (1 row, 2 rows), the scorecard three (1 row each); its other rules still hold."""
    s, _, serving_sha, _ = published
    with duckdb.connect(str(s.warehouse)) as con:
        keys = [r[0] for r in con.execute("select customer_key from marts.dim_customer order by customer_key limit 3").fetchall()]
        con.execute(f"update marts.dim_customer set lifecycle_status = 'sleeping' where customer_key = '{keys[0]}'")
        con.execute(f"update marts.dim_customer set segment_key = null where customer_key in ('{keys[1]}', '{keys[2]}')")
        (segment,) = con.execute("select min(segment_key) from marts.mart_segment_scorecard "
                                 "where has_customers and historical_score is not null").fetchone()
        con.execute("update marts.mart_segment_scorecard set historical_score = 120, gross_margin = gross_margin + 1, "
                    f"has_customers = false where segment_key = '{segment}'")
    with pytest.raises(refresh_mod.RefreshError) as e:
        run_dbt(s, "test", "--select", "test_name:row_rules,dim_customer",
                "test_name:row_rules,mart_segment_scorecard", quiet=True)
    results = last_results(s)
    assert len(results["results"]) == 2
    named = {("dim_customer" if "dim_customer" in uid else "scorecard"): msg
             for uid, msg in failures(results, s.warehouse)}
    assert named == {
        "dim_customer": "broken rules: lifecycle_status in ('prospect', 'active', 'lapsed', 'ex_customer') (1 row); "
                        "segment_key is not null (2 rows)",
        "scorecard": "broken rules: gross_margin = revenue - cost_of_goods (1 row); "
                     "historical_score >= 0 and historical_score <= 100 (1 row); "
                     "historical_score is null where not has_customers (1 row)"}
    first_uid, first_msg = failures(results, s.warehouse)[0]
    assert str(e.value) == f"dbt test failed at {first_uid} ({first_msg}) and 1 more; the serving copy was left as it was."
    # without the warehouse, dbt's own count of broken rules
    assert sorted(m for _, m in failures(results)) == ["Got 2 results, configured to fail if != 0",
                                                        "Got 3 results, configured to fail if != 0"]
    assert sha256(s.serving) == serving_sha


# ------------------------------------------------------------------ raw keys: a daily build checks what was loaded since

def test_a_daily_build_checks_the_raw_keys_loaded_since_the_last_tested_build(published) -> None:
    """The key test of a raw table (`unique_raw_key`) checks, on an incremental `dbt build`, only the
    keys of rows loaded after the last whole-project build that passed, each against the whole
    table; `dbt test` checks every key; a build that fails does not move the mark.

    The refresh of the published copy recorded its loads as tested: raw._tested_loads holds one
    row, tested_through = the newest loaded_at of the ledger (W). Then two duplicates are put into
    raw.erp_sales_invoices by hand: a copy of the first invoice (by id) loaded at W, as if an
    earlier load had left it (a load the mark says was tested), and a copy of the second loaded at
    W + 1 hour. The build's key test finds 1 duplicate key (the second invoice), `dbt test` 2; a
    refresh then stops at that test, and the mark and the serving copy stay as they were."""
    s, _, serving_sha, _ = published
    with duckdb.connect(str(s.warehouse)) as con:
        assert con.execute("select count(*), max(tested_through) = (select max(loaded_at) from raw._ingest_ledger "
                           "where status = 'loaded') from raw._tested_loads").fetchall() == [(1, True)]
        (w,) = con.execute("select max(tested_through) from raw._tested_loads").fetchall()[0]
        first, second = [r[0] for r in con.execute(
            "select invoice_id from raw.erp_sales_invoices order by invoice_id limit 2").fetchall()]
        con.execute("insert into raw.erp_sales_invoices select * replace (? as _loaded_at) "
                    "from raw.erp_sales_invoices where invoice_id = ?", [w, first])
        con.execute("insert into raw.erp_sales_invoices select * replace (? + interval 1 hour as _loaded_at) "
                    "from raw.erp_sales_invoices where invoice_id = ?", [w, second])

    def key_test() -> tuple[str, int]:
        (r,) = [r for r in last_results(s)["results"] if "unique_raw_key_erp_erp_sales_invoices" in r["unique_id"]]
        return r["status"], r["failures"]

    with pytest.raises(refresh_mod.RefreshError):
        run_dbt(s, "build", "--select", "source:erp.erp_sales_invoices", quiet=True)
    assert key_test() == ("fail", 1)
    with pytest.raises(refresh_mod.RefreshError):
        run_dbt(s, "test", "--select", "source:erp.erp_sales_invoices", quiet=True)
    assert key_test() == ("fail", 2)
    with pytest.raises(refresh_mod.RefreshError, match="unique_raw_key_erp_erp_sales_invoices"):
        refresh_mod.refresh(s, log=lambda *_: None, quiet=True)
    assert key_test() == ("fail", 1)
    assert q(s.warehouse, "select count(*), max(tested_through) from raw._tested_loads") == [(1, w)]
    assert sha256(s.serving) == serving_sha
