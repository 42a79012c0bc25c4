{#- One row per segment: mart_segment_clv with the as-of date as its time dimension and the
    acquisition spend (acquisition cost × new customers) as an additive column, so MetricFlow
    can add segments up. A view: no data is copied. -#}
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
    c.acquisition_cost * c.new_customers as acquisition_spend
from {{ ref('mart_segment_clv') }} as c
cross join {{ ref('int_as_of_date') }} as a
