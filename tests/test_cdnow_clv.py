"""The published CDNOW benchmark through the real pipeline.

The lifetimes package's CDNOW_sample.txt (2,357 customers of the 1997 Q1 cohort) is turned into a
landing set by kansrijk.cdnow, refreshed with the calibration window of Fader, Hardie & Lee (2005):
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


def _cdnow_sample() -> Path:
    lifetimes = pytest.importorskip("lifetimes")
    return Path(os.path.dirname(lifetimes.__file__)) / "datasets" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("cdnow")
    landing = root / "landing"
    cdnow.convert(_cdnow_sample(), landing)
    s = build_warehouse(root, landing, vars=CDNOW_VARS)
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
