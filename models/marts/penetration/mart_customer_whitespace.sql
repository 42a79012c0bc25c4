{#- One row per customer with positive spend in the penetration window, as served. The figures are computed in the intermediate model int_customer_whitespace_valued (which other models read: docs/design.md "Layers"); this mart serves it unchanged. -#}
select * from {{ ref('int_customer_whitespace_valued') }}
