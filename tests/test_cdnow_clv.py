"""The published CDNOW benchmark through the real ingest and dbt build.

The lifetimes package's CDNOW_sample.txt (2,357 customers of the 1997 Q1 cohort) is turned into a
landing set by kansrijk.cdnow and built (the CLV marts and what they read) with the calibration window of Fader, Hardie & Lee (2005):
calibration through 1997-09-30 (39 weeks), holdout through 1998-06-30 (week 78). as_of_date is
set to the calibration end too, so every "now" of the warehouse is the calibration end; the CLV
summary itself only counts invoices <= clv_calibration_end, so holdout purchases cannot leak in.

Expected figures are the published ones (FHL 2005; lifetimes' documentation for Gamma-Gamma):
BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426; Gamma-Gamma on 946 repeat buyers p 6.25, q 3.74,
v 15.44; 1,653 expected vs 1,882 actual repeat purchases in the holdout; 4,161 expected vs 4,339
actual cumulative repeat purchases through week 78.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from kansrijk import cdnow
from tests.support import build_warehouse

CDNOW_VARS = {
    "as_of_date": "1997-09-30",
    "clv_calibration_end": "1997-09-30",
    "clv_holdout_end": "1998-06-30",
}


# what this module reads; the build makes these and what they read, with their data tests
READS = ("clv_holdout_by_frequency", "clv_holdout_error_segment", "clv_holdout_summary", "clv_model_fit",
         "clv_prob_alive_matrix", "clv_tracking", "mart_customer_clv")


def _cdnow_sample() -> Path:
    lifetimes = pytest.importorskip("lifetimes")
    return Path(os.path.dirname(lifetimes.__file__)) / "datasets" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("cdnow")
    landing = root / "landing"
    cdnow.convert(_cdnow_sample(), landing)
    s = build_warehouse(root, landing, vars=CDNOW_VARS, publish=False, select=READS)
    c = duckdb.connect(str(s.warehouse), read_only=True)
    yield c
    c.close()


def _params(con, model: str) -> dict[str, float]:
    rows = con.execute(
        "select parameter, value from marts.clv_model_fit where model = ?", [model]
    ).fetchall()
    return dict(rows)


def test_customers(con):
    assert con.execute("select count(*) from marts.mart_customer_clv").fetchall()[0][0] == 2357
    assert con.execute("select count(*) from marts.mart_customer_clv where is_predicted").fetchall()[0][0] == 2357


def test_bg_nbd_parameters(con):
    fit = _params(con, "bg_nbd")
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert fit[name] == pytest.approx(published, rel=0.01), name
    converged, used = con.execute(
        "select bool_and(converged), max(customers_used) from marts.clv_model_fit where model = 'bg_nbd'"
    ).fetchall()[0]
    assert converged and used == 2357


def test_gamma_gamma_parameters(con):
    fit = _params(con, "gamma_gamma")
    for name, published in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert fit[name] == pytest.approx(published, rel=0.02), name
    used = con.execute(
        "select max(customers_used) from marts.clv_model_fit where model = 'gamma_gamma'"
    ).fetchall()[0][0]
    assert used == 946


def test_holdout(con):
    expected, actual, cum_expected, cum_actual = con.execute(
        """select expected_holdout_purchases, actual_holdout_purchases,
                  expected_cumulative_repeat_purchases, actual_cumulative_repeat_purchases
           from marts.clv_holdout_summary"""
    ).fetchall()[0]
    assert actual == 1882
    assert expected == pytest.approx(1653, rel=0.01)
    assert cum_actual == 4339
    assert cum_expected == pytest.approx(4161, rel=0.01)


def test_sql_scoring_matches_python(con):
    """P(alive) and the Gamma-Gamma order value are scored in SQL: same as kansrijk.clv."""
    import numpy as np

    from kansrijk import clv

    bg, gg = _params(con, "bg_nbd"), _params(con, "gamma_gamma")
    df = con.execute(
        """select frequency, recency_weeks, age_weeks, prob_alive, expected_avg_order_value,
                  cast(mean_repeat_order_value as double) as m
           from marts.mart_customer_clv"""
    ).df()
    x, t_x, T = df.frequency.to_numpy(float), df.recency_weeks.to_numpy(), df.age_weeks.to_numpy()
    np.testing.assert_allclose(df.prob_alive, clv.bgnbd_prob_alive(bg, x, t_x, T), rtol=1e-9)
    # mean_repeat_order_value is rounded to cents in the mart: compare to the cent
    spend = clv.gamma_gamma_expected_spend(gg, x, df.m.fillna(0).to_numpy())
    np.testing.assert_allclose(df.expected_avg_order_value.astype(float), spend, atol=0.02)


# --------------------------------------------------------------------------- diagnostics (issue 23)
# Independent second method: the raw CDNOW log read with pandas (purchases = distinct customer-days),
# the BG/NBD formulas of the lifetimes package with the warehouse's fitted parameters, and the cohort
# sums done here. The published FHL (2005) figure at week 78 is checked on its own.


@pytest.fixture(scope="module")
def raw_days():
    import pandas as pd

    log = pd.read_csv(_cdnow_sample(), sep=r"\s+", header=None, dtype=str)
    days = pd.DataFrame({"customer": log[0], "day": pd.to_datetime(log[log.columns[-3]], format="%Y%m%d")})
    days = days.drop_duplicates()
    days["first"] = days.groupby("customer")["day"].transform("min")
    return days


@pytest.fixture(scope="module")
def lifetimes_bg(con):
    from lifetimes import BetaGeoFitter
    import pandas as pd

    bg = BetaGeoFitter()
    bg.params_ = pd.Series(_params(con, "bg_nbd"))[["r", "alpha", "a", "b"]]
    return bg


def test_tracking_week_78_published(con):
    """FHL (2005): 4,161 expected against 4,339 actual cumulative repeat purchases at week 78."""
    rows = con.execute(
        """select week, week_start, week_end, is_holdout, customers,
                  expected_cumulative_repeat_purchases, actual_cumulative_repeat_purchases
           from marts.clv_tracking order by week"""
    ).fetchall()
    assert len(rows) == 78
    week, start, end, holdout, customers, expected, actual = rows[-1]
    assert (week, str(start), str(end), holdout) == (78, "1998-06-24", "1998-06-30", True)
    assert expected == pytest.approx(4161, rel=0.01)
    assert actual == 4339
    assert customers == 2357
    # week 39 ends on the calibration end (1997-01-01 + 272 days): the last calibration week
    assert [(w, str(e)) for w, _, e, h, *_ in rows if not h][-1] == (39, "1997-09-30")
    assert sum(1 for r in rows if r[3]) == 39


def test_tracking_curve_matches_lifetimes(con, raw_days, lifetimes_bg):
    """Every week: Σ over first-purchase days of lifetimes' E[X(t)], t = days to the week's last day / 7."""
    import numpy as np
    import pandas as pd

    df = con.execute(
        """select week, week_end, expected_cumulative_repeat_purchases as e, actual_cumulative_repeat_purchases as a,
                  expected_repeat_purchases as e_week, actual_repeat_purchases as a_week
           from marts.clv_tracking order by week"""
    ).df()
    first = raw_days.groupby("customer")["first"].min().value_counts()
    start = raw_days["day"].min()
    assert str(start.date()) == "1997-01-01"
    for row in df.itertuples():
        week_end = start + pd.Timedelta(days=7 * row.week - 1)
        ages = np.array([(week_end - f).days for f in first.index], dtype=float) / 7
        counts = first.to_numpy(dtype=float)
        keep = ages > 0
        expected = float(np.sum(lifetimes_bg.expected_number_of_purchases_up_to_time(ages[keep]) * counts[keep]))
        assert row.e == pytest.approx(expected, rel=1e-6, abs=1e-6), row.week
        actual = int(((raw_days["day"] > raw_days["first"]) & (raw_days["day"] <= week_end)).sum())
        assert row.a == actual, row.week
    # the weekly columns are the cumulative ones' increments
    np.testing.assert_allclose(df.e_week.cumsum(), df.e, rtol=1e-9)
    assert (df.a_week.cumsum() == df.a).all()


def _calibration_holdout(raw_days):
    import pandas as pd

    cal_end, hold_end = pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")
    cal = raw_days[raw_days["day"] <= cal_end]
    g = cal.groupby("customer")
    s = pd.DataFrame({
        "x": g.size() - 1,
        "t_x": (g["day"].max() - g["day"].min()).dt.days / 7,
        "T": (cal_end - g["day"].min()).dt.days / 7,
    })
    hold = raw_days[(raw_days["day"] > cal_end) & (raw_days["day"] <= hold_end)].groupby("customer").size()
    s["holdout"] = hold.reindex(s.index, fill_value=0)
    s["weeks"] = (hold_end - cal_end).days / 7
    return s


def test_holdout_by_frequency_matches_lifetimes(con, raw_days, lifetimes_bg):
    """Average actual and expected holdout purchases per calibration frequency 0..6 and 7+."""
    s = _calibration_holdout(raw_days)
    s["expected"] = lifetimes_bg.conditional_expected_number_of_purchases_up_to_time(s["weeks"], s["x"], s["t_x"], s["T"])
    s["bucket"] = s["x"].clip(upper=7)
    want = s.groupby("bucket").agg(customers=("x", "size"), actual=("holdout", "mean"), expected=("expected", "mean"))
    got = con.execute(
        """select frequency, frequency_label, customers, actual_avg_holdout_purchases, expected_avg_holdout_purchases
           from marts.clv_holdout_by_frequency order by frequency"""
    ).fetchall()
    assert [r[0] for r in got] == list(range(8)) and got[-1][1] == "7+"
    for f, _, customers, actual, expected in got:
        assert customers == want.loc[f, "customers"]
        assert actual == pytest.approx(want.loc[f, "actual"], rel=1e-9)
        assert expected == pytest.approx(want.loc[f, "expected"], rel=1e-6)
    # published: 1,882 actual holdout purchases over 2,357 customers
    assert sum(r[2] for r in got) == 2357
    assert sum(r[2] * r[3] for r in got) == pytest.approx(1882)


def test_holdout_error_matches_lifetimes(con, raw_days, lifetimes_bg):
    """CDNOW has one segment (no firmographics): it and 'all' carry the same error figures."""
    s = _calibration_holdout(raw_days)
    err = lifetimes_bg.conditional_expected_number_of_purchases_up_to_time(s["weeks"], s["x"], s["t_x"], s["T"]) - s["holdout"]
    rows = con.execute(
        "select segment_key, customers, mean_absolute_error, bias, bias_pct from marts.clv_holdout_error_segment order by 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["all", "unknown-unknown"]
    for _, customers, mae, bias, bias_pct in rows:
        assert customers == 2357
        assert mae == pytest.approx(err.abs().mean(), rel=1e-6)
        assert bias == pytest.approx(err.mean(), rel=1e-6)
        assert bias_pct == pytest.approx(100 * err.sum() / 1882, rel=1e-6)
    # FHL: 1,653 expected against 1,882 actual, so the model is about 12 % low
    assert rows[0][4] == pytest.approx(100 * (1653 - 1882) / 1882, abs=1.5)


def test_prob_alive_matrix_matches_lifetimes(con, raw_days, lifetimes_bg):
    """P(alive) on the grid at the oldest customer's age; customers per cell counted from the raw log."""
    import numpy as np

    df = con.execute(
        "select frequency, recency_weeks, age_weeks, prob_alive, customers from marts.clv_prob_alive_matrix"
    ).df()
    assert df.age_weeks.nunique() == 1 and df.age_weeks.iloc[0] == pytest.approx(272 / 7)
    # frequencies 0..20; recency 0..38 whole weeks; frequency 0 only at recency 0
    assert len(df) == 1 + 20 * 39
    want = lifetimes_bg.conditional_probability_alive(df.frequency, df.recency_weeks, df.age_weeks)
    np.testing.assert_allclose(df.prob_alive, want, rtol=1e-9)
    s = _calibration_holdout(raw_days)
    s = s[s["x"] <= 20]
    cells = s.groupby([s["x"], np.floor(s["t_x"])]).size()
    got = df[df.customers > 0].set_index(["frequency", "recency_weeks"])["customers"]
    assert got.sum() == cells.sum()
    for (x, r), n in cells.items():
        assert got.loc[(x, r)] == n
