"""What-if levers, scenarios and unused capacity on a hand-made company of two customers, checked
against figures computed by hand (methodology §3) and against a second build with the changed
input. Both are the real ingest and dbt build of what this module reads, with their data tests.

Seeds are the demo company's: whatif_levers (price moves revenue and commission; purchase_terms
cost of goods; commission, credit_collection, marketing their categories; back_office
order_handling + service), cost_center_capacity (CS: 18 000 minutes a month from 2025-11),
cost_center_drivers (COMM: lines with customer_id direct, the rest by revenue; CS by
service_minutes). As-of date 2025-12-31; everything happens in December 2025.

Customers: W1 (industry 46, 20 employees: segment 46-small), W2 (43, 5 employees: 43-micro);
CRM accounts A1, A2 map to them.
Sales (December 2025):  W1 I1 revenue 1000.00, cost of goods 570.00 (product group G1)
                        W2 I2 revenue  500.00, cost of goods 200.00 (product group G2)
Ledger (2025-12-31):
  COMM 300.00 customer W1 (direct), COMM 20.00 customer W2 (direct),
  COMM  90.00 no customer -> by revenue 1000:500 = W1 60.00, W2 30.00
  CS  1800.00 -> time-driven: capacity 18 000 min, cost per minute 1800 / 18000 = 0.10 EUR;
                 service minutes W1 600 (cases 400 + 200), W2 300 -> W1 60.00, W2 30.00;
                 unused capacity 1800 - 90 = 1710.00 (to no customer)
  IT    40.00 -> not in cost_center_drivers: unallocated
  ledger 2250.00 = allocated (410 + 90 = 500.00) + unused 1710.00 + unallocated 40.00

Segment P&L (period 'all'):
  46-small (W1): gross margin 1000 - 570 = 430.00; commission 360.00, service 60.00; net 10.00
  43-micro (W2): gross margin 500 - 200 = 300.00; commission 50.00, service 30.00; net 220.00

Sensitivity of 46-small (EUR per +1 % = (revenue moved - cost moved) / 100):
  commission      -360 / 100 = -3.60;  break-even = -10 / -3.60 = +2.777...%  (flips within 10 %)
                  +5 % commission: 10 - 5 x 3.60 = -8.00, a loss
  price          (1000 - 360) / 100 = 6.40; break-even = -10 / 6.40 = -1.5625 %
  purchase_terms  -570 / 100 = -5.70; break-even = 10 / 5.70 = +1.754386 %
  back_office     -60 / 100 = -0.60;  break-even = 10 / 0.60 = +16.666...% (no flip within 10 %)
  credit_collection, marketing: nothing to move -> 0 per %, break-even null
43-micro commission: -50 / 100 = -0.50; break-even +440 % -> null (outside ±100 %).

Scenarios (var whatif_scenarios, beside the seed's):
  t_commission_plus_5 (commission +5 %): 46-small 10 - 18 = -8.00, 43-micro 220 - 2.50 = 217.50;
    every segment's commission, and so the company's, moves by the same 5 %: cost-of-sales indices
    and attractiveness ranks do not move.
  t_price_g2_plus_10 (price +10 % on product group G2 only): 43-micro revenue 500 -> 550, net
    220 + 50 = 270.00 (commission is allocated cost without a product group: not moved);
    46-small unchanged 10.00. 43-micro's margin index rises, 46-small's falls.
Rebuild: the same company with every COMM ledger line x 1.05 (315.00, 21.00, 94.50 -> by revenue
  63.00, 31.50): 46-small net 430 - 378 - 60 = -8.00, 43-micro 300 - 52.50 - 30 = 217.50, equal to
  the scenario rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import duckdb
import pytest

from tests.support import build_warehouse, write_landing

DEC = date(2025, 12, 1)
SCENARIOS = [
    {"scenario": "t_commission_plus_5", "lever": "commission", "change_pct": 5},
    {"scenario": "t_price_g2_plus_10", "lever": "price", "product_group": "G2", "change_pct": 10},
]


def _landing(root, comm_scale: D = D(1)):
    customers = [
        {"customer_id": "W1", "customer_name": "Een BV", "industry_code": "46", "employee_count": 20,
         "country": "NL", "created_date": date(2020, 1, 1), "payment_terms_days": 30},
        {"customer_id": "W2", "customer_name": "Twee BV", "industry_code": "43", "employee_count": 5,
         "country": "NL", "created_date": date(2020, 1, 1), "payment_terms_days": 30},
    ]
    invoices = [
        {"invoice_id": f"I{i}", "customer_id": c, "invoice_date": date(2025, 12, 5), "due_date": date(2026, 1, 4),
         "currency": "EUR", "order_channel": "web", "is_credit_note": False, "sales_rep": "R1"}
        for i, c in [(1, "W1"), (2, "W2")]
    ]
    lines = [
        {"invoice_id": "I1", "line_no": 1, "product_id": "P1", "quantity": D("10"), "unit_price": D("100"),
         "discount_pct": D("0"), "net_amount": D("1000.00"), "cost_amount": D("570.00")},
        {"invoice_id": "I2", "line_no": 1, "product_id": "P2", "quantity": D("5"), "unit_price": D("100"),
         "discount_pct": D("0"), "net_amount": D("500.00"), "cost_amount": D("200.00")},
    ]
    products = [
        {"product_id": "P1", "product_name": "Ding", "product_group": "G1", "unit_cost": D("57"),
         "list_price": D("100"), "is_active": True},
        {"product_id": "P2", "product_name": "Ander ding", "product_group": "G2", "unit_cost": D("40"),
         "list_price": D("100"), "is_active": True},
    ]
    payments = [
        {"payment_id": f"P{i}", "invoice_id": f"I{i}", "payment_date": date(2025, 12, 20), "amount": D(a)}
        for i, a in [(1, "1000.00"), (2, "500.00")]
    ]
    gl = lambda eid, cc, amt, cust=None: {  # noqa: E731
        "entry_id": eid, "posting_date": date(2025, 12, 31), "gl_account": "4000", "gl_account_name": "Kosten",
        "cost_center": cc, "amount": amt, "customer_id": cust, "description": f"{cc} {eid}"}
    comm = lambda amount: (D(amount) * comm_scale).quantize(D("0.01"))  # noqa: E731
    ledger = [
        gl("G1", "COMM", comm("300.00"), "W1"), gl("G2", "COMM", comm("20.00"), "W2"),
        gl("G3", "COMM", comm("90.00")), gl("G4", "CS", D("1800.00")), gl("G5", "IT", D("40.00")),
    ]
    accounts = [
        {"account_id": f"A{i}", "erp_customer_id": f"W{i}", "account_name": n, "industry_code": ind,
         "employee_count": emp, "country": "NL", "created_date": date(2020, 1, 1)}
        for i, n, ind, emp in [(1, "Een BV", "46", 20), (2, "Twee BV", "43", 5)]
    ]
    cases = [
        {"case_id": f"K{i}", "account_id": acc, "opened_at": datetime(2025, 12, 2 + i, 9),
         "closed_at": datetime(2025, 12, 2 + i, 17), "category": "question", "handling_minutes": m}
        for i, acc, m in [(1, "A1", 400), (2, "A1", 200), (3, "A2", 300)]
    ]
    return write_landing(root, "2026-01-02", {
        "erp_customers": customers, "erp_products": products, "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines, "erp_payments": payments, "erp_gl_entries": ledger,
        "crm_accounts": accounts, "crm_service_cases": cases,
    })


# what this module reads of the base build
READS = ("mart_cost_reconciliation", "mart_customer_profitability", "mart_customer_sensitivity",
         "mart_scenario_profitability", "mart_segment_attractiveness", "mart_segment_profitability",
         "mart_segment_sensitivity")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The company as it is, and the same with its commission ledger x 1.05, each built as far as this
    module reads it (with the data tests of what is built)."""
    base_dir = tmp_path_factory.mktemp("whatif")
    _landing(base_dir / "landing")
    base = build_warehouse(base_dir, base_dir / "landing", {"as_of_date": "2025-12-31", "whatif_scenarios": SCENARIOS},
                           publish=False, select=READS)
    scaled_dir = tmp_path_factory.mktemp("whatif_scaled")
    _landing(scaled_dir / "landing", D("1.05"))
    # the second method needs only the segment P&L: the rebuild builds it and what it reads, with their tests
    scaled = build_warehouse(scaled_dir, scaled_dir / "landing", {"as_of_date": "2025-12-31"}, publish=False,
                             select=("mart_segment_profitability",))
    cons = (duckdb.connect(str(base.warehouse), read_only=True), duckdb.connect(str(scaled.warehouse), read_only=True))
    yield cons
    for c in cons:
        c.close()


