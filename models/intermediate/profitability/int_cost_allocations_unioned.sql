{#- One row per customer_key × month × cost center × allocation_type: every ledger cent that
    reached a customer, either directly (`ledger_customer_line`, `shipment_freight`) or spread by
    the cost center's driver (`driver`), with the pool it came from: the table
    mart_cost_allocation_trace serves (a view) and the P&L, the reconciliation and the what-if
    levers read. Ledger cost that reached no customer is in int_cost_pools_prepared.unallocated_amount.
    Month-partitioned (macros/incremental.sql): a run rebuilds only the months whose pools, driver
    volumes or direct cost changed. -#}
{{ config(**month_partitioned_config('costs_fingerprint')) }}
{%- set incremental = incremental_ready(['inputs_fingerprint', 'built_at']) %}
with {{ month_partitioned_ctes('costs_fingerprint') }}

pools as (

    select * from {{ ref('int_cost_pools_prepared') }}
    where {{ in_rebuilt_months(incremental) }}

),

direct as (

    select
        month, cost_center, customer_key, cost_category, direct_type as allocation_type, amount,
        cast(null as string) as driver,
        cast(null as double) as driver_quantity
    from {{ ref('int_cost_direct_assigned') }}
    where amount <> 0
      and {{ in_rebuilt_months(incremental) }}

),

spread as (

    select
        month, cost_center, customer_key, cost_category, 'driver' as allocation_type, amount,
        driver,
        cast(driver_volume as double) as driver_quantity
    from {{ ref('int_cost_pools_spread') }}
    where amount <> 0
      and {{ in_rebuilt_months(incremental) }}

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
    p.ledger_amount as ledger_amount,
    f.inputs_fingerprint,
    {{ built_at() }} as built_at
from traced as t
left join pools as p on t.month = p.month and t.cost_center = p.cost_center
left join fingerprints as f on t.month = f.month
