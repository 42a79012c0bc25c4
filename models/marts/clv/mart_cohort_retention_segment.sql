{#- One row per cohort, segment and period number: mart_cohort_retention split by the customer's
    segment (dim_customer). -#}
select
    cohort,
    cast(segment_key as string) as segment_key,
    cast(period_number as integer) as period_number,
    period_start,
    cast(customers as bigint) as customers,
    cast(active_customers as bigint) as active_customers,
    cast(100.0 * active_customers / nullif(customers, 0) as double) as retention_pct,
    revenue,
    cost_of_goods,
    cast(revenue - cost_of_goods as decimal(18, 2)) as gross_margin
from {{ ref('int_cohort_retention_segmented') }}
