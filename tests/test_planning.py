"""Sales funnel, address calculation and prospect target list on hand-made landing sets.

As-of date 2025-12-31 (var) → planning period 2026-Q1 of seed sales_targets (the first period
ending on or after the as-of date; 2026-01-01..2026-03-31 = 90 days). Its target is read
from the seed file (an input, not model output).

Companies (segment 46-small = industry 46, 20 employees, unless said):
    A active: 30,000 on 2025-11-15 (inside the last 90 days: after 2025-10-02) and
              20,000 on 2025-06-01 (outside)
    B active: 10,000 on 2025-12-20
    L lapsed: 5,000 on 2024-08-01 (517 days before the as-of date)
    X ex-customer: 12,300 on 2022-05-01
    Z ex-customer, blocked in the ERP: 9,000 on 2022-06-01 → left off the list
    Y ex-customer in 43-micro (5 employees): 8,000 on 2023-03-10
    CRM prospects P1 (46-small, 30 employees), P2 (46-small, 12), P3 (43-micro, 5)
expected existing revenue = active customers' last 90 days = A 30,000 + B 10,000 = 40,000.

Funnel (calls are activities of type call; appointments any activity with outcome appointment):
    2025-Q3: 6 calls on A/B/P1 (2 with outcome appointment) → 46-small
    2025-Q4: 2 calls on B (none) + 1 visit on A with appointment → 46-small;
             2 calls on P3 (1 appointment) → 43-micro; 1 e-mail (not a call) on A
    opportunities: O1 A created 09-01, quote 09-10, won 10-01, 1,000 (cycle 30 days)
                   O2 B created 10-10, quote 10-20, won 12-09, 3,000 (cycle 60 days)
                   O3 P1 created 08-01, quote 08-15, lost 09-30, 5,000
                   O4 P2 created 12-01, open, no quote
    all × all: calls 10, appointments 4, quotes 3, orders 2 → call→appointment 40 %,
    appointment→quote 75 %, quote→order 66.67 %, call→order 20 %, avg order 2,000, cycle 45 days.
addresses_needed = ceil((target − 40,000) / 2,000 / 0.20); candidates X, L, P1, P2, Y, P3 = 6
→ the addresses run out.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.support import write_landing
from tests.test_penetration import build_in_subprocess

AS_OF = "2025-12-31"
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
    accounts = [_account("CA", "A"), _account("CB", "B"), _account("CP1", employees=30),
                _account("CP2", employees=12), _account("CP3", industry="43", employees=5)]
    activities = [_activity(n, *a) for n, a in enumerate(ACTIVITIES, start=1)]
    won = "won" if wins else "lost"
    opps = [_opp("O1", "CA", date(2025, 9, 1), date(2025, 9, 10), date(2025, 10, 1), won, 1000),
            _opp("O2", "CB", date(2025, 10, 10), date(2025, 10, 20), date(2025, 12, 9), won, 3000),
            _opp("O3", "CP1", date(2025, 8, 1), date(2025, 8, 15), date(2025, 9, 30), "lost", 5000),
            _opp("O4", "CP2", date(2025, 12, 1), None, None, "open", 2000)]
    write_landing(root, "2026-01-01", {
        "erp_customers": customers, "erp_products": products, "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines, "crm_accounts": accounts, "crm_activities": activities,
        "crm_opportunities": opps,
    })
    return root


def _build(tmp_path_factory, name, **kw):
    tmp = tmp_path_factory.mktemp(name)
    path = build_in_subprocess(tmp, landing(tmp / "landing", **kw), {"as_of_date": AS_OF})
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = _build(tmp_path_factory, "planning")
    yield c
    c.close()


@pytest.fixture(scope="module")
def con_no_wins(tmp_path_factory):
    """The same companies and calls, but every opportunity lost: call→order hit rate 0."""
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
    assert (t["calls"], t["appointments"], t["quotes"], t["orders"]) == (10, 4, 3, 2)
    assert t["call_to_appointment_pct"] == pytest.approx(40.0)       # 4 / 10
    assert t["appointment_to_quote_pct"] == pytest.approx(75.0)      # 3 / 4
    assert t["quote_to_order_pct"] == pytest.approx(200 / 3)         # 2 / 3
    assert t["call_to_order_pct"] == pytest.approx(20.0)             # 2 / 10
    assert t["avg_won_order_value"] == Decimal("2000.00")            # (1,000 + 3,000) / 2
    assert t["avg_sales_cycle_days"] == pytest.approx(45.0)          # (30 + 60) / 2


def test_funnel_by_segment_and_quarter(con):
    f = funnel(con)
    q3 = f[("46-small", "2025-Q3")]
    # 6 calls, 2 appointments, quotes O1 (09-10) and O3 (08-15), no order closed in Q3
    assert (q3["calls"], q3["appointments"], q3["quotes"], q3["orders"]) == (6, 2, 2, 0)
    assert q3["call_to_order_pct"] == 0.0 and q3["avg_won_order_value"] is None
    q4 = f[("46-small", "2025-Q4")]
    # 2 calls, 1 appointment (visit), quote O2, orders O1 and O2 closed in Q4
    assert (q4["calls"], q4["appointments"], q4["quotes"], q4["orders"]) == (2, 1, 1, 2)
    m = f[("43-micro", "all")]
    assert (m["calls"], m["appointments"], m["quotes"], m["orders"]) == (2, 1, 0, 0)
    assert m["quote_to_order_pct"] is None          # no quotes: no rate, no division by zero
    assert f[("all", "2025-Q4")]["calls"] == 4


def test_address_calculation_and_addresses_running_out(con):
    s = rows(con, "select * from marts.mart_prospect_targets_summary")[0]
    target = seed_target("2026-Q1")
    assert s["period"] == "2026-Q1" and s["revenue_target"] == target
    assert s["expected_existing_revenue"] == Decimal("40000.00")     # A 30,000 + B 10,000
    gap = target - 40000
    assert s["gap"] == gap
    needed = math.ceil(gap / Decimal(2000) / Decimal("0.20"))        # orders needed / orders per call
    assert s["addresses_needed"] == needed
    assert s["addresses_available"] == 6                             # X, L, P1, P2, Y, P3 (Z blocked)
    assert s["addresses_missing"] == needed - 6
    assert str(needed - 6) in s["note"]


def test_target_list_order(con):
    t = rows(con, "select * from marts.mart_prospect_targets order by target_rank")
    ranks = {r["segment_key"]: r["attractiveness_rank"]
             for r in rows(con, "select * from marts.mart_segment_attractiveness")}
    # within a segment: ex-customers, lapsed, prospects; prospects by employees (30 before 12)
    small = ["erp:X", "erp:L", "crm:CP1", "crm:CP2"]
    micro = ["erp:Y", "crm:CP3"]
    expected = small + micro if ranks["46-small"] < ranks["43-micro"] else micro + small
    assert [r["customer_key"] for r in t] == expected
    assert [r["target_rank"] for r in t] == [1, 2, 3, 4, 5, 6]
    x = next(r for r in t if r["customer_key"] == "erp:X")
    assert x["reason"] == f"ex-customer in segment 46-small ranked {ranks['46-small']}; bought 12,300 EUR until 2022-05"
    assert "erp:Z" not in {r["customer_key"] for r in t}


def test_zero_hit_rate_gives_no_address_count_and_an_uncut_list(con_no_wins):
    t = funnel(con_no_wins)[("all", "all")]
    assert (t["calls"], t["orders"]) == (10, 0)
    assert t["call_to_order_pct"] == 0.0 and t["avg_won_order_value"] is None
    s = rows(con_no_wins, "select * from marts.mart_prospect_targets_summary")[0]
    assert s["addresses_needed"] is None and s["addresses_missing"] is None
    assert "no won orders" in s["note"]
    assert con_no_wins.execute("select count(*) from marts.mart_prospect_targets").fetchone()[0] == 6
