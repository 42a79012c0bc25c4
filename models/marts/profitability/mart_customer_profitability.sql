{#- One row per customer per month with revenue, invoice lines or allocated cost: the customer P&L
    as it is served. The figures are computed once, in the core fact fct_customer_pnl_monthly,
    which the other subjects read (docs/design.md "Layers"); this mart publishes it unchanged, so it
    is a view: a copy as a table cost a pass over customers × months per refresh (4.6 s at 20,000
    customers) for nothing. The publish writes it into the serving copy as a table. -#}
{{ config(materialized='view') }}
select * from {{ ref('fct_customer_pnl_monthly') }}
