"""A company with six customers and only an ERP: the refresh completes, publishes every mart
of the serving contract, and says what it could not compute (serving contract, last section)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.support import build_warehouse, write_landing
from tests.test_serving_contract import CONTRACT, parse_contract


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    landing = tmp / "landing"
    customers = [
        {"customer_id": f"K{i}", "customer_name": f"Klant {i}", "industry_code": "99" if i < 4 else "46",
         "employee_count": 12, "country": "NL", "created_date": date(2024, 1, 1), "payment_terms_days": 30,
         "credit_limit": 1000.0, "is_blocked": False}
        for i in range(1, 7)
    ]
    invoices, lines = [], []
    for i in range(1, 7):
        for n, d in enumerate([date(2025, 1, 10), date(2025, 6, 10)][: 1 + i % 2]):
            inv = f"F{i}{n}"
            invoices.append({"invoice_id": inv, "customer_id": f"K{i}", "invoice_date": d,
                             "due_date": d, "currency": "EUR", "order_channel": "web", "is_credit_note": False})
            lines.append({"invoice_id": inv, "line_no": 1, "product_id": "P1", "quantity": 2.0,
                          "unit_price": 50.0, "discount_pct": 0.0, "net_amount": 100.0 * i, "cost_amount": 60.0 * i})
    ledger = [
        # ZZZ is not in seed cost_center_drivers: unallocated with its reason, not an error
        {"entry_id": "G1", "posting_date": date(2025, 1, 31), "gl_account": "4000", "gl_account_name": "Diverse",
         "cost_center": "ZZZ", "amount": 123.45, "description": "unmapped"},
        {"entry_id": "G2", "posting_date": date(2025, 1, 31), "gl_account": "4100", "gl_account_name": "Orderverwerking",
         "cost_center": "OE", "amount": 60.0, "description": "order entry"},
    ]
    write_landing(landing, "2025-07-01", {
        "erp_customers": customers,
        "erp_products": [{"product_id": "P1", "product_name": "Ding", "product_group": "Dingen",
                          "unit_cost": 30.0, "list_price": 50.0, "is_active": True}],
        "erp_sales_invoices": invoices, "erp_sales_invoice_lines": lines, "erp_gl_entries": ledger,
    })
    from kansrijk.refresh import refresh
    from tests.support import kansrijk_env
    from kansrijk import settings as settings_mod

    with kansrijk_env(tmp / "data", landing) as s:
        settings_mod.check(s)
        result = refresh(s, log=lambda *_: None, quiet=True)
    return s, result


def test_every_contract_mart_is_published(small):
    s, _ = small
    con = duckdb.connect(str(s.serving), read_only=True)
    have = {r[0] for r in con.sql("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    assert set(parse_contract(CONTRACT.read_text())) <= have


def test_run_output_says_what_could_not_be_computed(small):
    _, result = small
    text = " ".join(result.warnings)
    assert "CLV" in text and "could not be fitted" in text
    assert "unallocated" in text
    assert "no market figures" in text


def test_figures_that_cannot_be_computed_are_null_not_invented(small):
    s, _ = small
    con = duckdb.connect(str(s.serving), read_only=True)
    # six customers are too few to fit BG/NBD: not converged, no P(alive); CLV comes from the
    # documented fallback estimates, flagged on every row
    assert con.sql("select bool_or(converged) from marts.clv_model_fit").fetchall()[0][0] is False
    assert con.sql("select count(prob_alive) from marts.mart_customer_clv").fetchall()[0][0] == 0
    assert con.sql("select count(*) from marts.mart_customer_clv where purchases_estimate = 'shrunk_rate'"
                   " and spend_estimate = 'shrunk_mean' and clv is not null").fetchall()[0][0] == 6
    # the unmapped cost center stays unallocated with its reason; the mapped one is spread
    rows = dict(con.sql("select cost_center, unallocated_amount from marts.mart_cost_reconciliation").fetchall())
    assert float(rows["ZZZ"]) == 123.45 and float(rows["OE"]) == 0.0
    reason = con.sql("select unallocated_reason from marts.mart_cost_reconciliation where cost_center = 'ZZZ'").fetchall()[0][0]
    assert "cost_center_drivers" in reason
    # segment 99-small has no market figures: penetration null, the segment still listed
    pen = con.sql("select market_penetration_pct from marts.mart_market_penetration where segment_key = '99-small'").fetchall()
    assert pen == [(None,)]
    # revenue in = revenue out: 100 x (1+2+...+6) on the first invoices plus 100 x (1+3+5) on the second
    assert float(con.sql("select sum(revenue) from marts.mart_customer_profitability").fetchall()[0][0]) == 2100 + 900


def test_without_stock_levels_the_stock_marts_build_with_null_stock_columns(small):
    # no erp_stock_levels in this landing set (contract v1.1, optional): the policy is still there,
    # the stock columns are null, and the run output says so
    s, result = small
    con = duckdb.connect(str(s.serving), read_only=True)
    rows = con.sql("select product_id, stock_policy, reorder_point_qty, has_stock_levels, on_hand_qty,"
                   " days_of_cover, excess_stock_value from marts.mart_product_stock_policy").fetchall()
    assert [(r[0], r[3], r[4], r[5], r[6]) for r in rows] == [("P1", False, None, None, None)]
    assert rows[0][2] is not None
    seg = con.sql("select count(*), count(stock_value) from marts.mart_segment_stock").fetchall()[0]
    assert seg[0] > 0 and seg[1] == 0
    assert con.sql("select count(*) from marts.mart_product_classification").fetchall()[0][0] == 1
    assert any("no erp_stock_levels" in w for w in result.warnings)
