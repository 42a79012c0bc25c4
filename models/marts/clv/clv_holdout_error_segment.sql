{#- One row per segment with calibration customers, plus segment_key 'all' for all of them, when a
    holdout window is set (no rows otherwise): how far the BG/NBD predictions of holdout purchases
    were off, per customer on average (mean absolute error) and in which direction (bias), docs
    block clv_holdout_error. Errors are null when the model was not fitted. -#}
with checked as (

    select
        coalesce(d.segment_key, 'unknown') as segment_key,
        c.expected_holdout_purchases,
        c.actual_holdout_purchases
    from {{ ref('clv_holdout_check') }} as c
    left join {{ ref('dim_customer') }} as d on c.customer_key = d.customer_key

),

grouped as (

    select segment_key, expected_holdout_purchases, actual_holdout_purchases from checked
    union all
    select 'all', expected_holdout_purchases, actual_holdout_purchases from checked

)

select
    cast(segment_key as string) as segment_key,
    cast(count(*) as bigint) as customers,
    cast(sum(actual_holdout_purchases) as bigint) as actual_holdout_purchases,
    cast(sum(expected_holdout_purchases) as double) as expected_holdout_purchases,
    cast(avg(abs(expected_holdout_purchases - actual_holdout_purchases)) as double) as mean_absolute_error,
    cast(avg(expected_holdout_purchases - actual_holdout_purchases) as double) as bias,
    cast(100.0 * (sum(expected_holdout_purchases) - sum(actual_holdout_purchases))
         / nullif(sum(actual_holdout_purchases), 0) as double) as bias_pct
from grouped
group by segment_key
