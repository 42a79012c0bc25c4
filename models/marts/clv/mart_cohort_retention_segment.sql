{#- One row per cohort, segment and period number: mart_cohort_retention split by the customer's
    segment (dim_customer), with the same flags (docs block cohort_flags) on the segment's own
    cohort customers. -#}
{%- set grain = var('clv_cohort_grain') %}
with censored as (

    -- the cohort's members as int_cohort_retention_segmented counts them (a period-0 row)
    select p.cohort, coalesce(c.segment_key, 'unknown') as segment_key, count(*) as left_censored_customers
    from {{ ref('int_customer_periods_aggregated') }} as p
    inner join {{ ref('dim_customer') }} as c on p.customer_key = c.customer_key
    where p.period_number = 0 and c.existed_before_data
    group by p.cohort, coalesce(c.segment_key, 'unknown')

),

bounds as (

    select
        a.as_of_date,
        (select min({{ month_of('first_invoice_date') }}) from {{ ref('int_customer_orders') }}) as first_data_month
    from {{ ref('int_as_of_date') }} as a

)

select
    s.cohort,
    cast(s.segment_key as string) as segment_key,
    cast(s.period_number as integer) as period_number,
    s.period_start,
    cast(s.customers as bigint) as customers,
    cast(s.active_customers as bigint) as active_customers,
    cast(100.0 * s.active_customers / nullif(s.customers, 0) as double) as retention_pct,
    s.revenue,
    s.cost_of_goods,
    cast(s.revenue - s.cost_of_goods as decimal(18, 2)) as gross_margin,
    {{ cohort_flags(grain) }}
from {{ ref('int_cohort_retention_segmented') }} as s
cross join bounds as b
left join censored as c on s.cohort = c.cohort and s.segment_key = c.segment_key
