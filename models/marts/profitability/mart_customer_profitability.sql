{#- One row per customer per month with revenue, invoice lines or allocated cost: the customer P&L
    as it is served. The figures are computed once, in the core fact fct_customer_pnl_monthly,
    which the other subjects read (docs/design.md "Layers"); this mart publishes it unchanged. -#}
select * from {{ ref('fct_customer_pnl_monthly') }}
