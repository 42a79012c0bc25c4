{#- One row per month × cost center × customer_key: the part of a pool's `spread_target_amount`
    its driver gives the customer, in cents: target × the customer's share of the driver volume
    that month, rounded to the cent, with the rounding remainder put on the customer with the
    largest volume (ties: lowest customer_key), so the parts add up to the target exactly.
    Month-partitioned (macros/incremental.sql): a run rebuilds only the months whose pools or
    driver volumes changed. -#}
{{ config(**month_partitioned_config('costs_fingerprint')) }}
{%- set incremental = incremental_ready(['inputs_fingerprint', 'built_at']) %}
with {{ month_partitioned_ctes('costs_fingerprint') }}

pools as (

    select month, cost_center, cost_category, driver, spread_target_amount
    from {{ ref('int_cost_pools_prepared') }}
    where spread_target_amount <> 0
      and {{ in_rebuilt_months(incremental) }}

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

)

select
    s.month,
    s.cost_center,
    s.customer_key,
    s.cost_category,
    s.driver,
    s.volume as driver_volume,
    cast(s.rounded_amount + coalesce(r.remainder, 0) as decimal(18, 2)) as amount,
    f.inputs_fingerprint,
    {{ built_at() }} as built_at
from shares as s
left join remainders as r
    on s.month = r.month and s.cost_center = r.cost_center and s.customer_key = r.customer_key
left join fingerprints as f on s.month = f.month
