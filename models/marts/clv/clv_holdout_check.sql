{#- One row per customer of the calibration window when var clv_holdout_end is set (no rows
    otherwise): BG/NBD expected against actual repeat purchases in the holdout, and the
    unconditional expected cumulative repeat purchases from the first purchase to the holdout end
    against the actual ones. clv_holdout_summary sums them. -#}
with summary as (

    select * from {{ ref('int_clv_customer_summary') }}

),

predicted as (

    select * from {{ ref('int_clv_purchases_predicted') }}

)

select
    cast(s.customer_key as string) as customer_key,
    cast(s.first_purchase_date as date) as first_purchase_date,
    cast(s.holdout_weeks as double) as holdout_weeks,
    cast(p.holdout_expected_purchases as double) as expected_holdout_purchases,
    cast(s.holdout_purchases as integer) as actual_holdout_purchases,
    cast(s.weeks_to_holdout_end as double) as weeks_to_holdout_end,
    cast(p.expected_cumulative_repeat_purchases as double) as expected_cumulative_repeat_purchases,
    cast(s.frequency + s.holdout_purchases as integer) as actual_cumulative_repeat_purchases
from summary as s
left join predicted as p on s.customer_key = p.customer_key
where s.holdout_weeks is not null
