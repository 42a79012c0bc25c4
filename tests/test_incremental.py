"""Incremental refresh = full refresh: the incremental models give exactly the tables of a rebuild.

The large facts and the per-customer-month aggregates are dbt incremental models
(macros/incremental.sql). A hand-made company arrives in three deliveries; after the first one
the warehouse is built from scratch, after each later one dbt rebuilds incrementally. Then
`dbt run --full-refresh` rebuilds everything from raw. Every table in `intermediate` and `marts`
must hold the same rows either way (count + order-independent checksum; the incremental
bookkeeping columns excluded; doubles rounded to 6 decimals, as their sums may differ in the last
bit with the order of addition).

What the deliveries do to old invoices (the latest-wins rule upstream):
  2025-01-31  customers C1..C3; products P1 (G1), P2 (G2)
              I1 C1 2025-01-10: 1/P1 1000.00 (cogs 600.00), 2/P2 200.00 (100.00)
              I2 C2 2025-01-15: 1/P1 500.00 (300.00)
              I3 C1 2024-12-20: 1/P2 300.00 (200.00)
              orphan line I9/1 P1 50.00 (30.00): its invoice has not arrived
              due dates: I1 2025-01-12, I2 2025-01-20, I3 2025-01-05; payment PAY2 1200.00 for I1
              on 2025-01-21 (it completes I1)
  2025-02-28  new invoice I4 C3 2025-02-05 (due 2025-02-07): 1/P1 700.00 (400.00)
              late correction of I1/2: 250.00 (120.00)
              I2 re-sent with customer C3 (the header moves the invoice to another customer)
              product snapshot with P2 moved to group G1
              PAY2 re-sent: 500.00 for I2 (the payment moves to another invoice); PAY1 1250.00 for I1
              on 2025-01-31
  2025-02-15  (arrives after 2025-02-28) an older version of I1/2, 999.00: loses to 2025-02-28
              shipments S1 of I1 (no customer of its own) 2025-01-11 freight 10.00, S2 of I2 (none either)
              2025-01-16 express freight 20.00; CRM accounts A1 (= C1) and A2 (no ERP customer yet),
              activities ACT1 A1 visit 2025-01-20 30 min, ACT2 A2 call 2025-01-22 15 min;
              ledger E1 2025-01-31 30.00
  2025-02-28  ... activity ACT3 A1 call 2025-02-10 10 min; ledger E2 25.00
  2025-03-31  invoice I9 arrives for C2, 2025-03-02, due 2025-03-10 (the orphan gets its customer)
              I3/1 corrected to 350.00 (220.00); new invoice I5 C1 2025-03-20: 1/P2 400.00 (250.00)
              shipment S3 of C1 itself 2025-03-05 freight 5.00; account A2 now linked to C2;
              ledger E1 corrected to 35.00, E3 10.00
              payments PAY3A 300.00 and PAY3B 50.00 for I3 and PAY4 700.00 for I4, all on 2025-02-10

Expected, by hand (revenue; cost of goods):
  erp:C1  I1/1 1000 + I1/2 250 + I3/1 350 + I5/1 400 = 2000.00;  600 + 120 + 220 + 250 = 1190.00
  erp:C2  I9/1 50.00 (dated 2025-03-02);                            30.00
  erp:C3  I2/1 500 (moved from C2) + I4/1 700 = 1200.00;            300 + 400 = 700.00
  unknown nothing left (the orphan found its invoice)
  total 2000 + 50 + 1200 = 3250.00 = the sum of net_amount over raw's current lines
  every line is in product group G1 (P2 moved)
  per customer-month operations (shipments, express, freight; activity, visit minutes):
  erp:C1  2025-01: 1, 0, 10.00; 30, 30 (S1 via I1; ACT1)   2025-02: 0, 0, null; 10, 0 (ACT3)
          2025-03: 1, 0, 5.00; 0, 0 (S3)
  erp:C2  2025-01: 0, 0, null; 15, 0 (ACT2, once A2 is linked to C2; before that crm:A2)
  erp:C3  2025-01: 1, 1, 20.00; 0, 0 (S2 via I2, which moved from C2)
  ledger  30 + 25 + 10 = 65.00 before the correction of E1; 35 + 25 + 10 = 70.00 after
  overdue days (as-of = the latest invoice or activity date: 2025-01-22, 2025-02-10, 2025-03-20),
  from the day after the due date to the completing payment or the as-of date:
    run 1  I1 01-13..01-21 (PAY2): Jan 9; I2 01-21..22: Jan 2, open; I3 01-06..22: Jan 17, open
    run 2  I1 total 1250, PAY2 gone, PAY1 completes it: Jan 19 (01-13..31); I2 (now C3) completed by
           PAY2 on 01-21: Jan 1; I3 still open: Jan 26, Feb 10 (its range only grew);
           I4 02-08..10: Feb 3, open
    run 3  I3 total 350, completed by PAY3A + PAY3B on 02-10: Jan 26, Feb 10 (days as before);
           I4 completed by PAY4 on 02-10: Feb 3; I9 03-11..20: Mar 10, open; I1 and I2 unchanged.
    February's days (13) are the same in runs 2 and 3.
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from kansrijk import refresh as refresh_mod, settings as settings_mod
from kansrijk.runtime import RefreshError
from kansrijk.ingest import ingest_landing
from tests.support import kansrijk_env, write_landing
from tests.test_faults_input import _customer, _gl, _invoice

BOOKKEEPING = {"source_loaded_at", "prior_customer_key", "prior_invoice_id", "loaded_at", "built_at", "inputs_fingerprint"}


def _line(iid: str, no: int, product: str, net: str, cost: str) -> dict:
    return {"invoice_id": iid, "line_no": no, "product_id": product, "quantity": D("1"), "unit_price": D(net),
            "discount_pct": D("0"), "net_amount": D(net), "cost_amount": D(cost)}


def _due(invoice: dict, due: date) -> dict:
    return {**invoice, "due_date": due}


def _payment(pid: str, iid: str, day: date, amount: str) -> dict:
    return {"payment_id": pid, "invoice_id": iid, "payment_date": day, "amount": D(amount)}


def _shipment(sid: str, iid: str | None, cid: str | None, day: date, freight: str, express: bool = False) -> dict:
    return {"shipment_id": sid, "invoice_id": iid, "customer_id": cid, "ship_date": day, "package_count": 1,
            "is_express": express, "freight_cost": D(freight)}


def _account(aid: str, customer: str | None, coc: str) -> dict:
    return {"account_id": aid, "erp_customer_id": customer, "account_name": f"Account {aid}", "coc_number": coc,
            "industry_code": "46", "employee_count": 20, "country": "NL", "postcode": "1011AB",
            "lead_source": "web", "owner": "Bram", "created_date": date(2020, 1, 1)}


def _activity(aid: str, account: str, kind: str, day: date, minutes: int) -> dict:
    return {"activity_id": aid, "account_id": account, "activity_type": kind, "activity_date": day,
            "duration_minutes": minutes, "owner": "Bram", "outcome": "contact"}


def _products(p2_group: str) -> list[dict]:
    return [{"product_id": "P1", "product_name": "Bout", "product_group": "G1", "unit_cost": D("60"),
             "list_price": D("100"), "is_active": True},
            {"product_id": "P2", "product_name": "Moer", "product_group": p2_group, "unit_cost": D("40"),
             "list_price": D("80"), "is_active": True}]


DELIVERIES = {
    "2025-01-31": {
        "erp_customers": [_customer(c) for c in ("C1", "C2", "C3")],
        "erp_products": _products("G2"),
        "erp_sales_invoices": [_due(_invoice("I1", "C1", date(2025, 1, 10)), date(2025, 1, 12)),
                               _due(_invoice("I2", "C2", date(2025, 1, 15)), date(2025, 1, 20)),
                               _due(_invoice("I3", "C1", date(2024, 12, 20)), date(2025, 1, 5))],
        "erp_payments": [_payment("PAY2", "I1", date(2025, 1, 21), "1200.00")],
        "erp_sales_invoice_lines": [_line("I1", 1, "P1", "1000.00", "600.00"), _line("I1", 2, "P2", "200.00", "100.00"),
                                    _line("I2", 1, "P1", "500.00", "300.00"), _line("I3", 1, "P2", "300.00", "200.00"),
                                    _line("I9", 1, "P1", "50.00", "30.00")],
        "erp_gl_entries": [_gl("E1", date(2025, 1, 31), "30.00")],
        "erp_shipments": [_shipment("S1", "I1", None, date(2025, 1, 11), "10.00"),
                          _shipment("S2", "I2", None, date(2025, 1, 16), "20.00", express=True)],
        "crm_accounts": [_account("A1", "C1", "11111111"), _account("A2", None, "99999999")],
        "crm_activities": [_activity("ACT1", "A1", "visit", date(2025, 1, 20), 30),
                           _activity("ACT2", "A2", "call", date(2025, 1, 22), 15)],
    },
    "2025-02-28": {
        "erp_customers": [_customer(c) for c in ("C1", "C2", "C3")],
        "erp_products": _products("G1"),
        "erp_sales_invoices": [_due(_invoice("I4", "C3", date(2025, 2, 5)), date(2025, 2, 7)),
                               _due(_invoice("I2", "C3", date(2025, 1, 15)), date(2025, 1, 20))],
        "erp_payments": [_payment("PAY2", "I2", date(2025, 1, 21), "500.00"),
                         _payment("PAY1", "I1", date(2025, 1, 31), "1250.00")],
        "erp_sales_invoice_lines": [_line("I4", 1, "P1", "700.00", "400.00"), _line("I1", 2, "P2", "250.00", "120.00")],
        "erp_gl_entries": [_gl("E2", date(2025, 2, 28), "25.00")],
        "crm_activities": [_activity("ACT3", "A1", "call", date(2025, 2, 10), 10)],
    },
    "2025-02-15": {
        "erp_sales_invoice_lines": [_line("I1", 2, "P2", "999.00", "1.00")],
    },
    "2025-03-31": {
        "erp_sales_invoices": [_due(_invoice("I9", "C2", date(2025, 3, 2)), date(2025, 3, 10)),
                               _invoice("I5", "C1", date(2025, 3, 20))],
        "erp_payments": [_payment("PAY3A", "I3", date(2025, 2, 10), "300.00"),
                         _payment("PAY3B", "I3", date(2025, 2, 10), "50.00"),
                         _payment("PAY4", "I4", date(2025, 2, 10), "700.00")],
        "erp_sales_invoice_lines": [_line("I3", 1, "P2", "350.00", "220.00"), _line("I5", 1, "P2", "400.00", "250.00")],
        "erp_gl_entries": [_gl("E3", date(2025, 3, 31), "10.00"), _gl("E1", date(2025, 1, 31), "35.00")],
        "erp_shipments": [_shipment("S3", None, "C1", date(2025, 3, 5), "5.00")],
        "crm_accounts": [_account("A1", "C1", "11111111"), _account("A2", "C2", "99999999")],
    },
}
STEPS = (("2025-01-31",), ("2025-02-28", "2025-02-15"), ("2025-03-31",))


def checksums(warehouse) -> dict[str, tuple]:
    """Row count and content checksum of every core, intermediate and mart table (a mart that is a
    view serves a core table, compared here), its columns taken by name: a column an incremental run
    added to an older table comes last."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where schema_name in ('core', 'intermediate', 'marts') and table_name <> 'publish_log' "
                             "order by 1, 2").fetchall()
        for schema, table in tables:
            cols = [f'round("{c}", 6)' if typ == "DOUBLE" else f'"{c}"' for c, typ in con.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_name", [schema, table]).fetchall() if c not in BOOKKEEPING]
            out[f"{schema}.{table}"] = con.execute(
                f"select count(*), md5(coalesce(string_agg(md5(cast(r as varchar)), '' order by md5(cast(r as varchar))), '')) "
                f"from (select {', '.join(cols)} from {schema}.{table}) as r").fetchall()[0]
    return out


def written_rows(con, table: str, columns: str, order: str = "1, 2") -> list[tuple]:
    """`columns` of every row of `table`, each followed by whether the last run that wrote the table
    wrote that row (its `built_at` is the newest)."""
    return con.execute(f"select {columns}, built_at = (select max(built_at) from {table}) from {table} "
                       f"order by {order}").fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("incremental")
    landing = base / "landing"
    landing.mkdir()
    with kansrijk_env(base / "data", landing) as s:
        settings_mod.check(s)
        for i, step in enumerate(STEPS):
            for delivery in step:
                write_landing(landing, delivery, DELIVERIES[delivery])
            assert ingest_landing(s, build_docs=False).ok
            if i == len(STEPS) - 1:
                # mark every line built so far: a line the last run rebuilds loses the mark
                with duckdb.connect(str(s.warehouse)) as con:
                    con.execute("update intermediate.int_sales_lines set prior_customer_key = 'marker'")
            # the last incremental build also runs every data test, on the incrementally built tables
            last = i == len(STEPS) - 1
            refresh_mod.run_dbt(s, "build", *([] if last else ["--exclude-resource-type", "test", "unit_test"]),
                                quiet=True)
        incremental = checksums(s.warehouse)
        shutil.copy(s.warehouse, base / "incremental.duckdb")
        refresh_mod.run_dbt(s, "run", "--full-refresh", quiet=True)
        full = checksums(s.warehouse)
    return base / "incremental.duckdb", incremental, full


@contextmanager
def warehouse_copy(db, tmp_path):
    """The settings of a data directory of the test's own holding a copy of the warehouse `db`."""
    with kansrijk_env(tmp_path / "data", tmp_path / "landing") as s:
        s.warehouse.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(db, s.warehouse)
        yield s


def test_incremental_models_are_incremental(built) -> None:
    db, _, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        lines = con.execute("select invoice_id, line_no, prior_customer_key from intermediate.int_sales_lines "
                            "order by 1, 2").fetchall()
    # the last run rebuilt only the changed invoices, each line with the customer it had before:
    # I3 (a line corrected), I5 (new) and I9 (its header arrived; the line was an orphan)
    assert lines == [("I1", 1, "marker"), ("I1", 2, "marker"), ("I2", 1, "marker"), ("I3", 1, "erp:C1"),
                     ("I4", 1, "marker"), ("I5", 1, None), ("I9", 1, "unknown")]


def test_incremental_equals_full_refresh(built) -> None:
    _, incremental, full = built
    assert len(full) > 40 and "intermediate.int_sales_lines" in full and "core.fct_customer_pnl_monthly" in full  # served by the mart view
    assert incremental.keys() == full.keys()
    assert {t: incremental[t] for t in full if incremental[t] != full[t]} == {}


def test_late_changes_are_picked_up(built) -> None:
    db, _, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        per_customer = con.execute(
            "select customer_key, sum(revenue), sum(cost_of_goods), sum(invoice_lines) "
            "from intermediate.int_customer_months_aggregated group by 1 order by 1").fetchall()
        groups = con.execute("select distinct product_group from intermediate.int_sales_lines").fetchall()
        orphan = con.execute("select invoice_date, is_orphan from intermediate.int_sales_lines "
                             "where invoice_id = 'I9'").fetchall()
        raw_total = con.execute("select sum(net_amount) from raw.erp_sales_invoice_lines").fetchall()[0][0]
    assert per_customer == [("erp:C1", D("2000.00"), D("1190.00"), 4), ("erp:C2", D("50.00"), D("30.00"), 1),
                            ("erp:C3", D("1200.00"), D("700.00"), 2)]
    assert sum(r[1] for r in per_customer) == raw_total == D("3250.00")
    assert groups == [("G1",)]
    assert orphan == [(date(2025, 3, 2), False)]


def test_late_changes_reach_the_operations_aggregates(built) -> None:
    db, _, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        ops = con.execute(
            "select customer_key, month, shipments, express_shipments, freight_cost, activity_minutes, visit_minutes "
            "from intermediate.int_customer_months_operations_aggregated order by 1, 2").fetchall()
        ledger = con.execute("select sum(amount), count(*) from intermediate.int_gl_entries").fetchall()
        moved = con.execute("select activity_id, customer_key, prior_customer_key from intermediate.int_activities "
                            "where activity_id = 'ACT2'").fetchall()
    d = date
    assert ops == [
        ("erp:C1", d(2025, 1, 1), 1, 0, D("10.0000"), 30, 30), ("erp:C1", d(2025, 2, 1), 0, 0, None, 10, 0),
        ("erp:C1", d(2025, 3, 1), 1, 0, D("5.0000"), 0, 0), ("erp:C2", d(2025, 1, 1), 0, 0, None, 15, 0),
        ("erp:C3", d(2025, 1, 1), 1, 1, D("20.0000"), 0, 0)]
    assert ledger == [(D("70.0000"), 3)]
    assert moved == [("ACT2", "erp:C2", "crm:A2")]


def test_overdue_days_follow_payments_corrections_and_the_as_of_date(built) -> None:
    """The overdue-days spread (incremental per invoice × month) against the days counted by hand in
    the module docstring; the last run wrote only the invoices whose overdue range changed (I3, I4
    completed; I9 new), and kept the rows of I1 and I2 from the run before."""
    db, _, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        rows = written_rows(con, "intermediate.int_invoice_overdue_days_spread",
                            "invoice_id, customer_key, strftime(month, '%Y-%m'), overdue_days, completed_on, is_last_month",
                            "1, 3")
    d = date
    assert rows == [
        ("I1", "erp:C1", "2025-01", 19, d(2025, 1, 31), True, False),
        ("I2", "erp:C3", "2025-01", 1, d(2025, 1, 21), True, False),
        ("I3", "erp:C1", "2025-01", 26, d(2025, 2, 10), False, True),
        ("I3", "erp:C1", "2025-02", 10, d(2025, 2, 10), True, True),
        ("I4", "erp:C3", "2025-02", 3, d(2025, 2, 10), True, True),
        ("I9", "erp:C2", "2025-03", 10, None, True, True)]


def _test_results(s, model: str) -> dict[str, tuple[str, int]]:
    """status and failures of each data test of ``model`` in the last dbt invocation."""
    results = json.loads((s.data_dir / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2].split(f"_{model}_")[0]: (r["status"], r["failures"])
            for r in results if r["unique_id"].startswith("test.") and f"_{model}_" in r["unique_id"]}


def test_a_daily_run_tests_the_rows_it_wrote(built, tmp_path) -> None:
    """On an incremental build the grain tests of an incremental model read only the rows this run
    wrote (`where: __rows_written_this_run__`, macros/incremental.sql); whole-table identities and a
    standalone `dbt test` read everything.

    On the incrementally built warehouse (ledger E1 35.00, E2 25.00, E3 10.00, all written by earlier
    runs), by hand:
      old rows tampered: int_gl_entries E3 renamed E2 (a second E2) and E1 set to 36.00;
      a bad new row: entry E4 10.00 twice in raw (the ingest would have refused it), loaded after
      everything the model holds.
    `dbt build -s int_gl_entries` writes E4 twice. unique(entry_id) on the written rows: 1 duplicate
    (E4); the old E2 pair is not re-tested. sums_match(amount) stays whole: 36 + 25 + 10 + 10 + 10 = 91
    against staging 35 + 25 + 10 + 10 + 10 = 90, so the tampered old amount is still caught.
    `dbt test -s int_gl_entries` then reads the whole table: 2 duplicates (E2, E4).
    """
    db, _, _ = built
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            con.execute("update intermediate.int_gl_entries set entry_id = 'E2' where entry_id = 'E3'")
            con.execute("update intermediate.int_gl_entries set amount = 36 where entry_id = 'E1'")
            for _ in range(2):
                con.execute("insert into raw.erp_gl_entries select * replace ('E4' as entry_id, "
                            "(select max(_loaded_at) from raw.erp_gl_entries) + interval 1 hour as _loaded_at) "
                            "from raw.erp_gl_entries where entry_id = 'E3'")
        with pytest.raises(RefreshError):
            refresh_mod.run_dbt(s, "build", "--select", "int_gl_entries", quiet=True)
        daily = _test_results(s, "int_gl_entries")
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            ids = con.execute("select entry_id, count(*) from intermediate.int_gl_entries group by 1 order by 1").fetchall()
        with pytest.raises(RefreshError):
            refresh_mod.run_dbt(s, "test", "--select", "int_gl_entries", quiet=True)
        whole = _test_results(s, "int_gl_entries")
    assert ids == [("E1", 1), ("E2", 2), ("E4", 2)]
    assert daily["unique"] == ("fail", 1)
    assert daily["row_rules"] == ("pass", 0)  # entry_id not null on the written rows
    assert daily["sums_match"] == ("fail", 1)
    assert whole["unique"] == ("fail", 2)


def test_cost_and_pnl_months_are_rebuilt_only_when_their_inputs_changed(built) -> None:
    """The month-partitioned models (macros/incremental.sql) rebuild, in the last run, only the months
    whose inputs the 2025-03-31 delivery changed, by hand:
      2024-12  I3/1 corrected 300 -> 350: sales change (no ledger, no cost allocated that month)
      2025-01  ledger E1 corrected 30 -> 35; account A2 now linked to C2 (ACT2's minutes move)
      2025-03  new: ledger E3, invoice I5, shipment S3
      2025-02  nothing: ledger E2, I4, ACT3 as before; the open invoices' overdue days that fell in
               February are the same whether counted to 2025-02-28 or to 2025-03-31
    So the cost allocation rebuilds January and March, the P&L December, January and March, and the
    February rows are the ones the second run wrote. The driver volumes (written by month)
    rewrite December (C1's revenue 300 -> 350), January (ACT2's 15 minutes move from crm:A2 to
    erp:C2) and March, and keep February (I4, ACT3 and the overdue days, 10 of I3 and 3 of I4, as
    before). The direct cost (written by month) rewrites March only (below)."""
    db, _, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        for table, expected in (("intermediate.int_cost_drivers_aggregated", {"2024-12", "2025-01", "2025-03"}),
                                ("intermediate.int_cost_allocations_unioned", {"2025-01", "2025-03"}),
                                ("intermediate.int_cost_center_months_allocated", {"2025-01", "2025-03"}),
                                ("core.fct_customer_pnl_monthly", {"2024-12", "2025-01", "2025-03"})):
            rows = con.execute(f"select strftime(month, '%Y-%m'), built_at = (select max(built_at) from {table}) "
                               f"from {table} group by all").fetchall()
            rebuilt = {m for m, last in rows if last}
            kept = {m for m, last in rows if not last}
            assert (rebuilt, kept) == (expected, {"2025-02"}), table
        # the direct cost: freight of S1 (C1) and S2 (C3 since the second run) in January and of S3
        # (C1) in March, each capped at the LOG pool of its month (empty: 0.00); the last run
        # writes March and keeps January as the second run wrote it
        table = "intermediate.int_cost_direct_assigned"
        rows = written_rows(con, table, "strftime(month, '%Y-%m'), customer_key, amount")
        assert rows == [("2025-01", "erp:C1", 0, False), ("2025-01", "erp:C3", 0, False), ("2025-03", "erp:C1", 0, True)]


MONTH_PARTITIONED = ("intermediate.int_cost_allocations_unioned",
                     "intermediate.int_cost_center_months_allocated", "core.fct_customer_pnl_monthly")


def test_month_partitioned_tables_of_an_older_version_are_rebuilt_in_full(built, tmp_path) -> None:
    """A warehouse built by a version before the month partitioning has these three tables without
    `inputs_fingerprint` and `built_at`. The next incremental run must rebuild them in full, not
    append every month on top of the old rows (which doubled them): afterwards each equals the full
    refresh, row for row."""
    db, _, full = built
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            for table in MONTH_PARTITIONED:
                con.execute(f"alter table {table} drop column inputs_fingerprint")
                con.execute(f"alter table {table} drop column built_at")
        refresh_mod.run_dbt(s, "run", "--select", *(t.split(".")[1] for t in MONTH_PARTITIONED), quiet=True)
        after = checksums(s.warehouse)
    assert {t: after[t] for t in MONTH_PARTITIONED} == {t: full[t] for t in MONTH_PARTITIONED}


def test_an_overdue_spread_of_an_older_version_is_rebuilt_in_full(built, tmp_path) -> None:
    """A warehouse built before the spread was incremental has it without `is_last_month`,
    `payment_tolerance` and `built_at`, with rows no key of the new run may replace (here: a month of
    an invoice that is not overdue any more). The next run empties it and writes every row: it
    equals the full refresh."""
    db, _, full = built
    table = "intermediate.int_invoice_overdue_days_spread"
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            for column in ("is_last_month", "payment_tolerance", "built_at"):
                con.execute(f"alter table {table} drop column {column}")
            con.execute(f"insert into {table} select * replace (date '2024-11-01' as month) from {table} "
                        "where invoice_id = 'I1'")
        refresh_mod.run_dbt(s, "run", "--select", "int_invoice_overdue_days_spread", quiet=True)
        after = checksums(s.warehouse)
    assert after[table] == full[table]


def test_driver_volumes_write_the_months_that_differ(built, tmp_path) -> None:
    """The driver volumes (written by month, int_cost_drivers_aggregated) of a table built by an older
    version (no `built_at`), with, by hand, one volume of 2025-01 wrong (ACT1's 30 activity minutes
    set to 31) and a month the model does not select (2024-11, one made-up row). The next run writes
    January again, deletes November and keeps the other months' rows untouched (`built_at` null, as
    the older version left them); the table then equals the full refresh."""
    db, _, full = built
    table = "intermediate.int_cost_drivers_aggregated"
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            con.execute(f"alter table {table} drop column built_at")
            assert con.execute(f"update {table} set volume = 31 where customer_key = 'erp:C1' "
                               "and month = date '2025-01-01' and driver = 'activity_minutes' and volume = 30"
                               ).fetchall() == [(1,)]
            con.execute(f"insert into {table} values ('erp:C1', date '2024-11-01', 'invoices', 1)")
        refresh_mod.run_dbt(s, "run", "--select", "int_cost_drivers_aggregated", quiet=True)
        after = checksums(s.warehouse)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            months = con.execute(f"select strftime(month, '%Y-%m'), bool_and(built_at is null) from {table} "
                                 "group by 1 order by 1").fetchall()
    assert after[table] == full[table]
    assert months == [("2024-12", True), ("2025-01", False), ("2025-02", True), ("2025-03", True)]


def test_a_run_drops_the_relations_of_removed_models(built, tmp_path) -> None:
    """A warehouse built by an older version holds tables of models this version no longer has (here
    int_cost_pools_spread, whose spread now runs inside the allocation, and a made-up mart view).
    After the next run, even of one model, they are gone (kansrijk.dbt_cli.drop_removed_relations);
    every relation this version builds, raw and a schema of the user's own stay as they were."""
    db, _, _ = built
    listing = ("select schema_name || '.' || table_name from duckdb_tables() union all "
               "select schema_name || '.' || view_name from duckdb_views() where not internal order by 1")
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            before = [r[0] for r in con.execute(listing).fetchall()]
            con.execute("create table intermediate.int_cost_pools_spread as "
                        "select customer_key, month from intermediate.int_cost_drivers_aggregated")
            con.execute("create view marts.mart_customer_profitability_old as select 1 as customer_key")
            con.execute("create table raw.erp_notes as select 'kept' as note")
            con.execute("create schema analyst; create table analyst.my_list as select 'kept' as note")
        refresh_mod.run_dbt(s, "run", "--select", "int_gl_entries", quiet=True)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            after = [r[0] for r in con.execute(listing).fetchall()]
    assert "intermediate.int_cost_drivers_aggregated" in before and "marts.mart_customer_profitability" in before
    assert after == sorted(before + ["analyst.my_list", "raw.erp_notes"])


def test_a_rate_corrected_after_the_lines_were_built_stops_the_build(built, tmp_path) -> None:
    """assert_currency_rates_unchanged_since_lines_were_built on the incrementally built warehouse
    (every invoice in EUR, its lines converted at 1), with by hand:
      I1: its lines marked converted at 1.10 (a rate corrected since): flagged, 1.10 against 1;
      I4: now in USD, whose seed rate is 0.90, its line still converted at 1: flagged, 1 against 0.90;
      I9: now in JPY, a currency the seed has no rate for: flagged, 1 against none;
      I5: now in GBP at 0.95, and its line converted at 0.95: the same rate, not flagged.
    The rows the test fails with are exactly those three."""
    db, _, _ = built
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            con.execute("update intermediate.int_sales_lines set eur_rate = 1.10 where invoice_id = 'I1'")
            con.execute("update intermediate.int_sales_lines set eur_rate = 0.95 where invoice_id = 'I5'")
            for invoice, currency in (("I4", "USD"), ("I9", "JPY"), ("I5", "GBP")):
                con.execute("update raw.erp_sales_invoices set currency = ? where invoice_id = ?", [currency, invoice])
            con.execute("insert into reference.currency_rates (currency, month, eur_per_unit) "
                        "values ('USD', null, 0.90), ('GBP', null, 0.95)")
        with pytest.raises(RefreshError):
            refresh_mod.run_dbt(s, "test", "--select", "assert_currency_rates_unchanged_since_lines_were_built",
                                "--store-failures", quiet=True)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            (schema,) = con.execute("select schema_name from duckdb_tables() "
                                    "where table_name = 'assert_currency_rates_unchanged_since_lines_were_built'").fetchone()
            flagged = con.execute(f"select invoice_id, converted_with, current_rate from {schema}."
                                  "assert_currency_rates_unchanged_since_lines_were_built order by 1").fetchall()
    assert [(i, float(a), None if b is None else float(b)) for i, a, b in flagged] == [
        ("I1", 1.10, 1.0), ("I4", 1.0, 0.90), ("I9", 1.0, None)]


def test_clv_purchase_days_rebuild_the_customers_whose_lines_changed(built) -> None:
    """int_clv_purchase_days is incremental by customer. The last delivery loaded lines of I3 (a
    correction) and I5 (new), both erp:C1's, and of I9 (its header arrived: the orphan line moves
    from 'unknown' to erp:C2). So the last run rebuilt C1's and C2's purchase days and kept C3's
    from the run before (I2, moved to C3 then, and I4). The days, by hand: C1 2024-12-20 I3 350.00,
    2025-01-10 I1 1000 + 250 = 1250.00, 2025-03-20 I5 400.00; C2 2025-03-02 I9 50.00; C3 2025-01-15
    I2 500.00, 2025-02-05 I4 700.00."""
    db, _, _ = built
    table = "intermediate.int_clv_purchase_days"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = written_rows(con, table, "customer_key, invoice_date, revenue")
    d = date
    assert rows == [("erp:C1", d(2024, 12, 20), D("350.00"), True), ("erp:C1", d(2025, 1, 10), D("1250.00"), True),
                    ("erp:C1", d(2025, 3, 20), D("400.00"), True), ("erp:C2", d(2025, 3, 2), D("50.00"), True),
                    ("erp:C3", d(2025, 1, 15), D("500.00"), False), ("erp:C3", d(2025, 2, 5), D("700.00"), False)]


def test_the_overdue_spread_recomputes_the_invoices_a_date_or_rule_moves(built, tmp_path) -> None:
    """The spread computes only its candidates (the SQL header of int_invoice_overdue_days_spread):
    besides the invoices and payments written since, the invoices an as-of date or payment tolerance
    of this run moves, none of which changed itself. After the last delivery (as-of 2025-03-20) it
    holds, by hand from the module docstring (invoice, month, days, completed on):
      I1 Jan 19 (01-31); I2 Jan 1 (01-21); I3 Jan 26, Feb 10 (02-10); I4 Feb 3 (02-10); I9 Mar 10 (open).
    1. as-of 2025-02-05: I3's range ends there (Jan 26, Feb 5); I4 (due 02-07) and I9 (due 03-10)
       are not overdue yet, so they have no rows.
    2. as-of back to the data's 2025-03-20: I4 and I9 fall due again though nothing of theirs
       changed, I3 grows back; exactly those three are written, and the table is the full refresh's.
    3. tolerance -0.01 (a payment must exceed the total by a cent): no invoice is completed, each is
       overdue from the day after its due date through 03-20 (I1 01-13.., I2 01-21.., I3 01-06..,
       I4 02-08.., I9 03-11..).
    4. the tolerance back: the table is the full refresh's again. Then 0.02, which completes the
       same invoices on the same days: every row is written again, carrying 0.02, and back.
    5. PAY4 re-sent against I9 (50.00 on 2025-03-15), the ingest's latest-wins replacement: I4, which
       changed in nothing else, is unpaid again (02-08..03-20: Feb 21, Mar 20), and I9 is completed
       on 03-15 (03-11..03-15: Mar 5); only those two are written."""
    db, _, full = built
    table = "intermediate.int_invoice_overdue_days_spread"
    models = ("--select", "int_payments", "int_as_of_date", "int_invoice_overdue_days_spread")

    def spread(s, dbt_vars: dict) -> list[tuple]:
        refresh_mod.run_dbt(s, "run", *models, "--vars", json.dumps(dbt_vars), quiet=True)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            return written_rows(con, table, "invoice_id, strftime(month, '%m'), overdue_days, strftime(completed_on, '%m-%d')")

    with warehouse_copy(db, tmp_path) as s:
        step1 = spread(s, {"as_of_date": "2025-02-05"})
        assert [r[:4] for r in step1] == [("I1", "01", 19, "01-31"), ("I2", "01", 1, "01-21"),
                                          ("I3", "01", 26, "02-10"), ("I3", "02", 5, "02-10")]
        step2 = spread(s, {})
        assert [r[:4] for r in step2] == [("I1", "01", 19, "01-31"), ("I2", "01", 1, "01-21"),
                                          ("I3", "01", 26, "02-10"), ("I3", "02", 10, "02-10"),
                                          ("I4", "02", 3, "02-10"), ("I9", "03", 10, None)]
        assert {r[0] for r in step2 if r[4]} == {"I3", "I4", "I9"}
        assert checksums(s.warehouse)[table] == full[table]
        step3 = spread(s, {"profitability_payment_tolerance": -0.01})
        assert [r[:4] for r in step3] == [("I1", "01", 19, None), ("I1", "02", 28, None), ("I1", "03", 20, None),
                                          ("I2", "01", 11, None), ("I2", "02", 28, None), ("I2", "03", 20, None),
                                          ("I3", "01", 26, None), ("I3", "02", 28, None), ("I3", "03", 20, None),
                                          ("I4", "02", 21, None), ("I4", "03", 20, None), ("I9", "03", 10, None)]
        spread(s, {})
        assert checksums(s.warehouse)[table] == full[table]
        # a tolerance that completes the same invoices on the same days: every row is written again,
        # with it (a full refresh under it holds it on every row)
        step4b = spread(s, {"profitability_payment_tolerance": 0.02})
        assert [r[:4] for r in step4b] == [r[:4] for r in step2] and all(r[4] for r in step4b)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            assert con.execute(f"select distinct payment_tolerance from {table}").fetchall() == [(D("0.0200"),)]
        spread(s, {})
        with duckdb.connect(str(s.warehouse)) as con:
            con.execute("update raw.erp_payments set invoice_id = 'I9', payment_date = date '2025-03-15', amount = 50, "
                        "_loaded_at = (select max(_loaded_at) from raw.erp_payments) + interval 1 hour "
                        "where payment_id = 'PAY4'")
        step5 = spread(s, {})
        assert [r[:4] for r in step5] == [("I1", "01", 19, "01-31"), ("I2", "01", 1, "01-21"),
                                          ("I3", "01", 26, "02-10"), ("I3", "02", 10, "02-10"),
                                          ("I4", "02", 21, None), ("I4", "03", 20, None), ("I9", "03", 5, "03-15")]
        assert {r[0] for r in step5 if r[4]} == {"I4", "I9"}


def test_a_column_the_table_lacks_is_written_in_every_month(built, tmp_path) -> None:
    """A model written by month where it changed (select_changed_months) whose table was built by an
    older version without one of its columns (here `cost_category` of the direct cost, logistics
    on every row of the test company): the column is not in the table's fingerprint, so every month
    is written, not only those whose other columns differ; afterwards the table equals the full
    refresh (every row logistics, none null)."""
    db, _, full = built
    table = "intermediate.int_cost_direct_assigned"
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            con.execute(f"alter table {table} drop column cost_category")
        refresh_mod.run_dbt(s, "run", "--select", "int_cost_direct_assigned", quiet=True)
        after = checksums(s.warehouse)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            categories = con.execute(f"select distinct cost_category from {table}").fetchall()
    assert categories == [("logistics",)]
    assert after[table] == full[table]


def test_the_funnel_recomputes_the_companies_whose_inputs_changed(built, tmp_path) -> None:
    """int_funnel_entries_staged is incremental by company: a run recomputes the companies whose
    inputs fingerprint (activities, opportunities, purchase dates, funnel vars) changed.

    After the three deliveries, by hand: A1 (erp:C1) was called 2025-02-10, A2 2025-01-22 and is
    linked to C2 by the last delivery. Windows of 180 days: C1 to 2025-08-09, C2 to 2025-07-21. C1
    last bought 2025-01-10 (I1; I5 comes later): account management. C2's only invoice before its
    call, I2, moved to C3: new business. Then, on a copy, each change run alone:
    1. opportunity O1 for A1, quoted 2025-02-20, won 2025-03-01, 500: only C1 is written, now
       quote, order and a 19-day cycle (02-10 to 03-01);
    2. O1 moved to A2: C1 and C2 are written; C2's cycle 38 days (01-22 to 03-01), C1 back to none;
    3. var funnel_window_days 30: both are written; C1's window ends 2025-03-12, C2's 2025-02-21,
       before the order.
    After step 1, which keeps C2's rows, the table equals a full refresh of the model (steps 2 and
    3 write every company of this fixture, which is what a full refresh does)."""
    db, _, _ = built
    table = "intermediate.int_funnel_entries_staged"
    cols = ("customer_key, period, entry_date, window_end, call_activities, last_purchase_date, motion, "
            "quote_date, order_date, order_amount, cycle_days, reached_appointment, reached_order")

    def entries(s, dbt_vars: dict, full: bool = False) -> list[tuple]:
        refresh_mod.run_dbt(s, "run", "--select", "int_funnel_entries_staged", *(["--full-refresh"] if full else []),
                            *(["--vars", json.dumps(dbt_vars)] if dbt_vars else []), quiet=True)
        with duckdb.connect(str(s.warehouse), read_only=True) as con:
            return written_rows(con, table, cols)

    def opportunity(con, account: str) -> None:
        con.execute("delete from raw.crm_opportunities where opportunity_id = 'O1'")
        con.execute("insert into raw.crm_opportunities by name select 'O1' as opportunity_id, ? as account_id, "
                    "date '2025-02-15' as created_date, date '2025-02-20' as quote_date, date '2025-03-01' as close_date, "
                    "'won' as stage, 500.0 as amount, 'G1' as product_group, '2025-04-01' as _delivery, 'o.csv' as _file, "
                    "1 as _row, now()::timestamp as _loaded_at, false as _is_deleted", [account])

    d = date
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute(f"select {cols} from {table} order by 1, 2").fetchall()
    c1 = ("erp:C1", "2025-Q1", d(2025, 2, 10), d(2025, 8, 9), 1, d(2025, 1, 10), "account_management")
    c2 = ("erp:C2", "2025-Q1", d(2025, 1, 22), d(2025, 7, 21), 1, None, "new_business")
    none = (None, None, None, None, False, False)
    assert before == [c1 + none, c2 + none]
    with warehouse_copy(db, tmp_path) as s:
        with duckdb.connect(str(s.warehouse)) as con:
            opportunity(con, "A1")
        step1 = entries(s, {})
        assert step1 == [c1 + (d(2025, 2, 20), d(2025, 3, 1), D("500.0000"), 19, True, True, True), c2 + none + (False,)]
        with warehouse_copy(s.warehouse, tmp_path / "full") as refreshed:
            assert [r[:-1] for r in entries(refreshed, {}, full=True)] == [r[:-1] for r in step1]
        with duckdb.connect(str(s.warehouse)) as con:
            opportunity(con, "A2")
        step2 = entries(s, {})
        assert step2 == [c1 + none + (True,), c2 + (d(2025, 2, 20), d(2025, 3, 1), D("500.0000"), 38, True, True, True)]
        step3 = entries(s, {"funnel_window_days": 30})
        assert step3 == [c1[:3] + (d(2025, 3, 12),) + c1[4:] + none + (True,),
                         c2[:3] + (d(2025, 2, 21),) + c2[4:] + (d(2025, 2, 20), None, None, None, True, False, True)]


def test_customer_orders_rebuild_the_customers_whose_lines_changed(built) -> None:
    """int_customer_orders is incremental by customer, as the purchase days. The last delivery
    rebuilt lines of erp:C1 (I3 corrected, I5 new) and of I9 (an orphan under 'unknown' until its
    header for C2 arrived), so the last run wrote C1 and C2 and kept C3's row. By hand: C1 has
    I3 2024-12-20, I1 2025-01-10, I5 2025-03-20; C2 has I9 2025-03-02; C3 has I2 2025-01-15 (moved
    from C2 by the second delivery) and I4 2025-02-05. 'unknown' holds orphans only: no row."""
    db, _, _ = built
    table = "intermediate.int_customer_orders"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = written_rows(con, table, "customer_key, first_invoice_date, last_invoice_date, invoices, order_days", "1")
    d = date
    assert rows == [("erp:C1", d(2024, 12, 20), d(2025, 3, 20), 3, 3, True),
                    ("erp:C2", d(2025, 3, 2), d(2025, 3, 2), 1, 1, True),
                    ("erp:C3", d(2025, 1, 15), d(2025, 2, 5), 2, 2, False)]


def test_the_whatif_sales_recompute_the_customers_whose_lines_changed(built, tmp_path) -> None:
    """int_whatif_sales_aggregated is incremental by customer. By hand, with var whatif_period 'all'
    and every product in G1 since the second delivery: C1 2,000.00 revenue / 1,190.00 cost of goods
    (I3 350/220, I1 1,250/720, I5 400/250), C2 50.00 / 30.00 (I9), C3 1,200.00 / 700.00 (I2, I4). The
    last run wrote C1 and C2 (their lines were rebuilt) and kept C3. On a copy, whatif_period 2024
    leaves C1 alone with I3 (350.00 / 220.00), written anew; back to 'all' every customer is
    written again and the table equals the full refresh's."""
    db, _, full = built
    table = "intermediate.int_whatif_sales_aggregated"

    def rows(path) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return written_rows(con, table, "customer_key, product_group, revenue, cost_of_goods, whatif_period")

    every = [("erp:C1", "G1", D("2000.00"), D("1190.00"), "all"), ("erp:C2", "G1", D("50.00"), D("30.00"), "all"),
             ("erp:C3", "G1", D("1200.00"), D("700.00"), "all")]
    assert rows(db) == [r + (w,) for r, w in zip(every, (True, True, False))]
    with warehouse_copy(db, tmp_path) as s:
        refresh_mod.run_dbt(s, "run", "--select", "int_whatif_sales_aggregated", "--vars",
                            json.dumps({"whatif_period": "2024"}), quiet=True)
        assert rows(s.warehouse) == [("erp:C1", "G1", D("350.00"), D("220.00"), "2024", True)]
        refresh_mod.run_dbt(s, "run", "--select", "int_whatif_sales_aggregated", quiet=True)
        assert rows(s.warehouse) == [r + (True,) for r in every]
        assert checksums(s.warehouse)[table] == full[table]
