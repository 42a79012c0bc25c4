{#- One row per customer × product group, as served. The figures are computed in the intermediate model int_customer_penetration_benchmarked (which other models read: docs/design.md "Layers"); this mart serves it unchanged. -#}
select * from {{ ref('int_customer_penetration_benchmarked') }}
