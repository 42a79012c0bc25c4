{#- One row per cohort and period number: how many of the customers acquired in a period (cohort =
    first day of the month or quarter of the first invoice, var clv_cohort_grain) still buy
    period_number periods later, with their revenue and gross margin. Every period from the cohort's
    own (0) to the as-of date's has a row, also when nobody bought. -#}
with by_segment as (

    select
        cohort,
        period_number,
        min(period_start) as period_start,
        sum(customers) as customers,
        sum(active_customers) as active_customers,
        sum(revenue) as revenue,
        sum(cost_of_goods) as cost_of_goods
    from {{ ref('int_cohort_retention_segmented') }}
    group by cohort, period_number

)

select
    cohort,
    cast(period_number as integer) as period_number,
    cast(period_start as date) as period_start,
    cast(customers as bigint) as customers,
    cast(active_customers as bigint) as active_customers,
    cast(100.0 * active_customers / nullif(customers, 0) as double) as retention_pct,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(cost_of_goods as decimal(18, 2)) as cost_of_goods,
    cast(revenue - cost_of_goods as decimal(18, 2)) as gross_margin
from by_segment
