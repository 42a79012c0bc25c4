"""One row per (model, parameter): BG/NBD and Gamma-Gamma fitted by maximum likelihood.

A dbt Python model because the fit is numerical optimisation (kansrijk.clv, numpy/scipy); the
public mart clv_model_fit selects from it under an enforced contract (dbt cannot enforce
contracts on Python models). A statistic never stops the refresh: a fit that does not converge,
runs to a bound, or meets data that cannot identify it (too little data, everyone bought once, no
spread in spend) gives NaN (null) values with fitted = false and the reason in `message`;
mart_customer_clv then uses its documented fallback estimate for that model.
"""

import pandas as pd


def _rows(result, names):
    for name in names:
        value = result.params[name]
        yield {
            "model": result.model,
            "parameter": name,
            "value": None if value != value else float(value),
            "log_likelihood": None if result.log_likelihood != result.log_likelihood else float(result.log_likelihood),
            "converged": bool(result.converged),
            "fitted": bool(result.fitted),
            "customers_used": int(round(result.customers_used)),
            "message": result.message,
        }


def model(dbt, session):
    dbt.config(materialized="table")
    from kansrijk import clv

    settings = dbt.ref("int_clv_settings_resolved").df().iloc[0]
    summary = dbt.ref("int_clv_customer_summary").df()
    min_customers = int(settings["min_customers"])
    min_repeat = int(settings["min_repeat_buyers"])

    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency_weeks"].to_numpy(dtype=float)
    age = summary["age_weeks"].to_numpy(dtype=float)
    # a customer whose first purchase is on the calibration end has age 0: no information yet
    keep = age > 0
    bg = clv.fit_bgnbd(x[keep], t_x[keep], age[keep], min_customers=min_customers, min_repeat_buyers=min_repeat,
                        strict=False)

    m = summary["mean_repeat_value"].to_numpy(dtype=float, na_value=float("nan"))
    repeat = (x > 0) & (m > 0)
    gg = clv.fit_gamma_gamma(x[repeat], m[repeat], min_repeat_buyers=min_repeat, strict=False)

    rows = list(_rows(bg, clv.BG_NBD_PARAMETERS)) + list(_rows(gg, clv.GAMMA_GAMMA_PARAMETERS))
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype("Float64")
    df["log_likelihood"] = df["log_likelihood"].astype("Float64")
    return df
