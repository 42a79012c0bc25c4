"""One row per customer of int_clv_customer_summary: BG/NBD expected purchases.

The conditional expectation E[Y(t) | x, t_x, T] needs the Gauss hypergeometric function 2F1,
which SQL does not have, so it is computed here (kansrijk.clv, vectorised over customers and
periods); everything that is a closed form of the fitted parameters (P(alive), the Gamma-Gamma
expected order value, margin, discounting of money) stays in SQL in mart_customer_clv.

Columns: expected_purchases over the horizon (var clv_horizon_months, in weeks), the same with
each week's expected purchases (E[Y(k)] - E[Y(k-1)]) discounted at the weekly rate of var
clv_discount_rate, and for the holdout check the conditional expected purchases in the holdout
and the unconditional E[X(t)] from the first purchase to the holdout end. All null when the
BG/NBD model is not fitted.
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

    n = len(summary)
    out = pd.DataFrame({"customer_key": summary["customer_key"].astype(str)})
    cols = ["expected_purchases", "discounted_expected_purchases", "holdout_expected_purchases",
            "expected_cumulative_repeat_purchases"]
    for c in cols:
        out[c] = pd.array([None] * n, dtype="Float64")
    if not fitted or n == 0:
        return out

    params = {k: float(v) for k, v in params.items()}
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency_weeks"].to_numpy(dtype=float)
    age = summary["age_weeks"].to_numpy(dtype=float)
    expected, discounted = clv.bgnbd_discounted_expected(
        params, x, t_x, age, int(settings["horizon_weeks"]), float(settings["weekly_discount_rate"])
    )
    out["expected_purchases"] = pd.array(expected, dtype="Float64")
    out["discounted_expected_purchases"] = pd.array(discounted, dtype="Float64")

    if pd.notna(settings["holdout_end"]):
        holdout_weeks = summary["holdout_weeks"].to_numpy(dtype=float)
        out["holdout_expected_purchases"] = pd.array(
            clv.bgnbd_conditional_expected(params, holdout_weeks, x, t_x, age), dtype="Float64"
        )
        to_end = summary["weeks_to_holdout_end"].to_numpy(dtype=float)
        out["expected_cumulative_repeat_purchases"] = pd.array(
            clv.bgnbd_unconditional_expected(params, to_end), dtype="Float64"
        )
    return out
