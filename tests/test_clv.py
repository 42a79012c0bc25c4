"""kansrijk.clv against the lifetimes reference implementation, its gradients, and the CLV marts on
a hand-made landing set of four customers (too few to fit: the build must go on with nulls).
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import check_grad

from kansrijk import clv
from tests.support import build_warehouse, write_landing


# --------------------------------------------------------------------------- statistics


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    """Calibration summary of lifetimes' CDNOW_sample.txt built here (lifetimes.utils does not run
    on pandas 3): customer-days, calibration through 1997-09-30, weeks = days / 7."""
    lifetimes = pytest.importorskip("lifetimes")
    path = Path(os.path.dirname(lifetimes.__file__)) / "datasets" / "CDNOW_sample.txt"
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=["id", "idx", "date", "qty", "amount"])
    raw["date"] = pd.to_datetime(raw["date"].astype(str))
    end = pd.Timestamp("1997-09-30")
    days = raw[raw["date"] <= end].groupby(["id", "date"], as_index=False)["amount"].sum()
    g = days.groupby("id")
    first, last = g["date"].min(), g["date"].max()
    days = days.merge(first.rename("first"), left_on="id", right_index=True)
    repeat = days[days["date"] > days["first"]].groupby("id")["amount"].mean()
    return pd.DataFrame({
        "frequency": (g.size() - 1).astype(float),
        "recency": (last - first).dt.days / 7,
        "T": (end - first).dt.days / 7,
        "monetary": repeat.reindex(first.index),
    })


def _sig3(a: float, b: float) -> bool:
    return f"{a:.3g}" == f"{b:.3g}"


def test_bgnbd_matches_lifetimes(cdnow_summary):
    from lifetimes import BetaGeoFitter

    s = cdnow_summary
    ours = clv.fit_bgnbd(s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy())
    ref = BetaGeoFitter().fit(s.frequency, s.recency, s["T"])
    assert ours.fitted and ours.converged and ours.customers_used == 2357
    for name in clv.BG_NBD_PARAMETERS:
        assert _sig3(ours.params[name], ref.params_[name]), (name, ours.params[name], ref.params_[name])
    x, t_x, T = s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()
    np.testing.assert_allclose(
        clv.bgnbd_conditional_expected(ours.params, 39.0, x, t_x, T),
        ref.conditional_expected_number_of_purchases_up_to_time(39.0, x, t_x, T), rtol=1e-4)
    np.testing.assert_allclose(
        clv.bgnbd_prob_alive(ours.params, x, t_x, T), ref.conditional_probability_alive(x, t_x, T), rtol=1e-4)
    ts = np.array([1.0, 39.0, 78.0])
    np.testing.assert_allclose(
        clv.bgnbd_unconditional_expected(ours.params, ts), ref.expected_number_of_purchases_up_to_time(ts), rtol=1e-4)


def test_gamma_gamma_matches_lifetimes(cdnow_summary):
    from lifetimes import GammaGammaFitter

    rep = cdnow_summary[cdnow_summary.frequency > 0]
    ours = clv.fit_gamma_gamma(rep.frequency.to_numpy(), rep.monetary.to_numpy())
    ref = GammaGammaFitter().fit(rep.frequency, rep.monetary)
    assert ours.fitted and ours.customers_used == 946
    for name in clv.GAMMA_GAMMA_PARAMETERS:
        assert _sig3(ours.params[name], ref.params_[name]), (name, ours.params[name], ref.params_[name])
    np.testing.assert_allclose(
        clv.gamma_gamma_expected_spend(ours.params, rep.frequency.to_numpy(), rep.monetary.to_numpy()),
        ref.conditional_expected_average_profit(rep.frequency, rep.monetary).to_numpy(), rtol=1e-4)


@pytest.mark.parametrize("log_params", [np.log([0.243, 4.414, 0.793, 2.426]), np.array([0.5, -1.0, 1.2, 0.3])])
def test_bgnbd_gradient(cdnow_summary, log_params):
    s = cdnow_summary
    args = (s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy(), np.ones(len(s)))
    err = check_grad(lambda p: clv.bgnbd_nll_and_grad(p, *args)[0], lambda p: clv.bgnbd_nll_and_grad(p, *args)[1], log_params)
    assert err < 1e-5


@pytest.mark.parametrize("log_params", [np.log([6.25, 3.74, 15.44]), np.array([-0.5, 1.5, 0.2])])
def test_gamma_gamma_gradient(cdnow_summary, log_params):
    rep = cdnow_summary[cdnow_summary.frequency > 0]
    args = (rep.frequency.to_numpy(), rep.monetary.to_numpy(), np.ones(len(rep)))
    f = lambda p: clv.gamma_gamma_nll_and_grad(p, *args)[0]  # noqa: E731
    g = lambda p: clv.gamma_gamma_nll_and_grad(p, *args)[1]  # noqa: E731
    assert check_grad(f, g, log_params) < 1e-5


def test_weights_equal_collapsed_rows(cdnow_summary):
    """Collapsing identical rows with counts as weights gives the same fit as the raw rows."""
    s = cdnow_summary
    (x, t_x, T), w = clv.collapse(s.frequency, s.recency, s["T"])
    assert len(x) < len(s)
    a = clv.fit_bgnbd(x, t_x, T, weights=w)
    b = clv.fit_bgnbd(s.frequency, s.recency, s["T"])
    for name in clv.BG_NBD_PARAMETERS:
        assert a.params[name] == pytest.approx(b.params[name], rel=1e-6)


def test_too_little_data_is_not_an_error():
    r = clv.fit_bgnbd(np.array([1.0, 0, 2]), np.array([3.0, 0, 5]), np.array([10.0, 8, 9]))
    assert not r.fitted and np.isnan(r.params["r"]) and "too little data" in r.message
    g = clv.fit_gamma_gamma(np.array([1.0, 2]), np.array([10.0, 20]))
    assert not g.fitted and np.isnan(g.params["p"])


def test_not_converging_raises():
    # a maximum-iteration budget of 1 cannot converge
    rng = np.random.default_rng(0)
    x, t_x, T = clv.simulate_bgnbd(500, 0.5, 5.0, 0.8, 2.5, 40.0, seed=1)
    with pytest.raises(clv.FitError, match="bg_nbd"):
        clv.fit_bgnbd(x, t_x, T, max_iter=1)
    assert rng is not None


def test_simulation_recovers_parameters():
    true = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(3).integers(7, 365, 100_000) / 7
    x, t_x, T = clv.simulate_bgnbd(100_000, *true.values(), T, seed=4)
    fit = clv.fit_bgnbd(x, np.round(t_x * 7) / 7, T)
    for k, v in true.items():
        assert fit.params[k] == pytest.approx(v, rel=0.1), k


def test_discounting_sums_per_period():
    """Undiscounted sum of per-week purchases = the cumulative expectation; discounting lowers it."""
    p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    x, t_x, T = np.array([0.0, 2, 5]), np.array([0.0, 20, 30]), np.array([38.0, 38, 38])
    total, disc = clv.bgnbd_discounted_expected(p, x, t_x, T, 156, 0.0)
    np.testing.assert_allclose(total, clv.bgnbd_conditional_expected(p, 156.0, x, t_x, T))
    np.testing.assert_allclose(disc, total)
    _, disc10 = clv.bgnbd_discounted_expected(p, x, t_x, T, 156, 1.1 ** (1 / 52) - 1)
    assert np.all(disc10 < total) and np.all(disc10 > total / 1.1 ** 3)


def test_discounted_expected_equals_the_sum_over_each_row_s_own_periods():
    """The sums evaluated once per distinct (x, T) and scaled by each row's P(alive) equal, row by
    row, the discounted differences of E[Y(k) | x, t_x, T] computed for that row alone: customers
    sharing x and T with other recencies, customers without repeat purchases, a row alone."""
    p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    x = np.array([0.0, 0, 2, 2, 2, 5, 5, 1])
    t_x = np.array([0.0, 0, 3, 20, 30, 30, 11.5, 40])
    T = np.array([38.0, 52, 38, 38, 38, 38, 38, 41])
    rate = 1.1 ** (1 / 52) - 1
    total, disc = clv.bgnbd_discounted_expected(p, x, t_x, T, 104, rate)
    for i in range(len(x)):
        cum = np.array([clv.bgnbd_conditional_expected(p, float(k), x[i:i + 1], t_x[i:i + 1], T[i:i + 1])[0]
                        for k in range(0, 105)])
        weeks = np.diff(cum)
        assert total[i] == pytest.approx(cum[-1], rel=1e-12), i
        assert disc[i] == pytest.approx(sum(w / (1 + rate) ** (k + 1) for k, w in enumerate(weeks)), rel=1e-12), i
    # the recency matters: same x and T, a later last purchase, more expected
    assert total[2] < total[3] < total[4]


def _beta_mixture_by_qaws(r, scale, a, b, t):
    """E[(1 - (scale/(scale + p t))^r) / p] over p ~ Beta(a, b), by QUADPACK's QAWS rule for
    algebraic endpoint weights: a second method beside the Gauss-Jacobi quadrature of kansrijk.clv."""
    from scipy import integrate, special

    def g(p):
        return -np.expm1(r * (np.log(scale) - np.log(scale + p * t))) / p if p > 0 else r * t / scale

    value = integrate.quad(g, 0, 1, weight="alg", wvar=(a - 1, b - 1), epsabs=0, epsrel=1e-12, limit=200)[0]
    return value / special.beta(a, b)


# A BG/NBD fit of one year of 400 wholesale customers (bench/run.py --customers 400 --years 1):
# a + b < 1, where FHL's closed form needs 2F1(r, b; a + b - 1; .) with a negative third argument.
SHORT_HISTORY = {"r": 1.27832, "alpha": 4.584478, "a": 0.009485, "b": 0.732925}
WEEKS = np.array([0.5, 1, 5, 26, 52, 104, 260.0])


@pytest.mark.parametrize("params", [SHORT_HISTORY, {"r": 1.3612, "alpha": 5.051, "a": 0.2032, "b": 26.897},
                                    {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
                                    {"r": 2.0, "alpha": 10.0, "a": 3.5, "b": 0.4}])
def test_new_customer_expectation_for_every_fit(params):
    """E[X(t)] is the Beta mixture computed by a second quadrature, for fits with a + b < 1 too;
    it grows with t and stays below the purchases of a customer who never drops out (r t / alpha)."""
    got = clv.bgnbd_unconditional_expected(params, WEEKS)
    want = [_beta_mixture_by_qaws(params["r"], params["alpha"], params["a"], params["b"], t) for t in WEEKS]
    np.testing.assert_allclose(got, want, rtol=1e-7)
    assert np.all(np.diff(got) > 0) and np.all(got < params["r"] * WEEKS / params["alpha"])


def test_new_customer_expectation_is_fhl_closed_form_where_it_holds():
    """Where a + b > 1, FHL 2005 eq. 9 through scipy's 2F1 gives the same figures."""
    from scipy.special import hyp2f1

    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    closed = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + WEEKS)) ** r * hyp2f1(r, b, a + b - 1, WEEKS / (alpha + WEEKS)))
    np.testing.assert_allclose(clv.bgnbd_unconditional_expected({"r": r, "alpha": alpha, "a": a, "b": b}, WEEKS),
                               closed, rtol=1e-9)


