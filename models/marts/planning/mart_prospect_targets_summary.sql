{#- One row: the address calculation behind mart_prospect_targets for the planning period:
    target, expected revenue from existing customers, gap, the company's new-business funnel
    figures (order value, address-to-order rate, calls per address), addresses and calls
    needed, addresses available and missing, and a note when something could not be computed. -#}
with computed as (

    select * from {{ ref('int_planning_addresses_computed') }}

),

available as (

    select count(*) as addresses_available from {{ ref('int_prospect_candidates_ranked') }}

)

select
    cast(coalesce(c.period, 'none') as string) as period,
    cast(c.period_start as date) as period_start,
    cast(c.period_end as date) as period_end,
    cast(c.revenue_target as decimal(18, 2)) as revenue_target,
    cast(c.expected_existing_revenue as decimal(18, 2)) as expected_existing_revenue,
    cast(c.gap as decimal(18, 2)) as gap,
    cast(c.avg_won_order_value as decimal(18, 2)) as avg_won_order_value,
    cast(c.call_to_order_pct as double) as call_to_order_pct,
    cast(c.calls_per_address as double) as calls_per_address,
    cast(c.addresses_needed as bigint) as addresses_needed,
    cast(c.calls_needed as bigint) as calls_needed,
    cast(a.addresses_available as bigint) as addresses_available,
    cast(case when c.addresses_needed is not null
              then greatest(c.addresses_needed - a.addresses_available, 0) end as bigint) as addresses_missing,
    cast(coalesce(
        c.addresses_needed_reason,
        case when c.addresses_needed > a.addresses_available
             then 'only ' || cast(a.addresses_available as string) || ' of '
                  || cast(c.addresses_needed as string)
                  || ' addresses available: find ' || cast(c.addresses_needed - a.addresses_available as string)
                  || ' new prospects (e.g. from the untouched companies in mart_market_penetration)'
        end
    ) as string) as note
from computed as c
cross join available as a
