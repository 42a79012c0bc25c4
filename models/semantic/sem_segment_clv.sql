{#- One row per segment: mart_segment_clv with the as-of date as its time dimension and additive
    columns (acquisition spend of segments with customers won, the new customers' CLV total), so
    MetricFlow can add segments up. A view: no data is copied. -#}
{{ config(materialized='view', schema='semantic') }}

select
    c.segment_key,
    a.as_of_date,
    c.customers,
    c.predicted_customers,
    c.total_clv,
    c.new_customers,
    c.acquisition_cost,
    case when c.acquisition_cost is not null then c.new_customers end as costed_new_customers,
    case when c.acquisition_cost is not null then c.acquisition_spend end as acquisition_spend,
    c.new_customer_clv * c.new_customers as new_customer_clv_total
from {{ ref('mart_segment_clv') }} as c
cross join {{ ref('int_as_of_date') }} as a