def test_zero_repeat_customers_get_a_forecast_when_a_plus_b_is_below_one():
    """A customer without a repeat purchase is alive; its forecast is the new-customer mixture with
    alpha + T for alpha. Customers with repeat purchases keep FHL's eq. 10 (finite here)."""
    p = SHORT_HISTORY
    x, t_x, T = np.array([0.0, 0.0, 2.0]), np.array([0.0, 0.0, 10.0]), np.array([20.0, 45.0, 40.0])
    got = clv.bgnbd_conditional_expected(p, 52.0, x, t_x, T)
    assert np.all(np.isfinite(got)) and np.all(got > 0)
    for i in (0, 1):
        assert got[i] == pytest.approx(_beta_mixture_by_qaws(p["r"], p["alpha"] + T[i], p["a"], p["b"], 52.0), rel=1e-7)


# --------------------------------------------------------------------------- marts, hand-made

# As-of date 2025-06-30 (= calibration end). ERP only: no ledger, so net profit = gross margin.
# C1, C2, C3: industry 46, 20 employees -> segment 46-small; C4: industry 43, 5 employees -> 43-micro.
#   C1 01-06 100 (cost 60); 01-20 two invoices 50 + 30 (cost 30 + 20); 03-03 120 (cost 70)
#      purchase days 01-06, 01-20, 03-03: frequency 2; recency 01-06 -> 03-03 = 56 days = 8 weeks;
#      age 01-06 -> 06-30 = 175 days = 25 weeks; mean repeat value (80 + 120) / 2 = 100.00;
#      revenue 300, cogs 180, historical value (net = gross) 120.00, margin rate 40 %.
#   C2 02-10 200 (cost 150); 04-14 credit note -50 (cost -30): a credit-only day is no purchase.
#      frequency 0, recency 0, age 02-10 -> 06-30 = 140 days = 20 weeks; historical 150 - 120 = 30.00.
#   C3 04-01 400 (cost 250); 06-30 100 (cost 50): frequency 1, recency = age = 90 days = 12.857 weeks,
#      mean repeat 100.00; historical 500 - 300 = 200.00.
#   C4 06-30 70 (cost 35): first purchase on the calibration end: age 0; historical 35.00.
# 4 customers < clv_min_customers 20 and 2 repeat buyers < 5: neither model is fitted, so the
# fallback estimates stand in (docs blocks clv_purchases_fallback, clv_spend_fallback). Both
# segments have fewer than 5 customers, so the priors pool all four customers:
#   repeat purchase days Σx = 2 + 0 + 1 + 0 = 3; ages ΣT = (175 + 140 + 90 + 0) / 7 = 405/7 weeks;
#   λ = 3 / (405/7) = 21/405 repeat purchases per week.
#   purchase days: C1 01-06 100, 01-20 80, 03-03 120; C2 02-10 200 (the credit-note day is none);
#   C3 04-01 400, 06-30 100; C4 06-30 70: m0 = 1070 / 7 EUR per purchase day.
#   rate = (x + 26 λ) / (T + 26); order value = (n m + 3 m0) / (n + 3), n purchase days, m their mean;
#   every customer bought within a year (active); P(alive) stays null.
#   predicted value = rate × Σ_{k=1..156} 1.1^(-k/52) × order value × margin rate.
# Margin rate (contribution; no ledger, so = gross margin): the own rate blended with the segment's
#   by credibility. Both segments have < 5 customers, so the segment rate is all customers':
#   r0 = (120 + 30 + 200 + 35) / (300 + 150 + 500 + 70) = 385 / 1020. K = the median customer revenue
#   (70, 150 | 300, 500) = 225. rate = (historical + K r0) / (revenue + K):
#   C1 (120 + 225 r0) / 525 = 39.034 %.
# Cohorts (quarter): 2025-01-01 = {C1, C2}; 2025-04-01 = {C3, C4}.
#   2025-01-01 period 0: 2 active, revenue 300 + 200 = 500, cogs 330, gm 170
#              period 1: C2's credit note only: active 0, revenue -50, cogs -30, gm -20
#   2025-04-01 period 0: 2 active, revenue 570, cogs 335, gm 235
# New customers: none (all created 2024-12-01, before the data starts: left-censored); acquisition
#   cost and clv_to_acquisition_cost null.

