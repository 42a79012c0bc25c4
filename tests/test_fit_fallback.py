"""A statistic never stops the refresh (issue: "no fit stops or corrupts the serving copy").

Eight companies, ERP and CRM, two monthly deliveries, six repeat buyers (enough to try the
Gamma-Gamma fit, minimum 5) whose repeat spend barely differs (100, 101, 99, 100, 102, 98 EUR): the
likelihood has no interior maximum (q and v run off together), so the fit is not identified. The
refresh publishes every contract mart anyway, records why in clv_model_fit, prints it in one
sentence, and mart_customer_clv uses the documented fallback estimates, flagged per row.

Hand figures (as-of date = calibration end = the last invoice, 2025-02-26; one segment, 46-small,
with 8 >= 5 customers, so the fallback priors pool the segment; no ledger, so margin = 40 %):

    customer  purchase days (revenue)                      x  age (days)  purchase revenue
    E1        01-06 100, 02-03 100                         1  51          200
    E2        01-06 50, 01-20 101, 02-17 101               2  51          252
    E3        01-13 80, 02-10 99                           1  44          179
    E4        01-06 120, 01-27 100, 02-24 100              2  51          320
    E5        01-08 90, 02-05 102                          1  49          192
    E6        01-09 70, 02-26 98                           1  48          168
    E7        01-15 200                                    0  42          200
    E8        02-12 60                                     0  14          60

    Σx = 8, Σage = 350 days = 50 weeks: λ = 8 / 50 = 0.16 repeat purchases per week.
    Σ revenue 1571 over 16 purchase days: m0 = 98.1875 EUR per purchase day.
    E1: rate = (1 + 26 × 0.16) / (51/7 + 26) = 5.16 / 33.2857 = 0.155021 per week,
        expected purchases over 156 weeks = 24.183;
        order value = (2 × 100 + 3 × 98.1875) / 5 = 98.9125 EUR.
    E7: rate = (0 + 4.16) / (6 + 26) = 0.13 per week, 20.28 purchases;
        order value = (200 + 294.5625) / 4 = 123.640625 EUR.
    Revenue 1571, cost of goods 60 % = 942.60.
BG/NBD is not tried: 8 customers < clv_min_customers 20 ("too little data").

The same build checks forward contribution, credibility and acquisition cost (issue: decision-grade
numbers). Ledger cost center SALES (driver: CRM activity minutes; category sales_effort):
    January  400 EUR over 400 minutes: E1 100, E8 100 (before its first invoice), prospect P1 200.
    February 300 EUR over 300 minutes: E1 100, E8 100, prospect P2 100.  (1 EUR a minute)
    Gross margin = 40 % of revenue. Contribution = gross margin - serving costs from the month of the
    first purchase on (E8's January effort is acquisition):
      E1: 80 - 200 = -120 (own rate -60 %);  E8: 24 - 100 = -76;  E2..E7: 40 % of revenue.
    Segment: Σ contribution = 524.40 - 196 = 328.40 over revenue 1571: 20.9039 %.
    K = 1.0 × median customer revenue (60, 168, 179, 192 | 200, 200, 252, 320) = 196.
    E7: (80 + 196 × 0.209039) / (200 + 196) = 120.9717 / 396 = 30.548 %.
    E1: (-120 + 40.9717) / 396 = -19.96 % -> 0: the segment earns a positive contribution (floor).
Acquisition (run with clv_left_censored_months = 1: first invoices before February are left-censored;
E1..E7 also were created before the data starts): won = E8 (created 2025-01-05, first invoice
02-12). Spend in acquisition months of accounts not left-censored: P1 200 + P2 100 + E8 January
100 = 400 EUR; acquisition cost 400 / 1 won. E8's CLV = -76 + 0 predicted.
Scorecard, 46-small: cost of sales on customers 200 (E1) + 100 (E8 February) = 300 EUR, acquisition
spend 400 EUR; effort on customers 300 minutes, acquisition minutes 400.
Segment profitability: 8 customers bought, 2 accounts (P1, P2) had cost only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from kansrijk import refresh as refresh_mod
from kansrijk import settings as settings_mod
from tests.support import kansrijk_env, write_landing
from tests.test_serving_contract import CONTRACT, parse_contract

PURCHASES = {
    "E1": [(date(2025, 1, 6), 100), (date(2025, 2, 3), 100)],
    "E2": [(date(2025, 1, 6), 50), (date(2025, 1, 20), 101), (date(2025, 2, 17), 101)],
    "E3": [(date(2025, 1, 13), 80), (date(2025, 2, 10), 99)],
    "E4": [(date(2025, 1, 6), 120), (date(2025, 1, 27), 100), (date(2025, 2, 24), 100)],
    "E5": [(date(2025, 1, 8), 90), (date(2025, 2, 5), 102)],
    "E6": [(date(2025, 1, 9), 70), (date(2025, 2, 26), 98)],
    "E7": [(date(2025, 1, 15), 200)],
    "E8": [(date(2025, 2, 12), 60)],
}


def _delivery(month: int) -> dict[str, list[dict]]:
    """Everything invoiced in `month` of 2025, with the full customer and account snapshots."""
    customers = [
        {"customer_id": c, "customer_name": f"Bedrijf {c}", "coc_number": f"6000000{i}", "industry_code": "46",
         "employee_count": 20, "country": "NL", "postcode": "1011AA", "created_date": date(2024, 12, 1),
         "account_manager": "Ans", "payment_terms_days": 30, "credit_limit": D("5000"), "is_blocked": False}
        for i, c in enumerate(PURCHASES)
    ]
    for row in customers:
        if row["customer_id"] == "E8":
            row["created_date"] = date(2025, 1, 5)
    accounts = [
        {"account_id": f"A{c}", "erp_customer_id": c, "account_name": f"Bedrijf {c}", "coc_number": f"6000000{i}",
         "industry_code": "46", "employee_count": 20, "country": "NL", "postcode": "1011AA",
         "lead_source": "web", "owner": "Ans", "created_date": date(2025, 1, 5) if c == "E8" else date(2024, 12, 1)}
        for i, c in enumerate(PURCHASES)
    ] + [
        {"account_id": p_, "account_name": f"Prospect {p_}", "industry_code": "46", "employee_count": 20,
         "country": "NL", "postcode": "1011AA", "lead_source": "web", "owner": "Ans", "created_date": date(2025, 1, 2)}
        for p_ in ("P1", "P2")
    ]
    minutes = {1: [("AE1", 100), ("AE8", 100), ("P1", 200)], 2: [("AE1", 100), ("AE8", 100), ("P2", 100)]}[month]
    activities = [
        {"activity_id": f"X{month}{n}", "account_id": acc, "activity_type": "visit",
         "activity_date": date(2025, month, 10), "duration_minutes": m, "owner": "Ans", "outcome": "contact"}
        for n, (acc, m) in enumerate(minutes)
    ]
    ledger = [{"entry_id": f"G{month}", "posting_date": date(2025, month, 20), "gl_account": "4400",
               "gl_account_name": "Buitendienst", "cost_center": "SALES", "amount": D(400 if month == 1 else 300),
               "description": "sales"}]
    invoices, lines = [], []
    for c, buys in PURCHASES.items():
        for n, (d, amount) in enumerate(buys):
            if d.month != month:
                continue
            inv = f"F{c}{n}"
            invoices.append({"invoice_id": inv, "customer_id": c, "invoice_date": d, "due_date": d,
                             "currency": "EUR", "order_channel": "web", "is_credit_note": False,
                             "sales_rep": "Ans"})
            lines.append({"invoice_id": inv, "line_no": 1, "product_id": "P1", "quantity": D("1"),
                          "unit_price": D(amount), "discount_pct": D("0"), "net_amount": D(amount),
                          "cost_amount": D(amount) * D("0.6")})
    return {
        "erp_customers": customers,
        "erp_products": [{"product_id": "P1", "product_name": "Ding", "product_group": "Dingen",
                          "unit_cost": D("60"), "list_price": D("100"), "is_active": True}],
        "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines,
        "crm_accounts": accounts,
        "crm_activities": activities,
        "erp_gl_entries": ledger,
    }


@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eight")
    landing = tmp / "landing"
    write_landing(landing, "2025-02-01", _delivery(1))
    write_landing(landing, "2025-03-01", _delivery(2))
    import contextlib
    import io

    out = io.StringIO()
    with kansrijk_env(tmp / "data", landing) as s, contextlib.redirect_stdout(out):
        settings_mod.check(s)
        code = refresh_mod.main(["--vars", '{"clv_left_censored_months": 1}'])  # `make run LANDING=<dir>`
    return s, code, out.getvalue()


def test_refresh_publishes_every_contract_mart(eight):
    s, code, _ = eight
    assert code == 0
    with duckdb.connect(str(s.serving), read_only=True) as con:
        have = {r[0] for r in con.sql(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        assert set(parse_contract(CONTRACT.read_text())) <= have
        revenue, cogs = con.sql(
            "select sum(revenue), sum(cost_of_goods) from marts.mart_customer_profitability").fetchall()[0]
    assert (revenue, cogs) == (D("1571.00"), D("942.60"))
    with duckdb.connect(str(s.serving), read_only=True) as con:
        ledger = con.sql("select sum(ledger_amount), sum(allocated_amount) from marts.mart_cost_reconciliation").fetchall()
    assert ledger == [(D("700.00"), D("700.00"))]


def test_fit_recorded_as_not_fitted_with_reason(eight):
    s, _, printed = eight
    with duckdb.connect(str(s.serving), read_only=True) as con:
        fit = dict(con.sql("select distinct model, message from marts.clv_model_fit where not fitted").fetchall())
        fitted = con.sql("select count(*) from marts.clv_model_fit where fitted").fetchall()[0][0]
    assert fitted == 0
    assert fit["gamma_gamma"].startswith("not identified by the data: The gamma_gamma fit did not converge")
    assert fit["bg_nbd"].startswith("too little data: 8 customers")
    # one sentence in the run output names both models and their reasons
    line = next(ln for ln in printed.splitlines() if "could not be fitted" in ln)
    assert line.startswith("kansrijk: warning: CLV: model(s) could not be fitted: bg_nbd (too little data")
    assert "gamma_gamma (not identified by the data" in line and "fallback" in line


def test_clv_falls_back_per_row(eight):
    s, _, _ = eight
    with duckdb.connect(str(s.serving), read_only=True) as con:
        rows = {r[0]: r[1:] for r in con.sql(
            "select customer_key, purchases_estimate, spend_estimate, expected_purchases,"
            " expected_avg_order_value, prob_alive, predicted_value from marts.mart_customer_clv").fetchall()}
        seg = con.sql("select customers, predicted_customers, fallback_customers from marts.mart_segment_clv").fetchall()
    assert len(rows) == 8 and seg == [(8, 8, 8)]
    assert all(r[0] == "shrunk_rate" and r[1] == "shrunk_mean" and r[4] is None for r in rows.values())
    e1, e7 = rows["erp:E1"], rows["erp:E7"]
    assert e1[2] == pytest.approx(5.16 / (51 / 7 + 26) * 156, rel=1e-9)
    assert e1[3] == D("98.91")  # 98.9125
    assert e7[2] == pytest.approx(0.13 * 156, rel=1e-9)
    assert e7[3] == D("123.64")  # 123.640625
    # predicted values are not negative: the segment earns a positive contribution
    assert all(r[5] >= 0 for r in rows.values())


def test_clv_on_forward_contribution(eight):
    s, _, _ = eight
    with duckdb.connect(str(s.serving), read_only=True) as con:
        rows = {r[0]: r[1:] for r in con.sql(
            "select customer_key, historical_value, own_margin_rate_pct, segment_margin_rate_pct,"
            " margin_rate_pct, predicted_value, clv from marts.mart_customer_clv").fetchall()}
    e1, e7, e8 = rows["erp:E1"], rows["erp:E7"], rows["erp:E8"]
    assert (e1[0], e7[0], e8[0]) == (D("-120.00"), D("80.00"), D("-76.00"))
    assert e1[1] == pytest.approx(-60.0)
    segment = 328.4 / 1571
    assert e7[2] == pytest.approx(100 * segment)
    assert e7[3] == pytest.approx(100 * (80 + 196 * segment) / 396)
    # E1 loses money on its own orders, but its segment earns: its future is not booked as a loss
    assert e1[3] == 0.0 and e1[4] == D("0.00") and e1[5] == D("-120.00")


def test_acquisition_cost_and_clv_to_cac(eight):
    s, _, _ = eight
    with duckdb.connect(str(s.serving), read_only=True) as con:
        row = con.sql("select new_customers, acquisition_spend, acquisition_cost, new_customer_clv,"
                      " clv_to_acquisition_cost from marts.mart_segment_clv where segment_key = '46-small'").fetchall()
    assert row == [(1, D("400.00"), D("400.00"), D("-76.00"), pytest.approx(-76 / 400))]


def test_scorecard_and_profitability_denominators(eight):
    s, _, _ = eight
    with duckdb.connect(str(s.serving), read_only=True) as con:
        sc = con.sql("select cost_of_sales, acquisition_spend, sales_effort_minutes, acquisition_minutes"
                     " from marts.mart_segment_scorecard where segment_key = '46-small'").fetchall()
        prof = con.sql("select period, customers, cost_only_accounts from marts.mart_segment_profitability"
                       " where segment_key = '46-small' order by period").fetchall()
    assert sc == [(D("300.00"), D("400.00"), 300, 400)]
    assert prof == [("2025", 8, 2), ("all", 8, 2)]


def test_clv_diagnostics_say_so_without_a_fit(eight):
    """Issue 23: without a fit and without a holdout the diagnostics are empty or null, never wrong.

    Tracking by hand: week 1 starts 2025-01-06 (E1, E2, E4's first purchase); the window ends at the
    calibration end 2025-02-26 (51 days: weeks 1..8, week 8 cut at 02-26). Repeat purchase days and
    their week (days since 01-06 // 7 + 1): E2 01-20 (w3), E4 01-27 (w4), E1 02-03 (w5), E5 02-05 (w5),
    E3 02-10 (w6), E2 02-17 (w7), E4 02-24 (w8), E6 02-26 (w8): per week 0 0 1 1 2 1 1 2, cumulative
    0 0 1 2 4 5 6 8 (= Σx 8). Customers by week end: w1 (01-12) E1 E2 E4 E5 E6 = 5, w2 (01-19) + E3 E7
    = 7, w6 (02-16) + E8 = 8.
    At risk by hand: nobody is silent 30 days or more and more than twice its rhythm (E7, one purchase on
    01-15, is silent 42 days; the median rhythm of the repeat buyers, 28 days, doubled is 56), and
    P(alive) is null without BG/NBD: the list is empty.
    """
    s, _, _ = eight
    with duckdb.connect(str(s.serving), read_only=True) as con:
        rows = con.sql(
            "select week, week_start, week_end, is_holdout, customers, expected_cumulative_repeat_purchases,"
            " actual_repeat_purchases, actual_cumulative_repeat_purchases from marts.clv_tracking order by week"
        ).fetchall()
        empty = {t: con.sql(f"select count(*) from marts.{t}").fetchall()[0][0] for t in (
            "clv_holdout_by_frequency", "clv_holdout_error_segment", "clv_prob_alive_matrix", "mart_customer_at_risk")}
    assert [r[0] for r in rows] == list(range(1, 9))
    assert (rows[0][1], rows[0][2], rows[-1][1], rows[-1][2]) == (
        date(2025, 1, 6), date(2025, 1, 12), date(2025, 2, 24), date(2025, 2, 26))
    assert [r[6] for r in rows] == [0, 0, 1, 1, 2, 1, 1, 2]
    assert [r[7] for r in rows] == [0, 0, 1, 2, 4, 5, 6, 8]
    assert [r[4] for r in rows] == [5, 7, 7, 7, 7, 8, 8, 8]
    assert all(r[5] is None and r[3] is False for r in rows)
    assert empty == dict.fromkeys(empty, 0)
