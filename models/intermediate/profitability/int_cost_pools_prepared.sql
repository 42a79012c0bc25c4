{#- One row per month × cost center seen in the ledger (or with shipment freight on the freight
    cost center): the ledger amount, what goes to customers directly, the rest to spread, the
    seed's mapping, the month's total driver volume, and how much of the rest the driver spreads
    (`spread_target_amount`) or why it stays unallocated. Driver `campaigns` (marketing by
    campaign, int_marketing_campaign_months): the pool is spread when campaigns carry the month,
    except the share of campaigns without touches. Time-driven (seed allocation_method
    time_driven, or any month a row of seed cost_center_capacity covers): customers are charged
    the cost per minute × their minutes (`spread_target_amount`), the cost per minute being the
    pool / the practical capacity in minutes (else the seed's rate_per_minute); the part of a
    positive pool the minutes do not use is `unused_capacity_amount` (docs block
    unused_capacity). ledger = direct + spread target + unused capacity + unallocated. -#}
{%- set carry_months = var('profitability_marketing_carry_months') | int %}
{%- set no_campaign_reason = 'no campaign running in month, nor starting within ' ~ carry_months ~ ' months after it'
    if carry_months > 0 else 'no campaign running in month' %}
with drivers as (

    select * from {{ ref('cost_center_drivers') }}

),

ledger as (

    select
        month,
        cost_center,
        cast(round(sum(amount), 2) as decimal(18, 2)) as ledger_amount,
        count(*) as ledger_lines
    from {{ ref('int_gl_entries') }}
    where not is_deleted
    group by month, cost_center

),

direct as (

    select
        month,
        cost_center,
        sum(case when direct_type = 'ledger_customer_line' then amount else 0 end) as direct_ledger_amount,
        sum(case when direct_type = 'shipment_freight' then amount else 0 end) as direct_freight_amount,
        sum(case when direct_type = 'shipment_freight' then requested_amount else 0 end) as freight_requested_amount
    from {{ ref('int_cost_direct_assigned') }}
    group by month, cost_center

),

driver_totals as (

    -- summed as decimals: a sum of doubles differs in its last bits with the order of addition,
    -- from one run to the next, and the month fingerprints (int_months_fingerprinted) read it
    select month, driver, cast(sum(cast(volume as decimal(38, 18))) as double) as driver_volume
    from {{ ref('int_cost_drivers_aggregated') }}
    group by month, driver

),

-- driver `campaigns`: the weight of the campaigns carrying each month and the part of it held by
-- campaigns with touches (only that part can reach an account)
campaign_months as (

    select
        month,
        count(*) as campaigns,
        sum(weight) as campaign_weight,
        sum(case when touches > 0 then weight else 0 end) as touched_weight,
        max(case when is_carried_forward then 1 else 0 end) = 1 as is_carried_forward
    from {{ ref('int_marketing_campaign_months') }}
    group by month

),

-- practical capacity of a cost center in a month (seed cost_center_capacity; periods of one
-- cost center must not overlap, the larger capacity wins if they do)
capacity as (

    select
        cost_center,
        {{ month_of('valid_from') }} as valid_from_month,
        {{ month_of('valid_to') }} as valid_to_month,
        capacity_minutes
    from {{ ref('cost_center_capacity') }}
    where capacity_minutes > 0

),

pools as (

    select
        coalesce(l.month, d.month) as month,
        coalesce(l.cost_center, d.cost_center) as cost_center,
        coalesce(l.ledger_amount, 0) as ledger_amount,
        coalesce(l.ledger_lines, 0) as ledger_lines,
        cast(coalesce(d.direct_ledger_amount, 0) as decimal(18, 2)) as direct_ledger_amount,
        cast(coalesce(d.direct_freight_amount, 0) as decimal(18, 2)) as direct_freight_amount,
        cast(coalesce(d.freight_requested_amount, 0) as decimal(18, 2)) as freight_requested_amount
    from ledger as l
    full outer join direct as d on l.month = d.month and l.cost_center = d.cost_center

),

mapped as (

    select
        p.*,
        cast(p.ledger_amount - p.direct_ledger_amount - p.direct_freight_amount as decimal(18, 2)) as spreadable_amount,
        m.cost_center is not null as is_mapped,
        m.activity_pool,
        m.cost_category,
        m.driver,
        -- a month covered by a practical capacity is costed time-driven
        case when m.cost_center is not null and k.capacity_minutes is not null then 'time_driven'
             else m.allocation_method end as allocation_method,
        m.rate_per_minute,
        k.capacity_minutes,
        coalesce(t.driver_volume, 0) as driver_volume,
        coalesce(c.campaigns, 0) as campaigns,
        coalesce(c.campaign_weight, 0) as campaign_weight,
        coalesce(c.touched_weight, 0) as touched_weight,
        coalesce(c.is_carried_forward, false) as is_carried_forward
    from pools as p
    left join drivers as m on p.cost_center = m.cost_center
    left join driver_totals as t on p.month = t.month and m.driver = t.driver
    left join campaign_months as c on p.month = c.month and m.driver = 'campaigns'
    left join (
        select p2.month, p2.cost_center, max(k2.capacity_minutes) as capacity_minutes
        from pools as p2
        inner join capacity as k2
            on p2.cost_center = k2.cost_center
           and p2.month >= k2.valid_from_month
           and (k2.valid_to_month is null or p2.month <= k2.valid_to_month)
        group by p2.month, p2.cost_center
    ) as k on p.month = k.month and p.cost_center = k.cost_center

),

-- time-driven cost per minute: the month's pool over the practical capacity, else the seed's rate
rated as (

    select
        *,
        case
            when coalesce(allocation_method, 'none') <> 'time_driven' then null
            when capacity_minutes > 0 and spreadable_amount > 0
                then cast(spreadable_amount as double) / cast(capacity_minutes as double)
            when capacity_minutes > 0 then null
            else cast(rate_per_minute as double)
        end as cost_rate_per_minute
    from mapped

),

decided as (

    select
        *,
        case
            when not is_mapped or spreadable_amount = 0 then 0
            -- campaigns: all of the pool when every campaign carrying the month has touches, else
            -- the share of those with touches (the rest stays unallocated)
            when allocation_method = 'driver' and driver = 'campaigns' and touched_weight > 0 and driver_volume > 0
                then case
                    when touched_weight = campaign_weight then spreadable_amount
                    else cast(round(cast(spreadable_amount as double) * cast(touched_weight as double)
                                    / cast(campaign_weight as double), 2) as decimal(18, 2))
                end
            when driver = 'campaigns' then 0
            when allocation_method = 'driver' and driver <> 'none' and driver_volume > 0 then spreadable_amount
            when allocation_method = 'time_driven' and driver <> 'none' and driver_volume > 0
                 and cost_rate_per_minute > 0 and spreadable_amount > 0 and capacity_minutes > 0
                then case
                    when driver_volume >= capacity_minutes then spreadable_amount
                    else least(spreadable_amount, cast(round(cast(spreadable_amount as double) * driver_volume
                                                             / cast(capacity_minutes as double), 2) as decimal(18, 2)))
                end
            when allocation_method = 'time_driven' and driver <> 'none' and driver_volume > 0
                 and cost_rate_per_minute > 0 and spreadable_amount > 0
                then least(spreadable_amount, cast(round(rate_per_minute * driver_volume, 2) as decimal(18, 2)))
            else 0
        end as spread_target_amount
    from rated

),

-- unused capacity: the part of a positive time-driven pool the measured minutes do not use
-- (all of it in a month without minutes); it is charged to no customer
with_unused as (

    select
        *,
        case
            when is_mapped and allocation_method = 'time_driven' and driver is not null
                 and driver not in ('none', 'campaigns') and cost_rate_per_minute > 0 and spreadable_amount > 0
                then cast(spreadable_amount - spread_target_amount as decimal(18, 2))
            else cast(0 as decimal(18, 2))
        end as unused_capacity_amount
    from decided

)

select
    month,
    cost_center,
    is_mapped,
    activity_pool,
    cost_category,
    driver,
    allocation_method,
    rate_per_minute,
    cast(capacity_minutes as decimal(18, 2)) as capacity_minutes,
    cost_rate_per_minute,
    ledger_lines,
    ledger_amount,
    direct_ledger_amount,
    direct_freight_amount,
    freight_requested_amount,
    cast(freight_requested_amount - direct_freight_amount as decimal(18, 2)) as freight_not_in_ledger_amount,
    spreadable_amount,
    driver_volume,
    cast(spread_target_amount as decimal(18, 2)) as spread_target_amount,
    unused_capacity_amount,
    cast(spreadable_amount - spread_target_amount - unused_capacity_amount as decimal(18, 2)) as unallocated_amount,
    case
        when spreadable_amount - spread_target_amount - unused_capacity_amount = 0 then null
        when not is_mapped then 'cost center not in cost_center_drivers'
        when allocation_method = 'none' or allocation_method is null then 'allocation method none'
        when driver = 'none' or driver is null then 'cost center has no driver'
        when driver = 'campaigns' and allocation_method = 'driver' and campaigns = 0
            then '{{ no_campaign_reason }}'
        when driver = 'campaigns' and allocation_method = 'driver'
            then 'campaign without touches: its part of the month reaches no account'
        when driver = 'campaigns' then 'driver campaigns needs allocation_method driver'
        when driver_volume <= 0 then 'no driver volume in month'
        when allocation_method = 'time_driven' and capacity_minutes is null and not coalesce(rate_per_minute > 0, false)
            then 'time-driven pool without rate_per_minute'
        when allocation_method = 'time_driven' and spreadable_amount < 0 then 'time-driven pool is negative'
        else 'unknown allocation method'
    end as unallocated_reason,
    case
        when allocation_method = 'time_driven' and capacity_minutes > 0 and spread_target_amount > 0
             and driver_volume > capacity_minutes
            then 'time-driven: minutes above the practical capacity; the whole pool is charged by minutes'
        when allocation_method = 'time_driven' and spread_target_amount > 0
             and spread_target_amount = spreadable_amount
             and rate_per_minute * driver_volume > spreadable_amount
            then 'time-driven: rate x minutes capped at the pool'
        when unused_capacity_amount <> 0
            then 'time-driven: the minutes not used of the capacity are unused capacity, charged to no customer'
        when freight_requested_amount > direct_freight_amount
            then 'shipment freight above the ledger pool; the excess is not in the ledger and not allocated'
        when driver = 'campaigns' and is_carried_forward and spread_target_amount <> 0
            then 'no campaign running in month: carried forward to the next campaign(s) to start'
    end as allocation_note
from with_unused
