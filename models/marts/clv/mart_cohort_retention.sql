{#- One row per cohort and period number: how many of the customers acquired in a period (cohort =
    first day of the month or quarter of the first invoice, var clv_cohort_grain) still buy
    period_number periods later, with their revenue and gross margin. Every period from the cohort's
    own (0) to the as-of date's has a row, also when nobody bought. Flags (docs block
    cohort_flags): a period the data covers only in part, and a cohort made mostly of customers
    who existed before the data starts. -#}
{%- set grain = var('clv_cohort_grain') %}
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

),

-- the cohort's members as int_cohort_retention_segmented counts them (a period-0 row)
censored as (

    select p.cohort, count(*) as left_censored_customers
    from {{ ref('int_customer_periods_aggregated') }} as p
    inner join {{ ref('dim_customer') }} as c on p.customer_key = c.customer_key
    where p.period_number = 0 and c.existed_before_data
    group by p.cohort

),

bounds as (

    select
        a.as_of_date,
        (select min({{ month_of('first_invoice_date') }}) from {{ ref('int_customer_orders') }}) as first_data_month
    from {{ ref('int_as_of_date') }} as a

)

select
    s.cohort,
    cast(s.period_number as integer) as period_number,
    cast(s.period_start as date) as period_start,
    cast(s.customers as bigint) as customers,
    cast(s.active_customers as bigint) as active_customers,
    cast(100.0 * s.active_customers / nullif(s.customers, 0) as double) as retention_pct,
    cast(s.revenue as decimal(18, 2)) as revenue,
    cast(s.cost_of_goods as decimal(18, 2)) as cost_of_goods,
    cast(s.revenue - s.cost_of_goods as decimal(18, 2)) as gross_margin,
    {{ cohort_flags(grain) }}
from by_segment as s
cross join bounds as b
left join censored as c on s.cohort = c.cohort
