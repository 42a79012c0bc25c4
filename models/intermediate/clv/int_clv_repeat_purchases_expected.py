"""One row per customer age in whole days, 0 .. the days from the first purchase in the data to the
end of the CLV window (the holdout end, else the calibration end): the BG/NBD unconditional
expected repeat purchases E[X(t)] of one customer of that age (t = days / 7 weeks; FHL 2005 eq. 9).

A dbt Python model because E[X(t)] needs the Gauss hypergeometric function 2F1 (kansrijk.clv),
which SQL does not have. It is the only model-dependent piece of the tracking curve: clv_tracking
sums it in SQL over the customers by their first purchase day, week by week. No rows when the
BG/NBD model is not fitted (clv_model_fit says why): the tracking curve then has actual figures
and a null expected curve.
"""

import numpy as np
import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    from kansrijk import clv

    settings = dbt.ref("int_clv_settings_resolved").df().iloc[0]
    summary = dbt.ref("int_clv_customer_summary").df()
    fit = dbt.ref("int_clv_parameters_fitted").df()
    bg = fit[(fit["model"] == "bg_nbd")]
    params = {row.parameter: row.value for row in bg.itertuples()}
    fitted = len(bg) == 4 and bool(bg["fitted"].all()) and all(pd.notna(v) for v in params.values())

    empty = pd.DataFrame({
        "age_days": pd.Series([], dtype="int64"),
        "age_weeks": pd.Series([], dtype="float64"),
        "expected_repeat_purchases": pd.Series([], dtype="float64"),
    })
    if not fitted or len(summary) == 0:
        return empty
    window_end = settings["holdout_end"] if pd.notna(settings["holdout_end"]) else settings["calibration_end"]
    first = pd.to_datetime(summary["first_purchase_date"]).min()
    days = int((pd.Timestamp(window_end) - first).days)
    if days < 0:
        return empty
    age_days = np.arange(days + 1, dtype=np.int64)
    weeks = age_days / 7.0
    expected = clv.bgnbd_unconditional_expected({k: float(v) for k, v in params.items()}, weeks)
    return pd.DataFrame({
        "age_days": age_days,
        "age_weeks": weeks,
        "expected_repeat_purchases": np.asarray(expected, dtype=float),
    })
