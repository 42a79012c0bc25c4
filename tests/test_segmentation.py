"""Segmentation marts on a hand-made landing set, every expected figure computed by hand.

As-of date 2026-06-30 (var). Recent window (segment_window_days 365): (2025-06-30, 2026-06-30];
the window before: (2024-06-30, 2025-06-30]. Industry 99 is used so that the project's seeds
(market_universe, segment_assessment) hold nothing for these segments.

company  ERP / CRM   employees  segment    invoices (date: revenue / cost of goods)
C1       1 / A1      20         99-small   2024-07-01 400/240, 2025-09-15 300/180, 2026-06-01 600/360
C2       2 / A2      30         99-small   2026-03-01 150/75
C3       3 / A3      100        99-medium  2024-09-01 500/250, 2025-03-01 500/250
C4       4 / -       100        99-medium  2022-01-10 1000/700, 2022-06-10 500/350, 2023-01-10 500/350
C5       - / A5      100        99-medium  (prospect, CRM only)
C6       6 / -       100        99-medium  2026-06-20 50/40

Lifecycle at 2026-06-30 against each customer's rhythm (interval = (last - first purchase day) /
(purchase days - 1); lapsed beyond 3 intervals within [90, 365] days, ex-customer beyond 6 within
[365, 730]): C1 700 / 2 = 350, C3 181, C4 365 / 2 = 182.5; one-time buyers C2 and C6 get the typical
interval median(350, 181, 182.5) = 182.5. Every 3 x interval is above 365 and every 6 x above 730,
so each customer is lapsed after 365 and an ex-customer after 730 days of silence:
C1 29 days active; C2 121 active; C6 10 active; C3 2025-03-01 -> 486 days lapsed;
C4 2023-01-10 -> 1267 days ex_customer; C5 prospect. Customers (is_customer): C1, C2, C3, C6.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from kansrijk.runtime import RefreshError
from tests.support import build_warehouse, write_landing

AS_OF = "2026-06-30"


def _invoice(inv: str, cust: str, day: str, revenue: float, cost: float):
    header = {"invoice_id": inv, "customer_id": cust, "invoice_date": date.fromisoformat(day),
              "currency": "EUR", "order_channel": "web", "is_credit_note": False}
    line = {"invoice_id": inv, "line_no": 1, "product_id": "P1", "quantity": 1.0,
            "unit_price": revenue, "discount_pct": 0.0, "net_amount": revenue, "cost_amount": cost}
    return header, line


INVOICES = [
    _invoice("I11", "1", "2024-07-01", 400.0, 240.0),
    _invoice("I12", "1", "2025-09-15", 300.0, 180.0),
    _invoice("I13", "1", "2026-06-01", 600.0, 360.0),
    _invoice("I21", "2", "2026-03-01", 150.0, 75.0),
    _invoice("I31", "3", "2024-09-01", 500.0, 250.0),
    _invoice("I32", "3", "2025-03-01", 500.0, 250.0),
    _invoice("I41", "4", "2022-01-10", 1000.0, 700.0),
    _invoice("I42", "4", "2022-06-10", 500.0, 350.0),
    _invoice("I43", "4", "2023-01-10", 500.0, 350.0),
    _invoice("I61", "6", "2026-06-20", 50.0, 40.0),
]


def _customer(cid: str, employees: int):
    return {"customer_id": cid, "customer_name": f"C{cid}", "industry_code": "99",
            "employee_count": employees, "country": "NL", "created_date": date(2021, 1, 1)}


# what this module reads; the build makes these and what they read, with their data tests
READS = ("dim_customer", "mart_customer_segments", "mart_segment_attractiveness", "mart_segment_scorecard")


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("segments")
    landing = root / "landing"
    write_landing(landing, AS_OF, {
        "erp_customers": [_customer("1", 20), _customer("2", 30), _customer("3", 100),
                          _customer("4", 100), _customer("6", 100)],
        "erp_products": [{"product_id": "P1", "product_name": "Thing", "product_group": "G1",
                          "unit_cost": 1.0, "list_price": 1.0, "is_active": True}],
        "erp_sales_invoices": [h for h, _ in INVOICES],
        "erp_sales_invoice_lines": [line for _, line in INVOICES],
        "crm_accounts": [
            {"account_id": "A1", "erp_customer_id": "1", "account_name": "C1", "industry_code": "99",
             "employee_count": 20, "country": "NL", "created_date": date(2021, 1, 1)},
            {"account_id": "A2", "erp_customer_id": "2", "account_name": "C2", "industry_code": "99",
             "employee_count": 30, "country": "NL", "created_date": date(2021, 1, 1)},
            {"account_id": "A3", "erp_customer_id": "3", "account_name": "C3", "industry_code": "99",
             "employee_count": 100, "country": "NL", "created_date": date(2021, 1, 1)},
            {"account_id": "A5", "account_name": "C5", "industry_code": "99",
             "employee_count": 100, "country": "NL", "created_date": date(2021, 1, 1)},
        ],
        # window minutes: 99-small 60 (A1; the 500 minutes of 2025-01-01 fall before the window),
        # 99-medium 120 (A3) + 30 (prospect A5) = 150
        "crm_activities": [
            {"activity_id": "T1", "account_id": "A1", "activity_type": "visit",
             "activity_date": date(2026, 5, 10), "duration_minutes": 60, "outcome": "appointment"},
            {"activity_id": "T2", "account_id": "A1", "activity_type": "visit",
             "activity_date": date(2025, 1, 1), "duration_minutes": 500, "outcome": "contact"},
            {"activity_id": "T3", "account_id": "A3", "activity_type": "meeting",
             "activity_date": date(2026, 1, 15), "duration_minutes": 120, "outcome": "contact"},
            {"activity_id": "T4", "account_id": "A5", "activity_type": "call",
             "activity_date": date(2026, 2, 1), "duration_minutes": 30, "outcome": "contact"},
        ],
        # 99-small: O1 won, O2 lost to Rival BV -> hit rate 50 %, lost to competitor 100 %
        # 99-medium: O3 lost to Rival BV, O4 lost on price -> hit rate 0 %, to competitor 50 %;
        # O5 closed in 2024, outside the window
        "crm_opportunities": [
            {"opportunity_id": "O1", "account_id": "A1", "created_date": date(2026, 4, 1),
             "close_date": date(2026, 5, 1), "stage": "won", "amount": 100.0, "product_group": "G1"},
            {"opportunity_id": "O2", "account_id": "A2", "created_date": date(2026, 3, 1),
             "close_date": date(2026, 4, 1), "stage": "lost", "amount": 100.0, "product_group": "G1",
             "lost_reason": "competitor", "competitor": "Rival BV"},
            {"opportunity_id": "O3", "account_id": "A5", "created_date": date(2026, 2, 1),
             "close_date": date(2026, 3, 1), "stage": "lost", "amount": 100.0, "product_group": "G1",
             "lost_reason": "competitor", "competitor": "Rival BV"},
            {"opportunity_id": "O4", "account_id": "A3", "created_date": date(2025, 12, 1),
             "close_date": date(2026, 1, 15), "stage": "lost", "amount": 100.0, "product_group": "G1",
             "lost_reason": "price"},
            {"opportunity_id": "O5", "account_id": "A3", "created_date": date(2024, 1, 1),
             "close_date": date(2024, 3, 1), "stage": "won", "amount": 100.0, "product_group": "G1"},
        ],
    })
    error = None
    try:
        build_warehouse(root, landing, {"as_of_date": AS_OF}, publish=False, select=READS)
    except RefreshError as exc:  # a failed data test must not hide the figures: see test_build_succeeds
        error = str(exc)
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    yield con, error
    con.close()


def _rows(con, sql: str) -> dict:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


@pytest.fixture(scope="module")
def customers(wh):
    con, _ = wh
    return _rows(con, "select * from marts.mart_customer_segments where segment_key like '99-%'")


@pytest.fixture(scope="module")
def scorecard(wh):
    con, _ = wh
    return _rows(con, "select * from marts.mart_segment_scorecard")


def test_build_succeeds(wh):
    assert wh[1] is None, f"the fixture build failed: {wh[1]}"


def test_every_company_once(wh, customers):
    con, _ = wh
    n_dim = con.execute("select count(*) from marts.dim_customer").fetchone()[0]
    n = con.execute("select count(*) from marts.mart_customer_segments").fetchone()[0]
    assert n == n_dim == 6
    assert set(customers) == {"erp:1", "erp:2", "erp:3", "erp:4", "crm:A5", "erp:6"}


def test_lifecycle(customers):
    status = {k: v["lifecycle_status"] for k, v in customers.items()}
    assert status == {"erp:1": "active", "erp:2": "active", "erp:6": "active",
                      "erp:3": "lapsed", "erp:4": "ex_customer", "crm:A5": "prospect"}


def test_lifecycle_rhythm_columns(wh):
    """The rhythm behind the statuses (module docstring), as dim_customer shows it."""
    con, _ = wh
    got = {r[0]: r[1:] for r in con.execute(
        "select customer_key, purchase_days, purchase_interval_days, rhythm_interval_days, days_silent, "
        "lapsed_after_days, ex_customer_after_days, is_customer, existed_before_data from marts.dim_customer"
    ).fetchall()}
    assert got == {
        "erp:1": (3, 350.0, 350.0, 29, 365.0, 730.0, True, True),
        "erp:2": (1, None, 182.5, 121, 365.0, 730.0, True, True),
        "erp:3": (2, 181.0, 181.0, 486, 365.0, 730.0, True, True),
        "erp:4": (3, 182.5, 182.5, 1267, 365.0, 730.0, False, True),
        "erp:6": (1, None, 182.5, 10, 365.0, 730.0, True, True),
        # every company was created in 2021, before the data's first month (2022-01); a prospect
        # has no purchase and is not counted as existing before the data
        "crm:A5": (0, None, None, None, None, None, False, False),
    }


def test_abc(customers):
    # window revenue: C1 300 + 600 = 900, C2 150, C6 50; total 1100
    # share ranked before: C1 0 % -> A; C2 900/1100 = 81.8 % -> B (< 95); C6 1050/1100 = 95.5 % -> C
    # C3 (lapsed), C4 (ex) and C5 (prospect) have no window revenue -> D
    abc = {k: v["abc_class"] for k, v in customers.items()}
    assert abc == {"erp:1": "A", "erp:2": "B", "erp:6": "C",
                   "erp:3": "D", "erp:4": "D", "crm:A5": "D"}
    assert float(customers["erp:1"]["revenue_window"]) == 900.0


def test_rfm(customers):
    # 5 buying companies; score = 1 + floor(5 * percent_rank), capped at 5
    # recency days: C6 10, C1 29, C2 121, C3 486, C4 1267 -> ranks (fewest days best)
    #   C4 0 -> 1, C3 .25 -> 2, C2 .5 -> 3, C1 .75 -> 4, C6 1 -> 5
    # frequency (order days, whole history): C2 1, C6 1, C3 2, C1 3, C4 3
    #   C2, C6 0 -> 1; C3 .5 -> 3; C1, C4 .75 -> 4
    # monetary (revenue, whole history): C6 50, C2 150, C3 1000, C1 1300, C4 2000 -> 1, 2, 3, 4, 5
    got = {k: (v["rfm_score"], v["rfm_segment"]) for k, v in customers.items()}
    assert got == {
        "erp:1": ("444", "champions"),           # R4 F4
        "erp:2": ("312", "potential_loyalist"),  # R3 F1
        "erp:3": ("233", "at_risk"),             # R2 F3
        "erp:4": ("145", "cant_lose"),           # R1 F4 M5
        "erp:6": ("511", "new"),                 # R5 F1
        "crm:A5": (None, "prospect"),
    }
    assert customers["crm:A5"]["recency_score"] is None


def test_per_year_figures(customers):
    c1 = customers["erp:1"]
    # tenure C1: 2024-07-01 -> 2026-06-30 = 729 days = 1.99589 years
    assert c1["tenure_years"] == pytest.approx(729 / 365.25)
    # revenue 1300 / 1.99589 = 651.34; margin (1300 - 780) / 1.99589 = 260.54; 3 order days
    assert float(c1["revenue_per_year"]) == pytest.approx(1300 / (729 / 365.25), abs=0.01)
    assert float(c1["gross_margin_per_year"]) == pytest.approx(520 / (729 / 365.25), abs=0.01)
    assert c1["order_moments_per_year"] == pytest.approx(3 / (729 / 365.25))
    # no ledger in the fixture: cost to serve 0, so net margin = gross margin
    assert float(c1["net_margin_per_year"]) == pytest.approx(520 / (729 / 365.25), abs=0.01)
    # ex-customer C4: tenure to its last invoice, 2022-01-10 -> 2023-01-10 = 365 days (< 1 year:
    # per-year figures divide by 1)
    c4 = customers["erp:4"]
    assert c4["tenure_years"] == pytest.approx(365 / 365.25)
    assert float(c4["revenue_per_year"]) == pytest.approx(2000.0)
    assert customers["erp:4"]["days_since_last_order"] == 1267
    assert customers["crm:A5"]["tenure_years"] is None


def test_customer_value_score(customers):
    # percent ranks among the 5 buyers (tenure, revenue/yr, margin %, order moments/yr):
    # tenure yrs: C6 .027, C2 .331, C4 .999, C3 1.826, C1 1.996    -> 0, .25, .5, .75, 1
    # revenue/yr: C6 50, C2 150, C3 547.6, C1 651.3, C4 2000        -> 0, .25, .5, .75, 1
    # margin %:   C6 20, C4 30, C1 40, C2 50, C3 50                 -> 0, .25, .5, .75, .75
    # orders/yr:  C2 1, C6 1, C3 1.095, C1 1.503, C4 3              -> 0, 0, .5, .75, 1
    # score = 100 * mean: C1 (1+.75+.5+.75)/4 = 75; C2 (.25+.25+.75+0)/4 = 31.25;
    # C3 (.75+.5+.75+.5)/4 = 62.5; C4 (.5+1+.25+1)/4 = 68.75; C6 0
    expected = {"erp:1": 75.0, "erp:2": 31.25, "erp:3": 62.5, "erp:4": 68.75, "erp:6": 0.0}
    for key, value in expected.items():
        assert customers[key]["customer_value_score"] == pytest.approx(value, abs=0.051), key
    assert customers["crm:A5"]["customer_value_score"] is None


def test_scorecard_figures(scorecard):
    small, medium = scorecard["99-small"], scorecard["99-medium"]
    assert (small["customers"], small["ex_customers"], small["prospects"]) == (2, 0, 0)
    assert (medium["customers"], medium["ex_customers"], medium["prospects"]) == (2, 1, 1)
    # no market figures for industry 99: null, never a division by zero
    assert small["market_companies"] is None and small["market_penetration_pct"] is None
    # window revenue: small 900 + 150 = 1050, cost 540 + 75 = 615 -> margin 41.43 %;
    # medium 50, cost 40 -> 20 %; company 1100, 655 -> 40.45 %
    assert float(small["revenue"]) == 1050.0 and float(small["gross_margin"]) == 435.0
    assert small["gross_margin_pct"] == pytest.approx(100 * 435 / 1050)
    assert small["margin_vs_avg"] == pytest.approx(100 * (435 / 1050) / (445 / 1100))
    assert medium["margin_vs_avg"] == pytest.approx(100 * (10 / 50) / (445 / 1100))
    # growth: small 1050 vs 400 -> +162.5 %; medium 50 vs 1000 -> -95 %
    assert small["revenue_growth_pct"] == pytest.approx(162.5)
    assert medium["revenue_growth_pct"] == pytest.approx(-95.0)
    # effort on customers: small 60 / 2 = 30 min, medium 120 / 2 = 60 (prospect A5's 30 minutes are
    # acquisition, apart); company 180 / 4 = 45
    assert small["sales_effort_minutes_per_customer"] == pytest.approx(30.0)
    assert medium["sales_effort_minutes_per_customer"] == pytest.approx(60.0)
    assert small["sales_effort_vs_avg"] == pytest.approx(100 * 30 / 45)
    assert (small["acquisition_minutes"], medium["acquisition_minutes"]) == (0, 30)
    # miss analysis: value of closed deals lost to a competitor: small O2 100 of 200, medium O3 100 of 200
    assert small["lost_to_competitor_value_pct"] == medium["lost_to_competitor_value_pct"] == pytest.approx(50.0)
    # up-sell room (mart_customer_whitespace): small 562.50 on spend 1050, medium 0 on 50
    assert small["whitespace_room_pct"] == pytest.approx(100 * 562.5 / 1050)
    assert medium["whitespace_room_pct"] == pytest.approx(0.0)
    # opportunities in the window
    assert (small["opportunities"], small["won"], small["lost"]) == (2, 1, 1)
    assert (medium["opportunities"], medium["won"], medium["lost"]) == (2, 0, 2)
    assert small["hit_rate_pct"] == pytest.approx(50.0)
    assert medium["hit_rate_pct"] == pytest.approx(0.0)
    assert small["lost_to_competitor_pct"] == pytest.approx(100.0)
    assert medium["lost_to_competitor_pct"] == pytest.approx(50.0)
    assert small["top_competitor"] == medium["top_competitor"] == "Rival BV"
    # no ledger: no cost of sales
    assert small["cost_of_sales_pct"] == pytest.approx(0.0)


def test_scorecard_rank(scorecard):
    small, medium = scorecard["99-small"], scorecard["99-medium"]
    # method 1's figures by distance from the average, index 100 = average, 0 / 100 at ±50 points:
    #   margin: small index 100 (435/1050) / (445/1100) = 102.41 -> 52.41; medium 49.44 -> 0 (clamped)
    #   effort (low is good): small 66.67 -> 83.33; medium 133.33 -> 16.67
    #   cost of sales: 0 % everywhere, no average to compare with -> no score, weight dropped
    # the others by percent rank between the two: hit rate small 100, medium 0; growth small 100,
    #   medium 0; miss (low is good) tie -> 100 each; white space small 100, medium 0.
    # Weights .30 margin, .15 effort, .20 hit, .15 growth, .10 miss, .10 white space (sum 1):
    #   small  .30 x 52.41 + .15 x 83.33 + .20 x 100 + .15 x 100 + .10 x 100 + .10 x 100 = 83.22
    #   medium .15 x 16.67 + .10 x 100 = 12.50
    margin_small = 100 * (435 / 1050) / (445 / 1100) - 50
    assert small["margin_score"] == pytest.approx(margin_small)
    assert medium["margin_score"] == pytest.approx(0.0)
    assert small["sales_effort_score"] == pytest.approx(50 + 100 / 3)
    assert medium["sales_effort_score"] == pytest.approx(50 - 100 / 3)
    assert small["cost_of_sales_score"] == 50.0  # neutral: no figure to score
    raw_small = .30 * margin_small + .15 * (50 + 100 / 3) + .20 * 100 + .15 * 100 + .10 * 100 + .10 * 100
    raw_medium = .15 * (50 - 100 / 3) + .10 * 100
    assert small["historical_score_raw"] == pytest.approx(raw_small)
    assert medium["historical_score_raw"] == pytest.approx(raw_medium)
    # credibility, 2 customers: keep 2 / (2 + 10) of the distance from 50
    assert small["historical_score"] == pytest.approx(50 + (raw_small - 50) * 2 / 12)
    assert medium["historical_score"] == pytest.approx(50 + (raw_medium - 50) * 2 / 12)
    # ours are the only segments with customers: ranks 1 and 2; the rest (seed market segments
    # without customers) come after, unscored but present
    assert (small["historical_rank"], medium["historical_rank"]) == (1, 2)
    others = [r for k, r in scorecard.items() if not k.startswith("99-")]
    assert all(r["historical_score"] is None and r["historical_rank"] > 2 for r in others)


def test_attractiveness(wh):
    con, _ = wh
    att = _rows(con, "select * from marts.mart_segment_attractiveness")
    small, medium = att["99-small"], att["99-medium"]
    # no assessment for industry 99: the assessment part counts as the neutral 50 (weights .5 / .5)
    assert not small["has_assessment"] and not medium["has_assessment"]
    raw_small = .30 * (100 * (435 / 1050) / (445 / 1100) - 50) + .15 * (50 + 100 / 3) + .55 * 100
    assert small["attractiveness_score"] == pytest.approx((50 + (raw_small - 50) * 2 / 12 + 50) / 2)
    # two customers, no assessment, no market figures: little evidence
    assert not small["has_evidence"] and not medium["has_evidence"]
    assert small["attractiveness_rank"] < medium["attractiveness_rank"]
    # margin 102 vs average 100 scores 52: no marked strength; effort 67 vs 100 is one
    assert "history only" in small["reason"] and "low sales effort" in small["reason"]
    assert "high margin" not in small["reason"] and "little evidence" in small["reason"]
    ranks = sorted(r["attractiveness_rank"] for r in att.values())
    assert ranks == list(range(1, len(att) + 1))
