"""Market and customer penetration on a hand-made landing set (figures computed by hand below).

As-of date 2025-12-31 (var), penetration window 365 days: invoices after 2024-12-31 count.

Segment 46-small (industry 46, 20 employees), five buying customers in the window:
    A (NL): Pipes 1,000  Valves 400            (+ Tools 5,000 on 2024-06-01: outside the window)
    B (NL): Pipes 2,000  Tools 300
    C (NL): Pipes 600    Valves 800 (two lines 500 + 300)
    D (NL): Pipes 400    Safety 100
    F (BE): Pipes 1,500  Valves 600
  plus L (lapsed, last invoice 2024-06-15, 564 days before), X (ex-customer, 2023-01-15,
  1,081 days before) and CRM-only prospect P.
Segment 43-micro: E (5 employees) Pipes 250, Tools 50. Segment 99-small (not in the market
seed): G Pipes 100. Segment 56-large: M01 to M21 (BE, 300 employees) Pipes 100 each, one more
customer in Belgium than the seed's 20 companies there (and 21 of its 110 in all).

Buyer shares in 46-small (5 buyers): Pipes 5/5 = 100 %, Valves 3/5 = 60 %, Tools 1/5 = 20 %,
Safety 1/5 = 20 % → relevant (>= 25 %): Pipes, Valves.
Benchmarks (percentile_cont): Pipes sorted 400, 600, 1000, 1500, 2000 → median 1,000,
p75 at position 4 × 0.75 = 3 → 1,500. Valves sorted 400, 600, 800 → median 600,
p75 at position 2 × 0.75 = 1.5 → 600 + 0.5 × 200 = 700. Tools: only B 300 → p75 300.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.support import build_warehouse, write_landing

AS_OF = "2025-12-31"
REPO = Path(__file__).resolve().parents[1]
GROUPS = {"p1": "Pipes", "p2": "Valves", "p3": "Tools", "p4": "Safety"}


def _customer(cid, industry="46", employees=20, country="NL"):
    return {"customer_id": cid, "customer_name": f"Company {cid}", "industry_code": industry,
            "employee_count": employees, "country": country, "postcode": "1000AA",
            "created_date": date(2020, 1, 1), "account_manager": "am", "payment_terms_days": 30,
            "credit_limit": 10000, "is_blocked": False}


# (customer, invoice date, [(product, net amount), ...])
INVOICES = [
    ("A", date(2025, 3, 1), [("p1", 1000), ("p2", 400)]),
    ("A", date(2024, 6, 1), [("p3", 5000)]),
    ("B", date(2025, 5, 1), [("p1", 2000), ("p3", 300)]),
    ("C", date(2025, 7, 1), [("p1", 600), ("p2", 500), ("p2", 300)]),
    ("D", date(2025, 9, 1), [("p1", 400), ("p4", 100)]),
    ("F", date(2025, 11, 1), [("p1", 1500), ("p2", 600)]),
    ("L", date(2024, 6, 15), [("p1", 900)]),
    ("X", date(2023, 1, 15), [("p1", 700)]),
    ("E", date(2025, 10, 1), [("p1", 250), ("p3", 50)]),
    ("G", date(2025, 12, 1), [("p1", 100)]),
] + [(f"M{i:02d}", date(2025, 6, 1), [("p1", 100)]) for i in range(1, 22)]
BELGIAN_LARGE = [f"M{i:02d}" for i in range(1, 22)]  # 56-large, BE: the seed says 20 companies


def landing(root: Path) -> Path:
    customers = [_customer(c) for c in "ABCDLX"] + [
        _customer("F", country="BE"), _customer("E", industry="43", employees=5),
        _customer("G", industry="99", employees=20)] + [
        _customer(c, industry="56", employees=300, country="BE") for c in BELGIAN_LARGE]
    invoices, lines = [], []
    for n, (cid, d, items) in enumerate(INVOICES, start=1):
        invoices.append({"invoice_id": f"I{n}", "customer_id": cid, "invoice_date": d, "due_date": d,
                         "currency": "EUR", "order_channel": "web", "is_credit_note": False,
                         "sales_rep": "rep"})
        for line_no, (pid, amount) in enumerate(items, start=1):
            lines.append({"invoice_id": f"I{n}", "line_no": line_no, "product_id": pid, "quantity": 1,
                          "unit_price": amount, "discount_pct": 0, "net_amount": amount,
                          "cost_amount": amount // 2})
    products = [{"product_id": p, "product_name": g, "product_group": g, "unit_cost": 1,
                 "list_price": 2, "is_active": True} for p, g in GROUPS.items()]
    accounts = [{"account_id": "CP", "account_name": "Prospect P", "industry_code": "46",
                 "employee_count": 20, "country": "NL", "postcode": "1000AA", "lead_source": "web",
                 "owner": "rep", "created_date": date(2025, 1, 1)}]
    write_landing(root, "2026-01-01", {
        "erp_customers": customers, "erp_products": products, "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines, "crm_accounts": accounts,
    })
    return root


def seed_market(industry: str, size: str) -> int:
    """Companies in the market seed for a segment: an input, read from the seed file."""
    with open(REPO / "seeds" / "market_universe.csv", newline="") as fh:
        return sum(int(r["companies"]) for r in csv.DictReader(fh)
                   if r["industry_code"] == industry and r["size_class"] == size)


# what this module reads; the build makes these and what they read, with their data tests
READS = ("mart_customer_penetration", "mart_customer_whitespace", "mart_market_penetration",
         "mart_market_penetration_region")


@pytest.fixture(scope="module")
def penetration_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("penetration")
    return build_warehouse(tmp, landing(tmp / "landing"), {"as_of_date": AS_OF}, publish=False, select=READS)


@pytest.fixture(scope="module")
def con(penetration_build):
    c = duckdb.connect(str(penetration_build.warehouse), read_only=True)
    yield c
    c.close()


def rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_market_penetration_counts_customers_against_the_market(con):
    m = {r["segment_key"]: r for r in rows(con, "select * from marts.mart_market_penetration")}
    s = m["46-small"]
    # customers = active A, B, C, D, F + lapsed L = 6; ex-customer X; prospect P
    assert (s["customers"], s["active_customers"], s["lapsed_customers"]) == (6, 5, 1)
    assert (s["ex_customers"], s["prospects"]) == (1, 1)
    market = seed_market("46", "small")
    assert s["market_companies"] == market and s["has_market_figures"]
    assert s["market_penetration_pct"] == pytest.approx(6 / market * 100)
    assert s["untouched_companies"] == market - 6 - 1 - 1
    e = m["43-micro"]
    assert e["customers"] == 1
    assert e["market_penetration_pct"] == pytest.approx(1 / seed_market("43", "micro") * 100)


def test_segment_without_market_figures_has_nulls_and_a_flag(con):
    g = rows(con, "select * from marts.mart_market_penetration where segment_key = '99-small'")[0]
    assert g["customers"] == 1
    assert g["market_companies"] is None and g["market_penetration_pct"] is None
    assert g["untouched_companies"] is None and g["has_market_figures"] is False


def test_market_segments_without_customers_are_listed(con):
    # every segment of the market seed is a row, also without any company of ours
    n_seed = len({(r["industry_code"], r["size_class"]) for r in
                  csv.DictReader(open(REPO / "seeds" / "market_universe.csv", newline=""))})
    empty = con.execute("select count(*) from marts.mart_market_penetration "
                        "where customers + ex_customers + prospects = 0").fetchone()[0]
    # our companies sit in 46-small, 43-micro and 56-large (in the seed) and 99-small (not)
    assert empty == n_seed - 3


def test_region_mart_splits_by_country(con):
    r = {(x["segment_key"], x["country"]): x for x in rows(con, "select * from marts.mart_market_penetration_region")}
    nl, be = r[("46-small", "NL")], r[("46-small", "BE")]
    assert (nl["customers"], nl["ex_customers"], nl["prospects"]) == (5, 1, 1)  # A B C D L; X; P
    assert (be["customers"], be["ex_customers"], be["prospects"]) == (1, 0, 0)  # F


def test_relevance_and_benchmarks(con):
    p = {(r["customer_key"], r["product_group"]): r for r in rows(con, "select * from marts.mart_customer_penetration")}
    b_tools = p[("erp:B", "Tools")]
    assert b_tools["segment_buyer_share_pct"] == pytest.approx(20.0) and not b_tools["is_relevant"]
    a_valves = p[("erp:A", "Valves")]
    assert a_valves["segment_buyer_share_pct"] == pytest.approx(60.0) and a_valves["is_relevant"]
    assert a_valves["segment_median_spend"] == Decimal("600.00")
    assert a_valves["segment_p75_spend"] == Decimal("700.00")
    assert p[("erp:A", "Pipes")]["segment_p75_spend"] == Decimal("1500.00")
    # A's Tools were bought outside the window: no row (not relevant, not bought in the window)
    assert ("erp:A", "Tools") not in p
    # lapsed L and ex-customer X have no revenue in the window: no rows
    assert not [k for k in p if k[0] in ("erp:L", "erp:X")]


def test_cross_and_up_sell_per_row(con):
    p = {(r["customer_key"], r["product_group"]): r for r in rows(con, "select * from marts.mart_customer_penetration")}
    # B does not buy relevant Valves: cross-sell = median 600
    assert p[("erp:B", "Valves")]["expected_cross_sell_value"] == Decimal("600.00")
    assert not p[("erp:B", "Valves")]["buys_group"]
    # B buys Pipes 2,000 > p75 1,500: no up-sell; D buys Pipes 400: 1,500 − 400 = 1,100
    assert p[("erp:B", "Pipes")]["up_sell_value"] == Decimal("0.00")
    assert p[("erp:D", "Pipes")]["up_sell_value"] == Decimal("1100.00")
    # C buys Valves 800 > p75 700: 0; F Valves 600: 700 − 600 = 100
    assert p[("erp:C", "Valves")]["up_sell_value"] == Decimal("0.00")
    assert p[("erp:F", "Valves")]["up_sell_value"] == Decimal("100.00")


def test_whitespace_per_customer(con):
    w = {r["customer_key"]: r for r in rows(con, "select * from marts.mart_customer_whitespace")}
    # A: up 500 (Pipes) + 300 (Valves) = 800, penetration 2/2
    # B: cross 600 (Valves), up 0; penetration 1/2 = 50 %
    # C: up 900 (Pipes 1,500 − 600) + 0 = 900
    # D: cross 600 (Valves) + up 1,100 (Pipes) + 0 (Safety, only buyer: p75 = own 100) = 1,700; 1/2
    # F: up 0 (Pipes) + 100 (Valves) = 100
    # E, G: alone in their segment, p75 = own spend: 0; M01-M21 all buy Pipes 100: 0
    expected = {"erp:A": (0, 800, 100.0), "erp:B": (600, 0, 50.0), "erp:C": (0, 900, 100.0),
                "erp:D": (600, 1100, 50.0), "erp:F": (0, 100, 100.0), "erp:E": (0, 0, 100.0),
                "erp:G": (0, 0, 100.0), **{f"erp:{c}": (0, 0, 100.0) for c in BELGIAN_LARGE}}
    assert set(w) == set(expected)
    for key, (cross, up, pct) in expected.items():
        assert (w[key]["cross_sell_value"], w[key]["up_sell_value"]) == (Decimal(cross), Decimal(up)), key
        assert w[key]["expected_value"] == Decimal(cross + up)
        assert w[key]["penetration_pct"] == pytest.approx(pct), key
    assert (w["erp:D"]["relevant_groups"], w["erp:D"]["groups_bought"]) == (2, 2)
    assert w["erp:D"]["top_gap_group"] == "Valves" and w["erp:A"]["top_gap_group"] is None
    # rank by expected value: D 1,700, C 900, A 800, B 600, F 100, then E, G and M01-M21 (0) by key
    order = [k for k, _ in sorted(w.items(), key=lambda kv: kv[1]["whitespace_rank"])]
    assert order == ["erp:D", "erp:C", "erp:A", "erp:B", "erp:F", "erp:E", "erp:G",
                     *(f"erp:{c}" for c in BELGIAN_LARGE)]


def test_more_customers_than_the_market_has_companies_is_said(con, penetration_build):
    # 56-large in Belgium: 21 customers, the seed's 20 companies: 105 % in the region mart; the
    # segment in all countries stays below 100 % (21 of 110)
    r = rows(con, "select * from marts.mart_market_penetration_region where segment_key = '56-large' and country = 'BE'")[0]
    assert (r["customers"], r["market_companies"]) == (21, 20)
    assert r["market_penetration_pct"] == pytest.approx(105.0)
    assert rows(con, "select market_penetration_pct from marts.mart_market_penetration"
                     " where segment_key = '56-large'")[0]["market_penetration_pct"] == pytest.approx(21 / 110 * 100)
    # the run output says so, naming the worst segment and country with both counts
    from kansrijk.refresh import gaps

    said = [g for g in gaps(penetration_build) if g.startswith("Market:")]
    assert said == ["Market: 1 segment(s) × country count more customers than seed market_universe has companies"
                    " (the most: 56-large in BE, 21 customers against 20 companies); their market penetration"
                    " is above 100 %: the seed counts too few companies for them, or another population."]
