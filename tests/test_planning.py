"""Sales funnel, address calculation and prospect target list on hand-made landing sets.

As-of date 2025-12-31 (var) → planning period 2026-Q1 of seed sales_targets (the first period
ending on or after the as-of date; 2026-01-01..2026-03-31 = 90 days). Its target is read
from the seed file (an input, not model output). Built with vars funnel_window_days 90 and
funnel_shrinkage_addresses 2 (funnel_new_business_after_days stays at its default 730).

Companies (segment 46-small = industry 46, 20 employees, unless said):
    A active: 30,000 on 2025-11-15 (inside the last 90 days: after 2025-10-02) and
              20,000 on 2025-06-01 (outside)
    B active: 10,000 on 2025-12-20 (its first invoice)
    L lapsed: 5,000 on 2024-08-01 (517 days before the as-of date)
    X ex-customer: 12,300 on 2022-05-01
    Z ex-customer, blocked in the ERP: 9,000 on 2022-06-01 → left off the list
    Y ex-customer in 43-micro (5 employees): 8,000 on 2023-03-10
    CRM prospects P1 (46-small, 30 employees), P2 (46-small, 12), P3 (43-micro, 5)
expected existing revenue = active customers' last 90 days = A 30,000 + B 10,000 = 40,000.

Funnel: a company enters a quarter with its first call there (activities of type call) and
counts a stage reached within 90 days of that call and before its first call in a later
quarter (a later stage implies the earlier ones):
    2025-Q3 (window closed: 09-30 + 90 = 12-29 ≤ 12-31)
      A  first call 07-01 (2 calls), window to 09-29: appointment 07-01, quote O1 09-10; O1 is won
         10-01 = day 92, outside → reached quote. Bought 2025-06-01 → account management.
      B  07-02 (2 calls), to 09-30: no appointment logged, quote O2 08-20, won O2 09-20 (3,000,
         day 80) → order. Never bought before → new business.
      P1 07-03 (2 calls): appointment 07-03, quote O3 08-15, O3 lost → quote. New business.
      P2 09-10 (1 call, no contact): nothing (O4 has no quote) → called only. New business.
      Y  08-05 (1 call): appointment 08-05, quote O5 08-12, won O5 09-15 (800, day 41) → order.
         Last bought 2023-03-10 = 879 days before > 730 → new business (an ex-customer then).
      P3 09-02 (1 call): its appointment 10-07 falls on its first Q4 call, so it counts for Q4;
         window to 10-06 → called only. New business.
    2025-Q4 (window open at the as-of date)
      B  10-01 (2 calls): O2 closed before → called only. Still never bought before → new business.
      P3 10-07 (2 calls): appointment 10-07 → appointment. New business.
    The visit and e-mail on A are not calls and open no quarter for A in Q4.

    46-small 2025-Q3: calls 4 (A, B, P1, P2), appointments 3, quotes 3, orders 1 (B), 7 call
      activities; new business B, P1, P2: 3, 2, 2, 1, 3,000 won, 5 calls
    43-micro 2025-Q3: calls 2 (Y, P3), appointments 1, quotes 1, orders 1 (Y), 800 won
    all × all: calls 8, appointments 5, quotes 4, orders 2 → call→appointment 62.5 %,
      appointment→quote 80 %, quote→order 50 %, call→order 25 %; won 3,800, avg order 1,900,
      cycle (80 + 41) / 2 = 60.5 days; 13 call activities; new business 7, 4, 3, 2 → 28.57 %.

New-business figures from the closed quarter (2025-Q3), shrunk with k = 2:
    company: 5 addresses (B, P1, P2, Y, P3), 2 orders, 3,800 won, 7 calls → rate p = 40 %,
      order value v = 1,900, value per address 760, calls per address 1.4; k·p = 0.8, k·p·v = 1,520
    46-small: 3 addresses, 1 order, 3,000 → rate (1 + 0.8) / (3 + 2) = 36 %,
      value (3,000 + 1,520) / 1.8 = 2,511.11, per address 4,520 / 5 = 904.00
    43-micro: 2 addresses, 1 order, 800 → rate 1.8 / 4 = 45 %, value 2,320 / 1.8 = 1,288.89,
      per address 2,320 / 4 = 580.00
Target list X, L, P1, P2 (904 each), Y, P3 (580 each) brings 4,776 < gap, so the addresses run
out: addresses_needed = 6 + ceil((gap − 4,776) / 1,900 / 0.40), calls_needed = ceil(that × 1.4).
"""

