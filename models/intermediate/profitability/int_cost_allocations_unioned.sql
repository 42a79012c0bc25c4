{#- One row per customer_key × month × cost center × allocation_type: every ledger cent that
    reached a customer, either directly (`ledger_customer_line`, `shipment_freight`) or spread by
    the cost center's driver (`driver`), with the pool it came from: the table
    mart_cost_allocation_trace serves (a view) and the P&L, the reconciliation and the what-if
    levers read. Ledger cost that reached no customer is in int_cost_pools_prepared.unallocated_amount.

    The spread (`driver` rows): a pool's `spread_target_amount` goes to the customers with its
    driver in the pool's month, each the target × its share of the driver volume, rounded to the
    cent, with the rounding remainder put on the customer with the largest volume (ties: lowest
    customer_key), so the parts add up to the target exactly. It is computed here, where it is
    stored once: a table of its own (int_cost_pools_spread until this version) wrote 17.9 M rows
    at 100,000 customers only for this model to read them again.

    Month-partitioned (macros/incremental.sql): a run rebuilds only the months whose pools, driver
    volumes or direct cost changed; the pools and volumes are filtered to those months before the
    spread joins them. -#}
{{ config(**month_partitioned_config('costs_fingerprint')) }}
{%- set incremental = incremental_ready(['inputs_fingerprint', 'built_at']) %}
with {{ month_partitioned_ctes('costs_fingerprint') }}

pools as (

    select * from {{ ref('int_cost_pools_prepared') }}
    where {{ in_rebuilt_months(incremental) }}

),

volumes as (

    select customer_key, month, driver, volume
    from {{ ref('int_cost_drivers_aggregated') }}
    where volume > 0
      and {{ in_rebuilt_months(incremental) }}

),

pool_volumes as (

    select p.month, p.cost_center, p.cost_category, p.driver, p.spread_target_amount, v.customer_key, v.volume
    from pools as p
    inner join volumes as v on p.month = v.month and p.driver = v.driver
    where p.spread_target_amount <> 0

),

-- per pool: total and largest volume, by aggregation (no window sort over the customers)
pool_totals as (

    select month, cost_center, sum(volume) as total_volume, max(volume) as largest_volume
    from pool_volumes
    group by month, cost_center

),

shares as (

    select
        v.month,
        v.cost_center,
        v.cost_category,
        v.driver,
        v.customer_key,
        v.volume,
        v.spread_target_amount,
        t.largest_volume,
        cast(round(v.spread_target_amount * (v.volume / t.total_volume), 2) as decimal(18, 2)) as rounded_amount
    from pool_volumes as v
    inner join pool_totals as t on v.month = t.month and v.cost_center = t.cost_center

),

-- the customer that takes the pool's rounding remainder: largest volume, ties lowest customer_key
remainders as (

    select
        s.month,
        s.cost_center,
        min(case when s.volume = s.largest_volume then s.customer_key end) as customer_key,
        min(s.spread_target_amount) - sum(s.rounded_amount) as remainder
    from shares as s
    group by s.month, s.cost_center

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
        s.month, s.cost_center, s.customer_key, s.cost_category, 'driver' as allocation_type,
        cast(s.rounded_amount + coalesce(r.remainder, 0) as decimal(18, 2)) as amount,
        s.driver,
        cast(s.volume as double) as driver_quantity
    from shares as s
    left join remainders as r
        on s.month = r.month and s.cost_center = r.cost_center and s.customer_key = r.customer_key
    where s.rounded_amount + coalesce(r.remainder, 0) <> 0

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
