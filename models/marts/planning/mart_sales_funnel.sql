{#- One row per segment per period: the sales funnel, as served. The figures are computed in the intermediate model int_sales_funnel_counted (which other models read: docs/design.md "Layers"); this mart serves it unchanged. -#}
select * from {{ ref('int_sales_funnel_counted') }}