@pytest.fixture(scope="module")
def con(builds):
    return builds[0]


def _rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_unused_capacity_and_the_identity(con):
    rec = {r["cost_center"]: r for r in _rows(con, "select * from marts.mart_cost_reconciliation")}
    cs = rec["CS"]
    assert cs["month"] == DEC and cs["allocation_method"] == "time_driven"
    assert (cs["ledger_amount"], cs["allocated_amount"], cs["unused_capacity_amount"], cs["unallocated_amount"]) == (
        D("1800.00"), D("90.00"), D("1710.00"), D("0.00"))
    assert cs["capacity_minutes"] == D("18000.00") and cs["used_minutes"] == 900
    assert cs["cost_rate_per_minute"] == pytest.approx(0.10)
    assert cs["unallocated_reason"] is None
    assert rec["COMM"]["unused_capacity_amount"] == D("0.00") and rec["COMM"]["allocated_amount"] == D("410.00")
    assert (rec["IT"]["unallocated_amount"], rec["IT"]["unused_capacity_amount"]) == (D("40.00"), D("0.00"))
    for r in rec.values():
        assert r["allocated_amount"] + r["unused_capacity_amount"] + r["unallocated_amount"] == r["ledger_amount"]
    assert con.execute("select sum(ledger_amount), sum(allocated_amount), sum(unused_capacity_amount),"
                       " sum(unallocated_amount) from marts.mart_cost_reconciliation").fetchone() == (
        D("2250.00"), D("500.00"), D("1710.00"), D("40.00"))
    # customers carry only the minutes they used
    service = dict(con.execute("select customer_key, service from marts.mart_customer_profitability").fetchall())
    assert service == {"erp:W1": D("60.00"), "erp:W2": D("30.00")}