INVOICES = [  # invoice_id, customer, date, credit, [(net, cost)]
    ("I1", "C1", date(2025, 1, 6), False, [(100, 60)]),
    ("I2", "C1", date(2025, 1, 20), False, [(50, 30)]),
    ("I3", "C1", date(2025, 1, 20), False, [(30, 20)]),
    ("I4", "C1", date(2025, 3, 3), False, [(120, 70)]),
    ("I5", "C2", date(2025, 2, 10), False, [(200, 150)]),
    ("I6", "C2", date(2025, 4, 14), True, [(-50, -30)]),
    ("I7", "C3", date(2025, 4, 1), False, [(400, 250)]),
    ("I8", "C3", date(2025, 6, 30), False, [(100, 50)]),
    ("I9", "C4", date(2025, 6, 30), False, [(70, 35)]),
]


def write_fixture_landing(landing: Path) -> None:
    """The four customers above as an ERP-only landing set."""
    customers = [
        {"customer_id": c, "customer_name": f"Customer {c}", "industry_code": ind, "employee_count": emp,
         "country": "NL", "created_date": date(2024, 12, 1), "payment_terms_days": 30, "is_blocked": False}
        for c, ind, emp in [("C1", "46", 20), ("C2", "46", 20), ("C3", "46", 20), ("C4", "43", 5)]
    ]
    invoices, lines = [], []
    for inv, cust, d, credit, ls in INVOICES:
        invoices.append({"invoice_id": inv, "customer_id": cust, "invoice_date": d, "due_date": d,
                         "currency": "EUR", "order_channel": "web", "is_credit_note": credit})
        for n, (net, cost) in enumerate(ls, start=1):
            lines.append({"invoice_id": inv, "line_no": n, "product_id": "P1", "quantity": D("1"),
                          "unit_price": D(net), "discount_pct": D("0"), "net_amount": D(net), "cost_amount": D(cost)})
    write_landing(landing, "2025-06-30", {
        "erp_customers": customers,
        "erp_products": [{"product_id": "P1", "product_name": "Widget", "product_group": "G1",
                          "unit_cost": D("1"), "list_price": D("2"), "is_active": True}],
        "erp_sales_invoices": invoices,
        "erp_sales_invoice_lines": lines,
    })


