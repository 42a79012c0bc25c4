{#- One row per customer per month with revenue, invoice lines or allocated cost: the customer P&L
    as it is served. The figures are computed once, in the core fact fct_customer_pnl_monthly,
    which the other subjects read (docs/design.md "Layers"); this mart publishes it unchanged, so it
    is a view: a copy as a table cost a pass over customers × months per refresh (4.6 s at 20,000
    customers) for nothing. The publish writes it into the serving copy as a table. The fact's
    bookkeeping columns (inputs_fingerprint, built_at) are not served. -#}
{{ config(materialized='view') }}
select
    customer_key,
    month,
    revenue,
    discounts,
    cost_of_goods,
    gross_margin,
    {%- for c in var('cost_categories') %}
    {{ c }},
    {%- endfor %}
    cost_to_serve,
    net_profit,
    net_margin_pct,
    gross_margin_pct,
    invoice_lines
from {{ ref('fct_customer_pnl_monthly') }}