def test_segment_sensitivity_by_hand(con):
    s = {(r["segment_key"], r["lever"]): r for r in _rows(con, "select * from marts.mart_segment_sensitivity")}
    assert {k[1] for k in s} == {"price", "purchase_terms", "commission", "credit_collection", "marketing", "back_office"}
    w1 = {lever: s[("46-small", lever)] for lever in
          ("price", "purchase_terms", "commission", "credit_collection", "marketing", "back_office")}
    assert all(r["net_profit"] == D("10.00") and r["period"] == "all" for r in w1.values())
    expected = {  # lever: (EUR per +1 %, break-even %, flips within 10 %)
        "commission": (-3.60, 10 / 3.60, True),
        "price": (6.40, -1.5625, True),
        "purchase_terms": (-5.70, 10 / 5.70, True),
        "back_office": (-0.60, 10 / 0.60, False),
        "credit_collection": (0.0, None, False),
        "marketing": (0.0, None, False),
    }
    for lever, (per_pct, break_even, flips) in expected.items():
        r = w1[lever]
        assert r["profit_change_per_pct"] == pytest.approx(per_pct), lever
        assert (r["break_even_change_pct"] is None) == (break_even is None), lever
        if break_even is not None:
            assert r["break_even_change_pct"] == pytest.approx(break_even), lever
        assert r["flips_within_10pct"] is flips, lever
    assert w1["commission"]["break_even_change_pct"] == pytest.approx(2.7777777778)
    assert (w1["commission"]["lever_cost_amount"], w1["price"]["lever_revenue_amount"], w1["price"]["lever_cost_amount"]) == (
        D("360.00"), D("1000.00"), D("360.00"))
    assert w1["commission"]["net_profit_at_plus_10pct"] == D("-26.00")
    w2 = s[("43-micro", "commission")]
    assert (w2["net_profit"], w2["profit_change_per_pct"]) == (D("220.00"), pytest.approx(-0.50))
    assert w2["break_even_change_pct"] is None and w2["flips_within_10pct"] is False  # 440 % is outside ±100 %


