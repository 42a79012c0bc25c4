{#- One row per segment per calendar quarter: the detail rows of mart_sales_funnel (its 'all'
    segment and 'all' period rows are totals and are left out so MetricFlow can add up), with
    the quarter's first day as a date. -#}
{{ config(materialized='view', schema='semantic') }}

select
    segment_key,
    period,
    cast(
        substr(period, 1, 4) || '-'
        || case substr(period, 7, 1) when '1' then '01' when '2' then '04' when '3' then '07' else '10' end
        || '-01'
        as date) as quarter_start,
    calls,
    appointments,
    quotes,
    orders,
    won_order_value
from {{ ref('mart_sales_funnel') }}
where coalesce(segment_key, '') <> 'all'
  and period <> 'all'