from __future__ import annotations

import csv
import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.support import build_warehouse, write_landing

AS_OF = "2025-12-31"
VARS = {"as_of_date": AS_OF, "funnel_window_days": 90, "funnel_shrinkage_addresses": 2}
REPO = Path(__file__).resolve().parents[1]


def seed_target(period: str) -> Decimal:
    with open(REPO / "seeds" / "sales_targets.csv", newline="") as fh:
        return sum(Decimal(r["revenue_target"]) for r in csv.DictReader(fh)
                   if r["period"] == period and not r["segment_key"])


def _customer(cid, industry="46", employees=20, blocked=False):
    return {"customer_id": cid, "customer_name": f"Company {cid}", "industry_code": industry,
            "employee_count": employees, "country": "NL", "postcode": "1000AA",
            "created_date": date(2020, 1, 1), "account_manager": "am", "payment_terms_days": 30,
            "credit_limit": 10000, "is_blocked": blocked}


INVOICES = [("A", date(2025, 11, 15), 30000), ("A", date(2025, 6, 1), 20000),
            ("B", date(2025, 12, 20), 10000), ("L", date(2024, 8, 1), 5000),
            ("X", date(2022, 5, 1), 12300), ("Z", date(2022, 6, 1), 9000),
            ("Y", date(2023, 3, 10), 8000)]


def _account(aid, erp=None, industry="46", employees=20):
    return {"account_id": aid, "erp_customer_id": erp, "account_name": f"Account {aid}",
            "industry_code": industry, "employee_count": employees, "country": "NL",
            "postcode": "1000AA", "lead_source": "web", "owner": "rep",
            "created_date": date(2024, 1, 1)}


def _activity(n, aid, kind, d, outcome):
    return {"activity_id": f"T{n}", "account_id": aid, "activity_type": kind, "activity_date": d,
            "duration_minutes": 10, "owner": "rep", "outcome": outcome}


ACTIVITIES = [
    ("CA", "call", date(2025, 7, 1), "appointment"), ("CB", "call", date(2025, 7, 2), "contact"),
    ("CP1", "call", date(2025, 7, 3), "appointment"), ("CP1", "call", date(2025, 8, 1), "no_contact"),
    ("CA", "call", date(2025, 8, 2), "contact"), ("CB", "call", date(2025, 9, 1), "no_contact"),
    ("CB", "call", date(2025, 10, 1), "contact"), ("CB", "call", date(2025, 11, 1), None),
    ("CA", "visit", date(2025, 10, 5), "appointment"),
    ("CP3", "call", date(2025, 10, 7), "appointment"), ("CP3", "call", date(2025, 11, 7), "contact"),
    ("CA", "email", date(2025, 12, 1), "contact"),
    ("CY", "call", date(2025, 8, 5), "appointment"), ("CP3", "call", date(2025, 9, 2), "contact"),
    ("CP2", "call", date(2025, 9, 10), "no_contact"),
]


def _opp(oid, aid, created, quote, close, stage, amount):
    return {"opportunity_id": oid, "account_id": aid, "created_date": created, "quote_date": quote,
            "close_date": close, "stage": stage, "amount": amount}


