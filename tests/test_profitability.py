"""Cost allocation on a hand-made company of three customers, checked against figures
computed by hand (methodology §3). The build is the real ingest + dbt build.

The seed is the demo company's seeds/cost_center_drivers.csv; the fixture only uses its cost
centers (all `driver` allocation):
  CS -> service_minutes, LOG -> shipments (own freight direct first), OE -> invoice_lines,
  SALES -> activity_minutes, MKT -> campaign_touches, CC -> overdue_invoice_days,
  GEN -> revenue, COMM -> revenue (lines with customer_id go direct).
IT is not in the seed (unallocated, except its line with a customer_id: direct, overhead).

As-of date (var) 2025-04-30. Customers: C1 and C2 (industry 46, 20 employees: segment
46-small), C3 (industry 43, 5 employees: 43-micro). CRM accounts A1..A3 map to C1..C3.

Sales, March 2025 (invoice lines):
  I1 C1 due 03-10: L1 1000.00 (cost 600), L2 450.00 (5 x 100 less 10 % = discount 50, cost 300)
  I2 C2 due 03-25: L1 800.00 (cost 500)
  I3 C3 due 04-06: L1 200.00 (cost 150)
  I4 C1 credit note: L1 -100.00 (cost -60)
  revenue  C1 = 1000 + 450 - 100 = 1350.00, cost of goods 600 + 300 - 60 = 840.00, gm 510.00
           C2 = 800.00, cogs 500.00, gm 300.00;  C3 = 200.00, cogs 150.00, gm 50.00
  invoice lines C1 3, C2 1, C3 1 (credit note line counts)
Payments: I1 1450.00 on 03-20 (completes it, 10 days late: 03-11..03-20, all in March);
  I3 200.00 on 03-20 (before due: 0 days); I2 never paid: overdue 03-26..as-of 04-30,
  6 days in March, 30 in April.  March overdue days: C1 10, C2 6.
Shipments: S1 C1 03-06 freight 30.00; S2 (no customer_id, invoice I2 -> C2) 03-07 freight null;
  S3 C3 03-08 freight 20.00; S4 C1 04-02 freight 25.00.  March shipments 1:1:1.
CRM: service cases A1 30 min, A2 10 min (March); activities A1 visit 60 min, A3 call 20 min
  (March); no campaign touches at all.

Ledger, posted 2025-03-31 unless said:
  LOG   200.00 -> freight direct C1 30, C3 20; rest 150 by shipments 1:1:1 = 50 each
                  logistics C1 80.00, C2 50.00, C3 70.00
  OE     10.00 -> invoice lines 3:1:1 = C1 6.00, C2 2.00, C3 2.00
  CS    100.00 -> service minutes 30:10 = C1 75.00, C2 25.00
  SALES  90.00 -> activity minutes 60:20 = C1 67.50, C3 22.50
  CC    100.00 -> overdue days 10:6 = C1 62.50, C2 37.50
  GEN    10.00 -> revenue 1350:800:200 (2350): 5.7447 -> 5.74, 3.4043 -> 3.40, 0.8511 -> 0.85,
                  sum 9.99, remainder 0.01 on the largest (C1): C1 5.75, C2 3.40, C3 0.85
  COMM   50.00 with customer_id C2 -> commission C2 50.00 (direct)
  IT     40.00 -> not in the seed: unallocated 'cost center not in cost_center_drivers'
  IT     15.00 with customer_id C3 -> direct, category overhead (unmapped cost center)
  MKT    30.00 -> no touches in March: unallocated 'no driver volume in month'
  LOG    10.00 posted 2025-04-30 -> April freight S4 25.00 exceeds it: C1 gets 10.00 direct,
                  15.00 reported as freight not in the ledger, nothing left to spread
  ledger total = 200+10+100+90+100+10+50+40+15+30 + 10 = 655.00

Cost to serve and net profit:
  C1 March: 80 + 6 + 75 + 67.50 + 62.50 + 5.75 = 296.75; net 510 - 296.75 = 213.25
  C1 April: logistics 10.00, revenue 0; net -10.00.           C1 total net 203.25
  C2 March: 50 + 2 + 25 + 37.50 + 3.40 + 50 (commission) = 167.90; net 300 - 167.90 = 132.10
  C3 March: 70 + 2 + 22.50 + (0.85 + 15) = 110.35; net 50 - 110.35 = -60.35
  allocated 306.75 + 167.90 + 110.35 = 585.00; unallocated IT 40 + MKT 30 = 70; 585 + 70 = 655
Whale curve: C1 203.25, C2 132.10, C3 -60.35; total 275.00; cumulative 203.25, 335.35, 275.00;
  peak 335.35 / 275 x 100 = 121.945454...%; 1 of 3 customers (33.33 %) destroys value.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from tests.support import write_landing

REPO_ROOT = Path(__file__).resolve().parent.parent


def _landing(root):
    customers = [
        {"customer_id": "C1", "customer_name": "Een BV", "industry_code": "46", "employee_count": 20,
         "country": "NL", "created_date": date(2020, 1, 1), "payment_terms_days": 30},
        {"customer_id": "C2", "customer_name": "Twee BV", "industry_code": "46", "employee_count": 20,
         "country": "NL", "created_date": date(2020, 1, 1), "payment_terms_days": 30},
        {"customer_id": "C3", "customer_name": "Drie BV", "industry_code": "43", "employee_count": 5,
         "country": "NL", "created_date": date(2020, 1, 1), "payment_terms_days": 30},
    ]
    invoices = [
        {"invoice_id": "I1", "customer_id": "C1", "invoice_date": date(2025, 3, 5), "due_date": date(2025, 3, 10),
         "currency": "EUR", "order_channel": "web", "is_credit_note": False, "sales_rep": "R1"},
        {"invoice_id": "I2", "customer_id": "C2", "invoice_date": date(2025, 3, 6), "due_date": date(2025, 3, 25),
         "currency": "EUR", "order_channel": "web", "is_credit_note": False, "sales_rep": "R1"},
        {"invoice_id": "I3", "customer_id": "C3", "invoice_date": date(2025, 3, 7), "due_date": date(2025, 4, 6),
         "currency": "EUR", "order_channel": "web", "is_credit_note": False, "sales_rep": "R1"},
        {"invoice_id": "I4", "customer_id": "C1", "invoice_date": date(2025, 3, 15), "due_date": None,
         "currency": "EUR", "order_channel": "web", "is_credit_note": True, "sales_rep": "R1"},
    ]
    line = lambda inv, no, q, p, d, net, cost: {  # noqa: E731
        "invoice_id": inv, "line_no": no, "product_id": "P1", "quantity": D(q), "unit_price": D(p),
        "discount_pct": D(d), "net_amount": D(net), "cost_amount": D(cost)}
    lines = [
        line("I1", 1, "10", "100", "0", "1000.00", "600.00"),
        line("I1", 2, "5", "100", "10", "450.00", "300.00"),
        line("I2", 1, "8", "100", "0", "800.00", "500.00"),
        line("I3", 1, "2", "100", "0", "200.00", "150.00"),
        line("I4", 1, "-1", "100", "0", "-100.00", "-60.00"),
    ]
    products = [{"product_id": "P1", "product_name": "Ding", "product_group": "G1", "unit_cost": D("60"),
                 "list_price": D("100"), "is_active": True}]
    payments = [
        {"payment_id": "P1", "invoice_id": "I1", "payment_date": date(2025, 3, 20), "amount": D("1450.00")},
        {"payment_id": "P2", "invoice_id": "I3", "payment_date": date(2025, 3, 20), "amount": D("200.00")},
    ]
    shipments = [
        {"shipment_id": "S1", "invoice_id": "I1", "customer_id": "C1", "ship_date": date(2025, 3, 6),
         "package_count": 1, "is_express": False, "freight_cost": D("30.00")},
        {"shipment_id": "S2", "invoice_id": "I2", "customer_id": None, "ship_date": date(2025, 3, 7),
         "package_count": 1, "is_express": False, "freight_cost": None},
        {"shipment_id": "S3", "invoice_id": "I3", "customer_id": "C3", "ship_date": date(2025, 3, 8),
         "package_count": 1, "is_express": False, "freight_cost": D("20.00")},
        {"shipment_id": "S4", "invoice_id": "I1", "customer_id": "C1", "ship_date": date(2025, 4, 2),
         "package_count": 1, "is_express": True, "freight_cost": D("25.00")},
    ]
    gl = lambda eid, day, cc, amt, cust=None: {  # noqa: E731
        "entry_id": eid, "posting_date": day, "gl_account": "4000", "gl_account_name": "Kosten",
        "cost_center": cc, "amount": D(amt), "customer_id": cust, "description": f"{cc} {eid}"}
    m, a = date(2025, 3, 31), date(2025, 4, 30)
    ledger = [
        gl("G01", m, "LOG", "200.00"), gl("G02", m, "OE", "10.00"), gl("G03", m, "CS", "100.00"),
        gl("G04", m, "SALES", "90.00"), gl("G05", m, "CC", "100.00"), gl("G06", m, "GEN", "10.00"),
        gl("G07", m, "COMM", "50.00", "C2"), gl("G08", m, "IT", "40.00"), gl("G09", m, "IT", "15.00", "C3"),
        gl("G10", m, "MKT", "30.00"), gl("G11", a, "LOG", "10.00"),
    ]
    accounts = [
        {"account_id": f"A{i}", "erp_customer_id": f"C{i}", "account_name": n, "industry_code": ind,
         "employee_count": emp, "country": "NL", "created_date": date(2020, 1, 1)}
        for i, n, ind, emp in [(1, "Een BV", "46", 20), (2, "Twee BV", "46", 20), (3, "Drie BV", "43", 5)]
    ]
    activities = [
        {"activity_id": "X1", "account_id": "A1", "activity_type": "visit", "activity_date": date(2025, 3, 12),
         "duration_minutes": 60, "owner": "R1", "outcome": "contact"},
        {"activity_id": "X2", "account_id": "A3", "activity_type": "call", "activity_date": date(2025, 3, 13),
         "duration_minutes": 20, "owner": "R1", "outcome": "contact"},
    ]
    cases = [
        {"case_id": "K1", "account_id": "A1", "opened_at": datetime(2025, 3, 3, 9), "closed_at": datetime(2025, 3, 3, 10),
         "category": "question", "handling_minutes": 30},
        {"case_id": "K2", "account_id": "A2", "opened_at": datetime(2025, 3, 4, 9), "closed_at": datetime(2025, 3, 4, 10),
         "category": "complaint", "handling_minutes": 10},
    ]
    return write_landing(root, "2025-05-01", {
        "erp_customers": customers, "erp_products": products, "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines, "erp_payments": payments, "erp_shipments": shipments,
        "erp_gl_entries": ledger, "crm_accounts": accounts, "crm_activities": activities,
        "crm_service_cases": cases,
    })


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("profitability")
    landing = tmp / "landing"
    _landing(landing)
    # The real ingest and the real dbt build (every test), each in a child process: the ingest
    # keeps a DuckDB lock on the warehouse for the life of its process, so a dbt build started
    # from the same process could not open it.
    data = tmp / "data"
    steps = [
        "from kansrijk.ingest import ingest_landing; ingest_landing(s)",
        "from kansrijk.refresh import run_dbt; run_dbt(s, 'build', '--vars', json.dumps(VARS), quiet=True); print(s.warehouse)",
    ]
    out = None
    for i, step in enumerate(steps):
        script = tmp / f"step{i}.py"
        script.write_text(
            "import json, sys\nfrom pathlib import Path\n"
            f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
            "from tests.support import kansrijk_env\n"
            "VARS = {'as_of_date': '2025-04-30'}\n"
            "with kansrijk_env(Path(sys.argv[1]), Path(sys.argv[2])) as s:\n"
            f"    {step}\n"
        )
        out = subprocess.run([sys.executable, str(script), str(data), str(landing)],
                             cwd=REPO_ROOT, capture_output=True, text=True)
        assert out.returncode == 0, (out.stderr + out.stdout)[-3000:]
    c = duckdb.connect(out.stdout.strip().splitlines()[-1], read_only=True)
    yield c
    c.close()


def _rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_customer_month_figures(con):
    got = {(r["customer_key"], r["month"]): r for r in _rows(con, "select * from marts.mart_customer_profitability")}
    mar, apr = date(2025, 3, 1), date(2025, 4, 1)
    assert set(got) == {("erp:C1", mar), ("erp:C1", apr), ("erp:C2", mar), ("erp:C3", mar)}
    expected = {
        ("erp:C1", mar): dict(revenue="1350.00", discounts="50.00", cost_of_goods="840.00", gross_margin="510.00",
                              commission="0.00", order_handling="6.00", logistics="80.00", service="75.00",
                              sales_effort="67.50", marketing="0.00", credit_collection="62.50", overhead="5.75",
                              cost_to_serve="296.75", net_profit="213.25"),
        ("erp:C1", apr): dict(revenue="0.00", cost_of_goods="0.00", logistics="10.00", cost_to_serve="10.00",
                              net_profit="-10.00"),
        ("erp:C2", mar): dict(revenue="800.00", cost_of_goods="500.00", gross_margin="300.00", commission="50.00",
                              order_handling="2.00", logistics="50.00", service="25.00", sales_effort="0.00",
                              credit_collection="37.50", overhead="3.40", cost_to_serve="167.90", net_profit="132.10"),
        ("erp:C3", mar): dict(revenue="200.00", cost_of_goods="150.00", gross_margin="50.00", commission="0.00",
                              order_handling="2.00", logistics="70.00", service="0.00", sales_effort="22.50",
                              credit_collection="0.00", overhead="15.85", cost_to_serve="110.35", net_profit="-60.35"),
    }
    for key, cols in expected.items():
        for col, value in cols.items():
            assert got[key][col] == D(value), (key, col, got[key][col], value)
    # net margin % = net profit / revenue x 100; null without revenue
    assert got[("erp:C2", mar)]["net_margin_pct"] == pytest.approx(132.10 / 800 * 100)
    assert got[("erp:C1", apr)]["net_margin_pct"] is None


def test_reconciliation_rows(con):
    rec = {(r["month"], r["cost_center"]): r for r in _rows(con, "select * from marts.mart_cost_reconciliation")}
    mar, apr = date(2025, 3, 1), date(2025, 4, 1)
    for r in rec.values():
        assert r["allocated_amount"] + r["unallocated_amount"] == r["ledger_amount"]
    it = rec[(mar, "IT")]
    assert (it["ledger_amount"], it["allocated_amount"], it["unallocated_amount"]) == (D("55.00"), D("15.00"), D("40.00"))
    assert it["unallocated_reason"] == "cost center not in cost_center_drivers"
    mkt = rec[(mar, "MKT")]
    assert (mkt["unallocated_amount"], mkt["unallocated_reason"]) == (D("30.00"), "no driver volume in month")
    log = rec[(mar, "LOG")]
    assert (log["direct_amount"], log["driver_amount"], log["unallocated_amount"]) == (D("50.00"), D("150.00"), D("0.00"))
    assert log["unallocated_reason"] is None
    log_apr = rec[(apr, "LOG")]
    # April: freight 25.00 against a ledger pool of 10.00 -> capped, 15.00 reported
    assert (log_apr["direct_freight_amount"], log_apr["freight_not_in_ledger_amount"], log_apr["unallocated_amount"]) == (
        D("10.00"), D("15.00"), D("0.00"))
    assert rec[(mar, "COMM")]["direct_amount"] == D("50.00")
    totals = con.execute("select sum(ledger_amount), sum(allocated_amount), sum(unallocated_amount) "
                         "from marts.mart_cost_reconciliation").fetchone()
    assert totals == (D("655.00"), D("585.00"), D("70.00"))
    cts = con.execute("select sum(cost_to_serve) from marts.mart_customer_profitability").fetchone()[0]
    assert cts == D("585.00")


def test_whale_curve(con):
    curve = _rows(con, "select * from marts.mart_whale_curve order by profit_rank")
    assert [(r["customer_key"], r["net_profit"]) for r in curve] == [
        ("erp:C1", D("203.25")), ("erp:C2", D("132.10")), ("erp:C3", D("-60.35"))]
    assert [r["cumulative_profit"] for r in curve] == [D("203.25"), D("335.35"), D("275.00")]
    assert curve[-1]["cumulative_profit_pct"] == pytest.approx(100.0)
    assert [r["is_value_destroying"] for r in curve] == [False, False, True]
    s = _rows(con, "select * from marts.mart_whale_curve_summary")[0]
    assert s["peak_profit_pct"] == pytest.approx(335.35 / 275 * 100)
    assert (s["customers"], s["value_destroying_customers"]) == (3, 1)
    assert s["value_destroying_pct"] == pytest.approx(100 / 3)
    assert s["total_net_profit"] == D("275.00")


def test_segment_profitability(con):
    seg = {(r["segment_key"], r["period"]): r for r in _rows(con, "select * from marts.mart_segment_profitability")}
    # 46-small = C1 + C2: revenue 1350 + 800 = 2150; net 203.25 + 132.10 = 335.35
    assert seg[("46-small", "all")]["revenue"] == D("2150.00")
    assert seg[("46-small", "all")]["net_profit"] == D("335.35")
    assert seg[("46-small", "2025")]["customers"] == 2
    # 43-micro = C3: net -60.35; overhead 15.85 on revenue 200 = 7.925 % against the company's
    # (5.75 + 3.40 + 15.85) / 2350 = 1.0638 %: index 7.925 / 1.0638 x 100 = 744.95
    assert seg[("43-micro", "all")]["net_profit"] == D("-60.35")
    assert seg[("43-micro", "all")]["overhead_index"] == pytest.approx(7.925 / (25.0 / 2350 * 100) * 100)
