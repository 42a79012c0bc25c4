"""Lifecycle from the customer's own rhythm, and the cohort flags, on the demo build (`demo_build`).

The hand-computed fixtures are dbt unit tests (run once per test run by tests/test_dbt_unit.py):
int_customer_rhythm's `test_lifecycle_follows_the_customers_own_rhythm` (models/intermediate/core)
and the cohort flags in models/marts/clv/_cohort__unit_tests.yml; test_segmentation.py checks the
rhythm columns of its hand-made customers. Here: properties of the demo's planted facts.

The demo plants churn (kansrijk.demo.planted_churn replays the generator's draws): ~12 % of the
customers stop buying 1-2 years before the end ("gone"), ~6 % 5-11 months before it ("silent").
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from kansrijk.demo import planted_churn


@pytest.fixture(scope="module")
def wh(demo_build):
    con = duckdb.connect(str(demo_build.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def status(wh) -> dict[str, str]:
    return dict(wh.execute(
        "select erp_customer_id, lifecycle_status from marts.dim_customer where erp_customer_id is not null"
    ).fetchall())


def test_planted_churn_agrees_with_the_files(wh):
    """The helper replays the generator: no planted customer has an invoice on or after the day it
    stopped, and the shares are the documented ones (18 % of 2,000 ± a few points)."""
    planted = planted_churn()
    assert 0.14 * 2000 < len(planted) < 0.22 * 2000
    assert 0.09 * 2000 < sum(kind == "gone" for kind, _ in planted.values()) < 0.15 * 2000
    last = dict(wh.execute(
        "select customer_id, max(invoice_date) from staging.stg_erp__sales_invoices "
        "where not coalesce(is_credit_note, false) group by customer_id"
    ).fetchall())
    assert all(last[cid] < stopped for cid, (_, stopped) in planted.items() if cid in last)
    # and the churn is real: most planted customers bought before they stopped
    assert sum(cid in last for cid in planted) > 0.95 * len(planted)


def test_planted_churn_is_found(status):
    """At least 90 % of the planted churn is lapsed or ex-customer (the rule found 303 of 320 when
    written; the days-since-last-invoice rule before it 229). The gone ones are mostly ex-customers."""
    planted = planted_churn()
    found = [cid for cid in planted if status.get(cid) in ("lapsed", "ex_customer")]
    assert len(found) >= 0.9 * len(planted), (len(found), len(planted))
    gone = [cid for cid, (kind, _) in planted.items() if kind == "gone"]
    assert sum(status.get(cid) == "ex_customer" for cid in gone) >= 0.8 * len(gone)


def test_customers_still_buying_stay_active(status):
    """The rule does not find churn by calling everyone lapsed: of the buying customers the demo did
    not plant as churned, at least 90 % are active (a customer buying at random at its own pace is
    silent for 3 intervals about once in 20)."""
    planted = planted_churn()
    kept = [v for cid, v in status.items() if cid not in planted and v != "prospect"]
    assert sum(v == "active" for v in kept) >= 0.9 * len(kept), len(kept)


def test_rhythm_columns_are_consistent(wh):
    """Every status follows from days_silent and the two thresholds, the thresholds keep to their
    floors and ceilings (vars: 3 and 6 intervals, [90, 365] and [365, 730] days), and is_customer
    is active + lapsed."""
    bad = wh.execute("""
        select count(*) from marts.dim_customer
        where lifecycle_status <> case
                when days_silent is null then 'prospect'
                when days_silent > ex_customer_after_days then 'ex_customer'
                when days_silent > lapsed_after_days then 'lapsed' else 'active' end
           or is_customer <> (lifecycle_status in ('active', 'lapsed'))
           or lapsed_after_days not between 90 and 365
           or ex_customer_after_days not between 365 and 730
           or abs(lapsed_after_days - least(greatest(3 * rhythm_interval_days, 90), 365)) > 1e-9
           or abs(ex_customer_after_days - least(greatest(6 * rhythm_interval_days, 365), 730)) > 1e-9
           or (purchase_days > 1) <> (purchase_interval_days is not null)
    """).fetchall()[0][0]
    assert bad == 0


def test_penetration_and_scorecard_count_is_customer(wh):
    customers = wh.execute(
        "select count(*) from marts.dim_customer where is_customer and customer_key <> 'unknown'").fetchall()[0][0]
    for mart in ("mart_market_penetration", "mart_market_penetration_region", "mart_segment_scorecard"):
        assert wh.execute(f"select sum(customers) from marts.{mart}").fetchall()[0][0] == customers, mart


def test_cohort_flags(wh):
    """As of 2026-10-31 the quarter 2026-Q4 has one month elapsed: every cohort's last row is that
    partial quarter; the data starts 2023-11, so the first cohort's period 0 (2023-Q4) is partial too,
    and that cohort, whose customers all bought in the data's first months, is left-censored. Cohorts
    from 2025 on hold mostly new customers."""
    rows = wh.execute(
        "select cohort, period_number, period_start, customers, is_partial_period, left_censored_customers, "
        "is_left_censored from marts.mart_cohort_retention order by cohort, period_number").fetchall()
    partial = {(r[0], r[1]) for r in rows if r[4]}
    assert partial == {(r[0], r[1]) for r in rows if r[2] == date(2026, 10, 1)} | {(date(2023, 10, 1), 0)}
    first = [r for r in rows if r[0] == date(2023, 10, 1)]
    assert all(r[5] == r[3] and r[6] for r in first)
    assert not any(r[6] for r in rows if r[0] >= date(2025, 1, 1))
    assert all(0 <= r[5] <= r[3] for r in rows)
    seg = wh.execute(
        "select cohort, period_number, sum(left_censored_customers), bool_or(is_partial_period) "
        "from marts.mart_cohort_retention_segment group by 1, 2").fetchall()
    assert {(r[0], r[1]): (r[2], r[3]) for r in seg} == {(r[0], r[1]): (r[5], r[4]) for r in rows}