def landing(root: Path, *, wins: bool = True) -> Path:
    customers = [_customer(c) for c in "ABLX"] + [_customer("Z", blocked=True),
                                                  _customer("Y", industry="43", employees=5)]
    invoices = [{"invoice_id": f"I{n}", "customer_id": c, "invoice_date": d, "due_date": d,
                 "currency": "EUR", "order_channel": "web", "is_credit_note": False, "sales_rep": "rep"}
                for n, (c, d, _) in enumerate(INVOICES, start=1)]
    lines = [{"invoice_id": f"I{n}", "line_no": 1, "product_id": "p1", "quantity": 1,
              "unit_price": amount, "discount_pct": 0, "net_amount": amount, "cost_amount": amount // 2}
             for n, (_, _, amount) in enumerate(INVOICES, start=1)]
    products = [{"product_id": "p1", "product_name": "Pipe", "product_group": "Pipes",
                 "unit_cost": 1, "list_price": 2, "is_active": True}]
    accounts = [_account("CA", "A"), _account("CB", "B"), _account("CY", "Y", industry="43", employees=5),
                _account("CP1", employees=30),
                _account("CP2", employees=12), _account("CP3", industry="43", employees=5)]
    activities = [_activity(n, *a) for n, a in enumerate(ACTIVITIES, start=1)]
    won = "won" if wins else "lost"
    opps = [_opp("O1", "CA", date(2025, 9, 1), date(2025, 9, 10), date(2025, 10, 1), won, 1000),
            _opp("O2", "CB", date(2025, 8, 10), date(2025, 8, 20), date(2025, 9, 20), won, 3000),
            _opp("O3", "CP1", date(2025, 8, 1), date(2025, 8, 15), date(2025, 9, 30), "lost", 5000),
            _opp("O4", "CP2", date(2025, 12, 1), None, None, "open", 2000),
            _opp("O5", "CY", date(2025, 8, 10), date(2025, 8, 12), date(2025, 9, 15), won, 800)]
    write_landing(root, "2026-01-01", {
        "erp_customers": customers, "erp_products": products, "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines, "crm_accounts": accounts, "crm_activities": activities,
        "crm_opportunities": opps,
    })
    return root


# what this module reads; the builds make these and what they read, with their data tests
READS = ("int_funnel_entries_staged", "int_planning_new_business_rates", "mart_prospect_targets",
         "mart_prospect_targets_summary", "mart_sales_funnel", "mart_segment_attractiveness")


def _build(tmp_path_factory, name, **kw):
    tmp = tmp_path_factory.mktemp(name)
    path = build_warehouse(tmp, landing(tmp / "landing", **kw), VARS, publish=False, select=READS).warehouse
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = _build(tmp_path_factory, "planning")
    yield c
    c.close()


@pytest.fixture(scope="module")
def con_no_wins(tmp_path_factory):
    """The same companies and calls, but every won opportunity (O1, O2, O5) lost: no order."""
    c = _build(tmp_path_factory, "planning_no_wins", wins=False)
    yield c
    c.close()


def rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def funnel(con):
    return {(r["segment_key"], r["period"]): r for r in rows(con, "select * from marts.mart_sales_funnel")}


def test_funnel_total(con):
    t = funnel(con)[("all", "all")]
    assert (t["calls"], t["appointments"], t["quotes"], t["orders"]) == (8, 5, 4, 2)
    assert t["call_to_appointment_pct"] == pytest.approx(62.5)       # 5 / 8
    assert t["appointment_to_quote_pct"] == pytest.approx(80.0)      # 4 / 5
    assert t["quote_to_order_pct"] == pytest.approx(50.0)            # 2 / 4
    assert t["call_to_order_pct"] == pytest.approx(25.0)             # 2 / 8
    assert t["won_order_value"] == Decimal("3800.00")                # B 3,000 + Y 800
    assert t["avg_won_order_value"] == Decimal("1900.00")
    assert t["avg_sales_cycle_days"] == pytest.approx(60.5)          # (80 + 41) / 2
    assert t["call_activities"] == 13
    assert t["window_complete"] is False                             # 2025-Q4 is still open
    nb = (t["new_business_calls"], t["new_business_appointments"], t["new_business_quotes"],
          t["new_business_orders"])
    assert nb == (7, 4, 3, 2)                                        # all but A's quarter
    assert t["new_business_call_to_order_pct"] == pytest.approx(200 / 7)
    assert t["new_business_avg_won_order_value"] == Decimal("1900.00")


def test_funnel_by_segment_and_quarter(con):
    f = funnel(con)
    q3 = f[("46-small", "2025-Q3")]
    # A (quote; its order on day 92 is outside the 90-day window), B (order), P1 (quote), P2 (called)
    assert (q3["calls"], q3["appointments"], q3["quotes"], q3["orders"]) == (4, 3, 3, 1)
    assert q3["call_activities"] == 7 and q3["window_complete"] is True
    assert (q3["new_business_calls"], q3["new_business_orders"]) == (3, 1)
    assert q3["new_business_won_order_value"] == Decimal("3000.00")
    q4 = f[("46-small", "2025-Q4")]
    # only B is called in Q4 (A's visit is no call); its order came before this quarter's first call
    assert (q4["calls"], q4["appointments"], q4["quotes"], q4["orders"]) == (1, 0, 0, 0)
    assert q4["appointment_to_quote_pct"] is None                   # no appointments: no rate
    assert q4["window_complete"] is False
    m = f[("43-micro", "all")]
    assert (m["calls"], m["appointments"], m["quotes"], m["orders"]) == (3, 2, 1, 1)
    assert f[("all", "2025-Q4")]["calls"] == 2


def test_funnel_motion_at_the_first_call(con):
    e = {(r["customer_key"], r["period"]): r for r in rows(con, "select * from intermediate.int_funnel_entries_staged")}
    assert e[("erp:A", "2025-Q3")]["motion"] == "account_management"   # bought 30 days before
    assert e[("erp:Y", "2025-Q3")]["motion"] == "new_business"         # last bought 879 days before
    assert e[("erp:B", "2025-Q4")]["motion"] == "new_business"         # first invoice only on 12-20
    assert e[("erp:B", "2025-Q3")]["cycle_days"] == 80
    # P3's Q3 window ends the day before its first Q4 call: the 10-07 appointment counts for Q4 only
    assert e[("crm:CP3", "2025-Q3")]["window_end"] == date(2025, 10, 6)
    assert not e[("crm:CP3", "2025-Q3")]["reached_appointment"] and e[("crm:CP3", "2025-Q4")]["reached_appointment"]


def test_new_business_rates_are_shrunk_toward_the_company(con):
    r = {x["segment_key"]: x for x in rows(con, "select * from intermediate.int_planning_new_business_rates")}
    assert (r["all"]["addresses"], r["all"]["orders"], r["all"]["call_activities"]) == (5, 2, 7)
    assert r["all"]["address_to_order_pct"] == pytest.approx(40.0)
    assert (r["all"]["order_value"], r["all"]["value_per_address"]) == (Decimal("1900.00"), Decimal("760.00"))
    assert r["46-small"]["address_to_order_pct"] == pytest.approx(36.0)
    assert (r["46-small"]["order_value"], r["46-small"]["value_per_address"]) == (Decimal("2511.11"), Decimal("904.00"))
    assert r["46-small"]["credibility"] == pytest.approx(0.6)
    assert r["43-micro"]["address_to_order_pct"] == pytest.approx(45.0)
    assert (r["43-micro"]["order_value"], r["43-micro"]["value_per_address"]) == (Decimal("1288.89"), Decimal("580.00"))


def test_address_calculation_and_addresses_running_out(con):
    s = rows(con, "select * from marts.mart_prospect_targets_summary")[0]
    target = seed_target("2026-Q1")
    assert s["period"] == "2026-Q1" and s["revenue_target"] == target
    assert s["expected_existing_revenue"] == Decimal("40000.00")     # A 30,000 + B 10,000
    gap = target - 40000
    assert s["gap"] == gap
    assert s["avg_won_order_value"] == Decimal("1900.00") and s["call_to_order_pct"] == pytest.approx(40.0)
    assert s["calls_per_address"] == pytest.approx(1.4)
    listed = 4 * Decimal(904) + 2 * Decimal(580)                     # the 6 candidates bring 4,776
    missing = math.ceil((gap - listed) / Decimal(1900) / Decimal("0.40"))
    assert s["addresses_needed"] == 6 + missing
    assert s["calls_needed"] == math.ceil((6 + missing) * Decimal("1.4"))
    assert s["addresses_available"] == 6                             # X, L, P1, P2, Y, P3 (Z blocked)
    assert s["addresses_missing"] == missing
    assert str(missing) in s["note"]


def test_target_list_order(con):
    t = rows(con, "select * from marts.mart_prospect_targets order by target_rank")
    ranks = {r["segment_key"]: r["attractiveness_rank"]
             for r in rows(con, "select * from marts.mart_segment_attractiveness")}
    # within a segment: ex-customers, lapsed, prospects; prospects by employees (30 before 12)
    small = ["erp:X", "erp:L", "crm:CP1", "crm:CP2"]
    micro = ["erp:Y", "crm:CP3"]
    first_small = ranks["46-small"] < ranks["43-micro"]
    expected = small + micro if first_small else micro + small
    assert [r["customer_key"] for r in t] == expected
    assert [r["target_rank"] for r in t] == [1, 2, 3, 4, 5, 6]
    values = [Decimal(904)] * 4 + [Decimal(580)] * 2 if first_small else [Decimal(580)] * 2 + [Decimal(904)] * 4
    assert [r["expected_value"] for r in t] == values
    assert [r["cumulative_expected_value"] for r in t] == [sum(values[:i + 1]) for i in range(6)]
    x = next(r for r in t if r["customer_key"] == "erp:X")
    assert x["reason"] == f"ex-customer in segment 46-small ranked {ranks['46-small']}; bought 12,300 EUR until 2022-05"
    assert "erp:Z" not in {r["customer_key"] for r in t}


def test_no_won_order_gives_no_address_count_and_an_uncut_list(con_no_wins):
    t = funnel(con_no_wins)[("all", "all")]
    assert (t["calls"], t["quotes"], t["orders"]) == (8, 4, 0)
    assert t["call_to_order_pct"] == 0.0 and t["avg_won_order_value"] is None
    s = rows(con_no_wins, "select * from marts.mart_prospect_targets_summary")[0]
    assert s["addresses_needed"] is None and s["addresses_missing"] is None and s["calls_needed"] is None
    assert "no won orders" in s["note"]
    assert con_no_wins.execute("select count(*) from marts.mart_prospect_targets").fetchone()[0] == 6


def _shrinkage_strength() -> float:
    import yaml

    return float(yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["funnel_shrinkage_addresses"])


def test_demo_funnel_rates_and_address_count(demo_build):
    """On the demo serving copy: no funnel rate above 100 %, and the address count is a count of
    companies that follows from the formula, recomputed here from mart_sales_funnel's closed
    segment × quarter rows: company rate p and order value v, each segment's value per address
    (won + k·p·v) / (addresses + k), the target list walked down until it covers the gap, the
    rest at gap ÷ v ÷ p."""
    con = duckdb.connect(str(demo_build.serving), read_only=True)
    try:
        f = rows(con, "select * from marts.mart_sales_funnel")
        rates = ("call_to_appointment_pct", "appointment_to_quote_pct", "quote_to_order_pct",
                 "call_to_order_pct", "new_business_call_to_order_pct")
        assert max(r[k] for r in f for k in rates if r[k] is not None) <= 100.0
        assert all(r["calls"] >= r["appointments"] >= r["quotes"] >= r["orders"] >= r["new_business_orders"] for r in f)
        total = next(r for r in f if (r["segment_key"], r["period"]) == ("all", "all"))
        assert total["calls"] > 1000 and 0 < total["new_business_calls"] < total["calls"]  # not vacuous

        closed = [r for r in f if r["segment_key"] != "all" and r["period"] != "all" and r["window_complete"]]
        seg: dict[str, list[float]] = {}
        for r in closed:
            a = seg.setdefault(r["segment_key"], [0.0, 0.0, 0.0])
            a[0] += r["new_business_calls"]
            a[1] += r["new_business_orders"]
            a[2] += float(r["new_business_won_order_value"])
        n, o, w = (sum(a[i] for a in seg.values()) for i in range(3))
        p, v, k = o / n, w / o, _shrinkage_strength()
        per_address = {s: (a[2] + k * w / n) / (a[0] + k) for s, a in seg.items() if a[0] > 0}

        s = rows(con, "select * from marts.mart_prospect_targets_summary")[0]
        t = rows(con, "select * from marts.mart_prospect_targets order by target_rank")
        assert s["call_to_order_pct"] == pytest.approx(100 * p) and float(s["avg_won_order_value"]) == pytest.approx(v, abs=0.005)
        needed, gap = s["addresses_needed"], s["gap"]
        assert isinstance(needed, int) and needed > 0
        assert len({r["customer_key"] for r in t}) == len(t) == min(needed, s["addresses_available"])
        running = Decimal(0)
        for r in t:
            expected = per_address.get(r["segment_key"], w / n)
            assert float(r["expected_value"]) == pytest.approx(expected, abs=0.006), r["customer_key"]
            assert running < gap                       # nobody is listed after the gap is covered
            running += r["expected_value"]
        if needed <= s["addresses_available"]:
            assert running >= gap                      # ... and the list covers it
        else:                                          # the rest in new addresses: rest ÷ v ÷ p
            rest = float(gap - running) / float(s["avg_won_order_value"]) / (s["call_to_order_pct"] / 100.0)
            assert needed == len(t) + math.ceil(round(rest, 6))
        assert s["calls_needed"] == math.ceil(round(needed * s["calls_per_address"], 6))
    finally:
        con.close()
