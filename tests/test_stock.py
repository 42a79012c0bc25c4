"""Segment-aware stock (issue 22) on a landing set small enough to work out by hand.

One build (module-scoped), vars: as-of date 2025-12-31, segment_window_days 364 and
stock_period_days 91, so the stock window is four 91-day periods:
  p1 2025-10-02..12-31, p2 07-03..10-01, p3 04-03..07-02, p4 2025-01-02..04-02.
attractiveness_min_customers 2 and stock_top_segments 1: segment 46-small (two customers, in the
seeds' assessment) is the only one with evidence, so it ranks 1 and is "the top segment";
99-small (industry 99: no assessment, no market figures) ranks after it.

Customers (all 20 employees, so size class small):
  K1, K2 in 46-small; K3, K4, K5 in 99-small.
  K1 buys most, most often (4 purchase days): the top-CLV customer (top 10 % of 5 = 1 customer).
  K4 bought twice, 10 days apart, in January: silent 345 days > 90 (3 x 10 days, at least 90)
     and < 365: lapsed, so at risk.
  K5: a commission of 100 EUR booked on it (ledger, cost center COMM, customer_id K5) against
     a margin of 4: net profit -96 in the window, loss-making.
  (Purchase rhythm: K1 91 days, K3 92, K4 10, median 91; K2 and K5 buy once and take 91, so
   they are active at 41 and 152 days of silence.)

Products (unit cost / list price, EUR), sales (units):
  PA 10 / 30   K1 10 on 02-15 (p4), 10 on 05-15 (p3), 12 on 08-15 (p2); K2 8 on 11-20 (p1)
  PB  5 / 10   K3 20 on 08-20 (p2); K1 4 on 11-15 (p1)
  PC 18 / 20   K4 3 on 01-10 and 3 on 01-20 (p4); K5 2 on 08-01 (p2)
  PD  4 / 6    never sold; 7 units in stock
  PE 10 / 8    K3 5 on 11-20 (p1): sold at a loss

Margin in the window: PA 40 x 20 = 800 (K1 640, K2 160); PB 24 x 5 = 120 (K1 20, K3 100);
PC 8 x 2 = 16 (K4 12, K5 4); PE 5 x -2 = -10; PD 0.
ABC over the positive margin 936: PA has 0 % before it -> A; PB 800/936 = 85.5 % -> B (>= 80,
< 95); PC 920/936 = 98.3 % -> C; PD, PE no positive margin -> D.

Period demand (p1, p2, p3, p4), mean, population sd, cv = sd / mean:
  PA (8, 12, 10, 10): mean 10, var 408/4 - 100 = 2, sd 1.41421, cv 0.14142 -> X
  PB (4, 20, 0, 0):   mean 6,  var 416/4 - 36 = 68, sd 8.24621, cv 1.37437 -> Z
  PC (0, 2, 0, 6):    mean 2,  var 40/4 - 4 = 6,   sd 2.44949, cv 1.22474 -> Z
  PE (5, 0, 0, 0):    mean 1.25, var 25/4 - 1.5625 = 4.6875, sd 2.16506, cv 1.73205 -> Z
  PD: no demand -> cv null -> Z.

Who buys the margin (shares of the positive margin) and segment_weight
= 0.5 + 0.5 x ((top + clv)/2 - (loss + risk)/2), all weights 1:
  PA: top segment 100 %, top CLV 640/800 = 80 %, loss 0, risk 0 -> 0.5 + 0.5 x 0.9 = 0.95
  PB: top 20/120 = 16.67 %, CLV 16.67 %, 0, 0              -> 0.5 + 0.5 x 0.16667 = 0.58333
  PC: 0, 0, loss 4/16 = 25 %, risk 12/16 = 75 %             -> 0.5 - 0.5 x 0.5 = 0.25
  PD, PE: no positive margin -> null.

Policy (lead times PA 14, PB none -> default 14, PC 28, PD 7, PE 7; order cycle 28 days):
  PA AX 98 + (0.95 - 0.5) x 2 x 2 = 99.8, capped at 99.5 %: z = 2.5758
     SS = z x 1.41421 x sqrt(14/91) = 1.4289; ROP = 10/91 x 14 + SS = 1.5385 + 1.4289 = 2.9673;
     max = 10/91 x 42 + SS = 4.6154 + 1.4289 = 6.0442
  PB BZ 92 + (0.58333 - 0.5) x 4 = 92.333 %: z = 1.4282
     SS = z x 8.24621 x sqrt(14/91) = 4.6196; ROP = 6/91 x 14 + SS = 0.9231 + 4.6196 = 5.5427
  PC CZ with weight 0.25 < 0.5 -> make-to-order; PD, PE class D -> make-to-order: all 0, no level.
(z here from scipy's normal quantile: a second method beside the SQL's rational approximation.)

Stock: PA 20 in WH1 (standard cost 10) + 5 in WH2 at 12 -> 25 units worth 260 (10.40 a unit);
  days of cover 25 / (10/91) = 227.5; excess (25 - 6.0442) x 10.40 = 197.14; shortfall 0.
PB 1 on hand + 2 on order (cost 5): cover 1 / (6/91) = 15.2 days; shortfall 5.5427 - 3 = 2.54.
PD 7 at 4 = 28: dead stock, all of it excess (make-to-order: maximum 0).
Segment view: PA's 260 all to 46-small; PB's 5 by demand 4 : 20 -> 0.83 to 46-small, 4.17 to
99-small; PD's 28 to '(no demand)'. 46-small 260.83, 99-small 4.17, (no demand) 28; margins
46-small 660 + 160 = 820, 99-small 90 + 12 + 4 = 106.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest
from scipy.stats import norm

from tests.support import build_warehouse, write_landing

VARS = {"as_of_date": "2025-12-31", "segment_window_days": 364, "stock_period_days": 91,
        "attractiveness_min_customers": 2, "stock_top_segments": 1}


def _customer(cid: str, industry: str) -> dict:
    return {"customer_id": cid, "customer_name": f"Klant {cid}", "industry_code": industry, "employee_count": 20,
            "country": "NL", "postcode": "1000AA", "created_date": date(2024, 1, 1), "payment_terms_days": 30,
            "credit_limit": 10000.0, "is_blocked": False}


PRODUCTS = {  # product: (unit cost, list price, lead time)
    "PA": (10.0, 30.0, 14), "PB": (5.0, 10.0, None), "PC": (18.0, 20.0, 28), "PD": (4.0, 6.0, 7), "PE": (10.0, 8.0, 7),
}
SALES = [  # (customer, date, product, quantity)
    ("K1", date(2025, 2, 15), "PA", 10), ("K1", date(2025, 5, 15), "PA", 10), ("K1", date(2025, 8, 15), "PA", 12),
    ("K2", date(2025, 11, 20), "PA", 8),
    ("K3", date(2025, 8, 20), "PB", 20), ("K1", date(2025, 11, 15), "PB", 4),
    ("K4", date(2025, 1, 10), "PC", 3), ("K4", date(2025, 1, 20), "PC", 3), ("K5", date(2025, 8, 1), "PC", 2),
    ("K3", date(2025, 11, 20), "PE", 5),
]


def _landing(root):
    invoices, lines = [], []
    for n, (cust, day, prod, qty) in enumerate(SALES, start=1):
        cost, price, _ = PRODUCTS[prod]
        inv = f"F{n:02d}"
        invoices.append({"invoice_id": inv, "customer_id": cust, "invoice_date": day, "due_date": day,
                         "currency": "EUR", "order_channel": "web", "is_credit_note": False})
        lines.append({"invoice_id": inv, "line_no": 1, "product_id": prod, "quantity": float(qty),
                      "unit_price": price, "discount_pct": 0.0, "net_amount": qty * price, "cost_amount": qty * cost})
    tables = {
        "erp_customers": [_customer("K1", "46"), _customer("K2", "46"), _customer("K3", "99"),
                          _customer("K4", "99"), _customer("K5", "99")],
        "erp_products": [{"product_id": p, "product_name": f"Product {p}", "product_group": "G", "unit_cost": c,
                          "list_price": lp, "is_active": True, "lead_time_days": lt}
                         for p, (c, lp, lt) in PRODUCTS.items()],
        "erp_sales_invoices": invoices, "erp_sales_invoice_lines": lines,
        "erp_gl_entries": [{"entry_id": "G1", "posting_date": date(2025, 6, 30), "gl_account": "4400",
                            "gl_account_name": "Provisie", "cost_center": "COMM", "amount": 100.0,
                            "customer_id": "K5", "description": "provisie K5"}],
        "erp_stock_levels": [
            {"product_id": "PA", "warehouse_id": "WH1", "on_hand_qty": 20.0},
            {"product_id": "PA", "warehouse_id": "WH2", "on_hand_qty": 5.0, "unit_cost": 12.0},
            {"product_id": "PB", "warehouse_id": "WH1", "on_hand_qty": 1.0, "on_order_qty": 2.0},
            {"product_id": "PD", "warehouse_id": "WH1", "on_hand_qty": 7.0},
        ],
    }
    write_landing(root, "2026-01-05", tables)


# what this module reads; the build makes these and what they read, with their data tests
READS = ("dim_customer", "mart_customer_clv", "mart_product_classification", "mart_product_stock_policy",
         "mart_segment_attractiveness", "mart_segment_stock")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stock")
    _landing(tmp / "landing")
    s = build_warehouse(tmp, tmp / "landing", vars=VARS, publish=False, select=READS)
    c = duckdb.connect(str(s.warehouse), read_only=True)
    yield c
    c.close()


def _rows(con, sql: str) -> dict:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def test_preconditions_top_segment_top_clv_at_risk_and_loss_making(con):
    # the inputs the weights rest on, from the other subjects' marts (see the docstring)
    assert con.sql("select segment_key from marts.mart_segment_attractiveness where attractiveness_rank = 1"
                   ).fetchall() == [("46-small",)]
    assert con.sql("select customer_key from marts.mart_customer_clv order by clv desc limit 1").fetchall() == [("erp:K1",)]
    status = dict(con.sql("select customer_key, lifecycle_status from marts.dim_customer").fetchall())
    assert status["erp:K4"] == "lapsed"
    assert {status[f"erp:K{i}"] for i in (1, 2, 3, 5)} == {"active"}


def test_abc_xyz_classes_demand_and_buyers(con):
    rows = _rows(con, "select * from marts.mart_product_classification")
    assert set(rows) == set(PRODUCTS)
    classes = {p: (r["abc_class"], r["xyz_class"]) for p, r in rows.items()}
    assert classes == {"PA": ("A", "X"), "PB": ("B", "Z"), "PC": ("C", "Z"), "PD": ("D", "Z"), "PE": ("D", "Z")}
    assert {p: float(r["margin_window"]) for p, r in rows.items()} == {"PA": 800, "PB": 120, "PC": 16, "PD": 0, "PE": -10}
    assert {p: r["customers"] for p, r in rows.items()} == {"PA": 2, "PB": 2, "PC": 2, "PD": 0, "PE": 1}
    expected_cv = {"PA": math.sqrt(2) / 10, "PB": math.sqrt(68) / 6, "PC": math.sqrt(6) / 2, "PE": math.sqrt(4.6875) / 1.25}
    for p, cv in expected_cv.items():
        assert rows[p]["demand_cv"] == pytest.approx(cv, abs=1e-9), p
    assert rows["PD"]["demand_cv"] is None
    assert rows["PA"]["demand_per_period"] == pytest.approx(10) and rows["PB"]["demand_sd_per_period"] == pytest.approx(math.sqrt(68))
    assert rows["PB"]["margin_share_before_pct"] == pytest.approx(100 * 800 / 936)


def test_who_buys_the_margin_and_segment_weight(con):
    rows = _rows(con, "select * from marts.mart_product_classification")
    shares = {p: (r["top_segment_margin_pct"], r["top_clv_margin_pct"], r["loss_making_margin_pct"],
                  r["at_risk_margin_pct"]) for p, r in rows.items()}
    assert shares["PA"] == pytest.approx((100, 80, 0, 0))
    assert shares["PB"] == pytest.approx((100 * 20 / 120, 100 * 20 / 120, 0, 0))
    assert shares["PC"] == pytest.approx((0, 0, 25, 75))
    assert shares["PD"] == shares["PE"] == (None, None, None, None)
    weights = {p: r["segment_weight"] for p, r in rows.items()}
    assert weights["PA"] == pytest.approx(0.95)
    assert weights["PB"] == pytest.approx(0.5 + 0.5 * (20 / 120))
    assert weights["PC"] == pytest.approx(0.25)
    assert weights["PD"] is None and weights["PE"] is None


def _policy(sl_pct: float, mean: float, sd: float, lead: int, period: int = 91, cycle: int = 28):
    z = norm.ppf(sl_pct / 100)
    ss = z * sd * math.sqrt(lead / period)
    return ss, mean / period * lead + ss, mean / period * (lead + cycle) + ss


def test_service_level_safety_stock_and_reorder_point(con):
    rows = _rows(con, "select * from marts.mart_product_stock_policy")
    assert {p: r["stock_policy"] for p, r in rows.items()} == {
        "PA": "make_to_stock", "PB": "make_to_stock", "PC": "make_to_order", "PD": "make_to_order", "PE": "make_to_order"}
    assert float(rows["PA"]["service_level_pct"]) == 99.5  # 98 + 1.8 = 99.8, capped
    assert float(rows["PB"]["service_level_pct"]) == pytest.approx(92 + (0.5 * (20 / 120)) * 4, abs=0.005)
    assert rows["PC"]["service_level_pct"] is None
    assert rows["PB"]["lead_time_days"] == 14 and rows["PB"]["is_default_lead_time"]
    ss, rop, mx = _policy(99.5, 10, math.sqrt(2), 14)
    assert (ss, rop, mx) == pytest.approx((1.4289, 2.9673, 6.0442), abs=2e-4)  # the docstring's figures
    assert float(rows["PA"]["safety_stock_qty"]) == pytest.approx(ss, abs=0.006)
    assert float(rows["PA"]["reorder_point_qty"]) == pytest.approx(rop, abs=0.006)
    assert float(rows["PA"]["max_stock_qty"]) == pytest.approx(mx, abs=0.006)
    ss, rop, _ = _policy(92 + 0.5 * (20 / 120) * 4, 6, math.sqrt(68), 14)
    assert (ss, rop) == pytest.approx((4.6196, 5.5427), abs=2e-3)
    assert float(rows["PB"]["safety_stock_qty"]) == pytest.approx(ss, abs=0.008)
    assert float(rows["PB"]["reorder_point_qty"]) == pytest.approx(rop, abs=0.008)
    for p in ("PC", "PD", "PE"):
        assert float(rows[p]["safety_stock_qty"]) == float(rows[p]["reorder_point_qty"]) == float(rows[p]["max_stock_qty"]) == 0


def test_stock_position_against_the_policy(con):
    rows = _rows(con, "select * from marts.mart_product_stock_policy")
    pa, pb, pd = rows["PA"], rows["PB"], rows["PD"]
    assert all(r["has_stock_levels"] for r in rows.values())
    assert (float(pa["on_hand_qty"]), float(pa["stock_value"])) == (25, 260)
    assert pa["on_order_qty"] is None
    assert float(pa["days_of_cover"]) == 227.5
    assert float(pa["excess_stock_value"]) == pytest.approx((25 - 6.0442) * 10.4, abs=0.02)
    assert float(pa["shortfall_qty"]) == 0 and pa["is_dead_stock"] is False
    assert float(pb["days_of_cover"]) == 15.2 and float(pb["excess_stock_value"]) == 0
    assert float(pb["shortfall_qty"]) == pytest.approx(5.5427 - 3, abs=0.01)
    assert pd["is_dead_stock"] is True and float(pd["excess_stock_value"]) == 28
    # PC is not in the snapshot: none on hand, 0 days of cover; PD has no demand: no cover figure
    assert float(rows["PC"]["on_hand_qty"]) == 0 and float(rows["PC"]["days_of_cover"]) == 0
    assert pd["days_of_cover"] is None


def test_segment_stock_beside_margin(con):
    rows = _rows(con, "select * from marts.mart_segment_stock")
    assert set(rows) == {"46-small", "99-small", "(no demand)"}
    assert float(rows["46-small"]["stock_value"]) == pytest.approx(260 + 5 * 4 / 24, abs=0.006)
    assert float(rows["99-small"]["stock_value"]) == pytest.approx(5 * 20 / 24, abs=0.006)
    assert float(rows["(no demand)"]["stock_value"]) == 28 and rows["(no demand)"]["is_unallocated"]
    assert float(rows["46-small"]["margin_window"]) == 820 and float(rows["99-small"]["margin_window"]) == 106
    assert rows["46-small"]["attractiveness_rank"] == 1
    assert float(rows["46-small"]["excess_stock_value"]) == pytest.approx((25 - 6.0442) * 10.4, abs=0.02)
    assert sum(float(r["stock_value"]) for r in rows.values()) == pytest.approx(293, abs=0.01)


# --- the optional column on its own: ingest only, no dbt (cheap) ---------------------------------

@pytest.mark.parametrize("fast", [True, False])
def test_products_file_without_the_optional_lead_time_loads_with_nulls(tmp_path, monkeypatch, fast):
    """A products export written before contract v1.1 (no lead_time_days in its header) loads, the
    column null; one with it loads the values. CSV by the fast and the detailed path, and Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kansrijk import gx_duckdb, ingest
    from tests.support import kansrijk_env

    landing = tmp_path / "landing"
    old = landing / "2026-01-01"
    old.mkdir(parents=True)
    (old / "erp_products.csv").write_text(
        "product_id;product_name;product_group;unit_cost;list_price;is_active\nP1;Bout;hw;1,50;2,00;true\n")
    new = landing / "2026-01-02"
    new.mkdir()
    pq.write_table(pa.table({"product_id": ["P2"], "product_name": ["Moer"], "product_group": ["hw"],
                             "unit_cost": [0.25], "list_price": [0.4], "is_active": [True]}),
                   new / "erp_products.parquet")
    newest = landing / "2026-01-03"
    newest.mkdir()
    (newest / "erp_products.csv").write_text(
        "product_id;product_name;product_group;unit_cost;list_price;is_active;lead_time_days\n"
        "P1;Bout;hw;1,50;2,00;true;21\nP3;Ring;hw;0,10;0,20;true;\n")
    real = ingest.fast_stage
    monkeypatch.setattr(ingest, "fast_stage", real if fast else (lambda *a, **k: None))
    with kansrijk_env(tmp_path / "data", landing) as s:
        res = ingest.ingest_landing(s, build_docs=False)
        assert res.ok and not res.quarantined and len(res.loaded) == 3, res.summary()
        con = gx_duckdb.connect(s.warehouse)
        try:
            rows = con.execute("select product_id, lead_time_days, _delivery from raw.erp_products order by 1").fetchall()
        finally:
            con.close()
    # P2 (Parquet, no column) is missing from the newest snapshot: kept, flagged deleted, lead time null
    assert rows == [("P1", 21, "2026-01-03"), ("P2", None, "2026-01-02"), ("P3", None, "2026-01-03")]