def test_customer_sensitivity(con):
    c = {(r["customer_key"], r["lever"]): r for r in _rows(con, "select * from marts.mart_customer_sensitivity")}
    assert {k[0] for k in c} == {"erp:W1", "erp:W2"}
    assert (c[("erp:W1", "commission")]["revenue_rank"], c[("erp:W2", "commission")]["revenue_rank"]) == (1, 2)
    assert c[("erp:W1", "commission")]["break_even_change_pct"] == pytest.approx(10 / 3.60)
    assert c[("erp:W1", "commission")]["segment_key"] == "46-small"


def test_scenario_equals_a_rebuild(builds):
    con, scaled = builds
    scen = {(r["scenario"], r["segment_key"]): r for r in _rows(con, "select * from marts.mart_scenario_profitability")}
    rebuilt = dict(scaled.execute("select segment_key, net_profit from marts.mart_segment_profitability"
                                  " where period = 'all'").fetchall())
    assert rebuilt["46-small"] == D("-8.00") and rebuilt["43-micro"] == D("217.50")  # the hand figures
    for seg in ("46-small", "43-micro"):
        # the var scenario and the seed's commission_plus_5 both equal the rebuild, to the cent
        for name in ("t_commission_plus_5", "commission_plus_5"):
            assert scen[(name, seg)]["net_profit_scenario"] == rebuilt[seg], (name, seg)
    r = scen[("t_commission_plus_5", "46-small")]
    assert (r["net_profit_actual"], r["net_profit_change"], r["turns_to_loss"]) == (D("10.00"), D("-18.00"), True)
    # a uniform commission rise moves every segment's cost of sales alike: no rank moves
    ranks = _rows(con, "select * from marts.mart_scenario_profitability where scenario = 't_commission_plus_5'"
                       " and attractiveness_rank_actual is not null")
    assert ranks and all(x["attractiveness_rank_scenario"] == x["attractiveness_rank_actual"] for x in ranks)
    actual = dict(con.execute("select segment_key, attractiveness_rank from marts.mart_segment_attractiveness").fetchall())
    assert {x["segment_key"]: x["attractiveness_rank_actual"] for x in ranks} == actual


def test_scenario_on_one_product_group(con):
    scen = {r["segment_key"]: r for r in _rows(con, "select * from marts.mart_scenario_profitability"
                                                    " where scenario = 't_price_g2_plus_10'")}
    assert (scen["43-micro"]["revenue_scenario"], scen["43-micro"]["net_profit_scenario"]) == (D("550.00"), D("270.00"))
    assert scen["46-small"]["net_profit_scenario"] == D("10.00")
    assert scen["43-micro"]["attractiveness_score_scenario"] > scen["43-micro"]["attractiveness_score_actual"]
    assert scen["46-small"]["attractiveness_score_scenario"] < scen["46-small"]["attractiveness_score_actual"]
    ranks = sorted(r["attractiveness_rank_scenario"] for r in scen.values() if r["attractiveness_rank_scenario"])
    assert ranks == list(range(1, len(ranks) + 1))  # still a ranking