FIXTURE_VARS = {"as_of_date": "2025-06-30"}
# what this module reads; the build makes these and what they read, with their data tests
READS = ("clv_holdout_check", "clv_holdout_summary", "clv_model_fit", "mart_cohort_retention",
         "mart_cohort_retention_segment", "mart_customer_clv", "mart_segment_clv")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("clv")
    landing = root / "landing"
    write_fixture_landing(landing)
    s = build_warehouse(root, landing, vars=FIXTURE_VARS, publish=False, select=READS)
    c = duckdb.connect(str(s.warehouse), read_only=True)
    yield c
    c.close()


def test_customer_summary(con):
    rows = con.execute(
        """select customer_key, frequency, recency_weeks, age_weeks, mean_repeat_order_value,
                  historical_value, margin_rate_pct, is_predicted, prob_alive, clv, segment_key,
                  purchases_estimate, spend_estimate, expected_purchases, expected_avg_order_value
           from marts.mart_customer_clv order by customer_key"""
    ).fetchall()
    assert [r[0] for r in rows] == ["erp:C1", "erp:C2", "erp:C3", "erp:C4"]
    c1, c2, c3, c4 = rows
    assert c1[1:7] == (2, pytest.approx(8.0), pytest.approx(25.0), D("100.00"), D("120.00"),
                       pytest.approx(100 * (120 + 225 * 385 / 1020) / 525))
    assert c2[1:6] == (0, pytest.approx(0.0), pytest.approx(20.0), None, D("30.00"))
    assert c3[1:6] == (1, pytest.approx(90 / 7), pytest.approx(90 / 7), D("100.00"), D("200.00"))
    assert c4[1:6] == (0, pytest.approx(0.0), pytest.approx(0.0), None, D("35.00"))
    assert [r[10] for r in rows] == ["46-small", "46-small", "46-small", "43-micro"]
    # neither model fitted: every customer has a fallback prediction and no P(alive)
    assert all(r[7] is True and r[8] is None and r[11:13] == ("shrunk_rate", "shrunk_mean") for r in rows)
    for row, hist in zip(rows, FALLBACK_HAND):
        x, T, n, m, margin, historical = hist
        rate = (x + 26 * LAMBDA) / (T + 26)
        order_value = (n * m + 3 * M0) / (n + 3)
        predicted = rate * ANNUITY_156 * order_value * margin
        assert row[13] == pytest.approx(rate * 156, rel=1e-9), row[0]  # expected purchases
        assert float(row[14]) == pytest.approx(order_value, abs=0.005), row[0]
        assert float(row[9]) == pytest.approx(historical + predicted, abs=0.011), row[0]


