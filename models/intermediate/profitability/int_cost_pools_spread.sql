{#- One row per month × cost center × customer_key: the part of a pool's `spread_target_amount`
    its driver gives the customer, in cents: target × the customer's share of the driver volume
    that month, rounded to the cent, with the rounding remainder put on the customer with the
    largest volume (ties: lowest customer_key), so the parts add up to the target exactly. -#}
with pools as (

    select month, cost_center, cost_category, driver, spread_target_amount
    from {{ ref('int_cost_pools_prepared') }}
    where spread_target_amount <> 0

),

volumes as (

    select customer_key, month, driver, volume
    from {{ ref('int_cost_drivers_aggregated') }}
    where volume > 0

),

shares as (

    select
        p.month,
        p.cost_center,
        p.cost_category,
        p.driver,
        v.customer_key,
        v.volume,
        p.spread_target_amount,
        cast(round(p.spread_target_amount * (v.volume / sum(v.volume) over (partition by p.month, p.cost_center)), 2)
             as decimal(18, 2)) as rounded_amount,
        row_number() over (partition by p.month, p.cost_center order by v.volume desc, v.customer_key) as size_rank
    from pools as p
    inner join volumes as v on p.month = v.month and p.driver = v.driver

)

select
    month,
    cost_center,
    customer_key,
    cost_category,
    driver,
    volume as driver_volume,
    cast(
        rounded_amount
        + case when size_rank = 1
               then spread_target_amount - sum(rounded_amount) over (partition by month, cost_center)
               else 0 end
    as decimal(18, 2)) as amount
from shares
