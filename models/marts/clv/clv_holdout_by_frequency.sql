{#- One row per number of repeat purchases in the calibration window (0, 1, ... up to var
    clv_diagnostics_max_frequency, whose row holds that many or more) when a holdout window is set
    (no rows otherwise): the calibration customers' average actual repeat purchases in the holdout
    against the BG/NBD conditional expectation (FHL 2005, figure 5). -#}
{%- set cap = var('clv_diagnostics_max_frequency') | int %}
with checked as (

    select
        case when s.frequency >= {{ cap }} then {{ cap }} else s.frequency end as frequency,
        c.expected_holdout_purchases,
        c.actual_holdout_purchases
    from {{ ref('clv_holdout_check') }} as c
    inner join {{ ref('int_clv_customer_summary') }} as s on c.customer_key = s.customer_key

)

select
    cast(frequency as integer) as frequency,
    cast(case when frequency = {{ cap }} then cast(frequency as string) || '+'
              else cast(frequency as string) end as string) as frequency_label,
    cast(count(*) as bigint) as customers,
    cast(sum(actual_holdout_purchases) as bigint) as actual_holdout_purchases,
    cast(sum(expected_holdout_purchases) as double) as expected_holdout_purchases,
    cast(avg(cast(actual_holdout_purchases as double)) as double) as actual_avg_holdout_purchases,
    cast(avg(expected_holdout_purchases) as double) as expected_avg_holdout_purchases
from checked
group by frequency
