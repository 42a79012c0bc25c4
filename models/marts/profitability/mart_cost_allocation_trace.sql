{#- One row per customer × month × ledger cost center × allocation type: every euro of a
    customer's cost to serve traced to the ledger cost center it came from, the activity pool and
    cost category, and how it got there: directly (`ledger_customer_line`: a ledger line naming the
    customer; `shipment_freight`: the customer's own shipment freight) or by the pool's driver
    (`driver`: the customer's driver quantity out of the month's total, times the amount the pool
    spread). The amounts of a customer-month add up to its cost_to_serve in
    mart_customer_profitability (docs block allocation_trace). The rows are built once, month by
    month, in int_cost_allocations_unioned, which the P&L reads too; this mart serves them without
    its bookkeeping columns, so it is a view (a second copy cost a pass of 22 M rows per refresh at
    100,000 customers). The publish writes it into the serving copy as a table. -#}
{{ config(materialized='view') }}
select
    customer_key,
    month,
    cost_center,
    activity_pool,
    cost_category,
    allocation_type,
    amount,
    driver,
    driver_quantity,
    pool_driver_quantity,
    pool_spread_amount,
    cost_rate_per_minute,
    ledger_amount
from {{ ref('int_cost_allocations_unioned') }}