def _blended(historical: float, revenue: float) -> float:
    return (historical + 225 * 385 / 1020) / (revenue + 225)


# (x, T weeks, purchase days, mean purchase value, margin rate, historical value) per customer, by hand
FALLBACK_HAND = [
    (2, 25.0, 3, 100.0, _blended(120, 300), 120.0),
    (0, 20.0, 1, 200.0, _blended(30, 150), 30.0),
    (1, 90 / 7, 2, 250.0, _blended(200, 500), 200.0),
    (0, 0.0, 1, 70.0, _blended(35, 70), 35.0),
]
LAMBDA = 21 / 405
M0 = 1070 / 7
ANNUITY_156 = sum(1.1 ** (-k / 52) for k in range(1, 157))  # weekly discounting at 10 % a year


def test_model_fit_not_fitted(con):
    rows = con.execute(
        "select model, parameter, value, fitted, customers_used from marts.clv_model_fit order by model, parameter"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("bg_nbd", "a"), ("bg_nbd", "alpha"), ("bg_nbd", "b"), ("bg_nbd", "r"),
        ("gamma_gamma", "p"), ("gamma_gamma", "q"), ("gamma_gamma", "v")]
    assert all(r[2] is None and r[3] is False for r in rows)
    # BG/NBD: customers with age > 0 (C1, C2, C3); Gamma-Gamma: repeat buyers C1, C3
    assert {r[0]: r[4] for r in rows} == {"bg_nbd": 3, "gamma_gamma": 2}
    messages = dict(con.execute("select distinct model, message from marts.clv_model_fit").fetchall())
    assert messages["bg_nbd"].startswith("too little data: 3 customers and 2 repeat buyers")
    assert messages["gamma_gamma"].startswith("too little data: 2 repeat buyers")


