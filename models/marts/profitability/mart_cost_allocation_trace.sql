{#- One row per customer × month × ledger cost center × allocation type: every euro of a
    customer's cost to serve traced to the ledger cost center it came from, the activity pool and
    cost category, and how it got there: directly (`ledger_customer_line`: a ledger line naming the
    customer; `shipment_freight`: the customer's own shipment freight) or by the pool's driver
    (`driver`: the customer's driver quantity out of the month's total, times the amount the pool
    spread). The amounts of a customer-month add up to its cost_to_serve in
    mart_customer_profitability (docs block allocation_trace). -#}
with pools as (

    select * from {{ ref('int_cost_pools_prepared') }}

),

direct as (

    select
        month, cost_center, customer_key, cost_category, direct_type as allocation_type, amount,
        cast(null as string) as driver,
        cast(null as double) as driver_quantity
    from {{ ref('int_cost_direct_assigned') }}
    where amount <> 0

),

spread as (

    select
        month, cost_center, customer_key, cost_category, 'driver' as allocation_type, amount,
        driver,
        cast(driver_volume as double) as driver_quantity
    from {{ ref('int_cost_pools_spread') }}
    where amount <> 0

),

traced as (

    select * from direct
    union all
    select * from spread

)

select
    cast(t.customer_key as string) as customer_key,
    t.month,
    cast(t.cost_center as string) as cost_center,
    cast(coalesce(p.activity_pool, 'unmapped') as string) as activity_pool,
    cast(t.cost_category as string) as cost_category,
    cast(t.allocation_type as string) as allocation_type,
    cast(t.amount as decimal(18, 2)) as amount,
    cast(t.driver as string) as driver,
    t.driver_quantity,
    case when t.allocation_type = 'driver' then cast(p.driver_volume as double) end as pool_driver_quantity,
    case when t.allocation_type = 'driver' then p.spread_target_amount end as pool_spread_amount,
    case when t.allocation_type = 'driver' then p.cost_rate_per_minute end as cost_rate_per_minute,
    p.ledger_amount as ledger_amount
from traced as t
left join pools as p on t.month = p.month and t.cost_center = p.cost_center
