{#- One row when var clv_holdout_end is set (none otherwise): the holdout check of the BG/NBD fit
    summed over customers: expected against actual repeat purchases in the holdout, and expected
    (unconditional, from the fitted parameters) against actual cumulative repeat purchases from
    each customer's first purchase to the holdout end. -#}
with settings as (

    select * from {{ ref('int_clv_settings_resolved') }}

),

totals as (

    select
        count(*) as customers,
        sum(expected_holdout_purchases) as expected_holdout_purchases,
        sum(actual_holdout_purchases) as actual_holdout_purchases,
        sum(expected_cumulative_repeat_purchases) as expected_cumulative_repeat_purchases,
        sum(actual_cumulative_repeat_purchases) as actual_cumulative_repeat_purchases
    from {{ ref('clv_holdout_check') }}

)

select
    s.calibration_end,
    s.holdout_end,
    cast(t.customers as bigint) as customers,
    cast(t.expected_holdout_purchases as double) as expected_holdout_purchases,
    cast(t.actual_holdout_purchases as bigint) as actual_holdout_purchases,
    cast(100.0 * (t.expected_holdout_purchases - t.actual_holdout_purchases)
         / nullif(t.actual_holdout_purchases, 0) as double) as holdout_error_pct,
    cast(t.expected_cumulative_repeat_purchases as double) as expected_cumulative_repeat_purchases,
    cast(t.actual_cumulative_repeat_purchases as bigint) as actual_cumulative_repeat_purchases
from settings as s
cross join totals as t
where s.holdout_end is not null