def test_segment_clv(con):
    rows = con.execute(
        "select segment_key, customers, predicted_customers, clv, historical_value, new_customers, "
        "acquisition_cost, clv_to_acquisition_cost from marts.mart_segment_clv order by segment_key"
    ).fetchall()
    clv_hand = [_clv_by_hand(*h) for h in FALLBACK_HAND]
    assert [r[:3] for r in rows] == [("43-micro", 1, 1), ("46-small", 3, 3)]
    assert float(rows[0][3]) == pytest.approx(clv_hand[3], abs=0.011)
    assert float(rows[1][3]) == pytest.approx(sum(clv_hand[:3]) / 3, abs=0.011)
    # every customer was created 2024-12-01, before the data's first month: left-censored, none
    # counts as won, so there is no acquisition cost to compare with
    assert [r[4:] for r in rows] == [(D("35.00"), 0, None, None), (D("350.00"), 0, None, None)]


def _clv_by_hand(x, T, n, m, margin, historical):
    rate = (x + 26 * LAMBDA) / (T + 26)
    return historical + rate * ANNUITY_156 * (n * m + 3 * M0) / (n + 3) * margin


def test_cohort_retention(con):
    rows = con.execute(
        "select cohort, period_number, customers, active_customers, retention_pct, revenue, gross_margin "
        "from marts.mart_cohort_retention order by cohort, period_number"
    ).fetchall()
    assert rows == [
        (date(2025, 1, 1), 0, 2, 2, 100.0, D("500.00"), D("170.00")),
        (date(2025, 1, 1), 1, 2, 0, 0.0, D("-50.00"), D("-20.00")),
        (date(2025, 4, 1), 0, 2, 2, 100.0, D("570.00"), D("235.00")),
    ]
    seg = con.execute(
        "select segment_key, cohort, period_number, customers from marts.mart_cohort_retention_segment "
        "order by segment_key, cohort, period_number"
    ).fetchall()
    assert seg == [
        ("43-micro", date(2025, 4, 1), 0, 1),
        ("46-small", date(2025, 1, 1), 0, 2),
        ("46-small", date(2025, 1, 1), 1, 2),
        ("46-small", date(2025, 4, 1), 0, 1),
    ]


def test_no_holdout_rows(con):
    assert con.execute("select count(*) from marts.clv_holdout_check").fetchall()[0][0] == 0
    assert con.execute("select count(*) from marts.clv_holdout_summary").fetchall()[0][0] == 0
