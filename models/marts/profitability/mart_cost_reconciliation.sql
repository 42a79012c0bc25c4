{#- One row per month per cost center seen in the ledger (or with shipment freight on the freight
    cost center): the ledger amount, what reached customers (directly and by driver), the unused
    capacity of a time-driven pool (charged to no customer) and what stayed unallocated, with the
    reason. allocated_amount + unused_capacity_amount + unallocated_amount = ledger_amount to the
    cent on every row. -#}
with pools as (

    select * from {{ ref('int_cost_pools_prepared') }}

),

allocated as (

    select month, cost_center, allocated_amount, driver_amount, customers
    from {{ ref('int_cost_center_months_allocated') }}

)

select
    p.month,
    p.cost_center,
    p.ledger_amount,
    cast(coalesce(a.allocated_amount, 0) as decimal(18, 2)) as allocated_amount,
    p.unallocated_amount,
    p.unallocated_reason,
    coalesce(p.cost_category, 'overhead') as cost_category,
    p.is_mapped,
    p.activity_pool,
    p.driver,
    p.allocation_method,
    p.rate_per_minute,
    cast(p.direct_ledger_amount + p.direct_freight_amount as decimal(18, 2)) as direct_amount,
    p.direct_ledger_amount,
    p.direct_freight_amount,
    p.freight_not_in_ledger_amount,
    cast(coalesce(a.driver_amount, 0) as decimal(18, 2)) as driver_amount,
    p.driver_volume,
    coalesce(a.customers, 0) as customers,
    p.ledger_lines,
    case when p.ledger_amount <> 0
         then cast(100.0 * coalesce(a.allocated_amount, 0) / p.ledger_amount as double) end as allocated_pct,
    p.allocation_note,
    p.unused_capacity_amount,
    p.capacity_minutes,
    case when p.allocation_method = 'time_driven' then cast(p.driver_volume as double) end as used_minutes,
    p.cost_rate_per_minute
from pools as p
left join allocated as a on p.month = a.month and p.cost_center = a.cost_center
