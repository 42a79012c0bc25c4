{#- One row per month seen in the cost pools, driver volumes, direct cost or sales aggregates: a
    fingerprint of what the month-partitioned models read for that month (macros/incremental.sql,
    docs/design.md "Incremental refresh"). `costs_fingerprint` covers the cost allocation
    (int_cost_allocations_unioned, which spreads the pools): the month's pools, driver volumes and
    direct cost. `pnl_fingerprint` adds the month's sales aggregates (fct_customer_pnl_monthly).
    A late correction of an old month, a customer mapped to another key or a changed seed changes
    the fingerprint of the months it touches, and only those months are rebuilt. -#}
with pools as (

    select month, {{ rows_fingerprint(ref('int_cost_pools_prepared'), 'p') }} as fingerprint
    from {{ ref('int_cost_pools_prepared') }} as p
    group by month

),

drivers as (

    -- the volumes are counts, or sums of decimals cast to double: exact, the same in every run
    select month, {{ rows_fingerprint(ref('int_cost_drivers_aggregated'), 'd', ['customer_key', 'month', 'driver', 'volume'], exact_doubles=true) }} as fingerprint
    from {{ ref('int_cost_drivers_aggregated') }} as d
    group by month

),

direct as (

    -- every column but `built_at` (the run that wrote the month)
    select month, {{ rows_fingerprint(ref('int_cost_direct_assigned'), 'd', ['month', 'cost_center', 'customer_key', 'cost_category', 'direct_type', 'requested_amount', 'amount']) }} as fingerprint
    from {{ ref('int_cost_direct_assigned') }} as d
    group by month

),

sales as (

    -- the columns the P&L reads: the bookkeeping columns change when a customer's months are
    -- rewritten unchanged
    select month, {{ rows_fingerprint(ref('int_customer_months_aggregated'), 's', ['customer_key', 'month', 'revenue', 'discount_amount', 'cost_of_goods', 'invoice_lines']) }} as fingerprint
    from {{ ref('int_customer_months_aggregated') }} as s
    group by month

),

months as (

    select month from pools
    union
    select month from drivers
    union
    select month from direct
    union
    select month from sales

),

costs as (

    select
        m.month,
        coalesce(p.fingerprint, '-') || ';' || coalesce(d.fingerprint, '-') || ';' || coalesce(x.fingerprint, '-')
            as costs_fingerprint
    from months as m
    left join pools as p on m.month = p.month
    left join drivers as d on m.month = d.month
    left join direct as x on m.month = x.month
    where m.month is not null

)

select
    c.month,
    c.costs_fingerprint,
    c.costs_fingerprint || ';' || coalesce(s.fingerprint, '-') as pnl_fingerprint
from costs as c
left join sales as s on c.month = s.month
