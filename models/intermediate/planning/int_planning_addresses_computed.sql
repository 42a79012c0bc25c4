{#- Exactly one row: how many addresses (companies to work as new business) the target period
    needs (docs block planning_addresses_needed).
    - expected_existing_revenue: what the customers active at the as-of date bought over the
      last period of the same length (a run-rate: they are assumed to buy the same again);
    - gap = max(0, revenue_target − expected_existing_revenue);
    - addresses_needed: walk down the ranked candidate list (int_prospect_candidates_ranked),
      each company bringing its segment's new-business value per address (address-to-order
      rate × order value, shrunk toward the company figures); the count where the running
      total first reaches the gap. When the whole list brings less, the rest of the gap is
      filled with new addresses at the company's new-business figures:
      available + ceil(rest / order value / address-to-order rate), rounded to 6 decimals
      before the ceiling so floating-point noise cannot add an address.
    - calls_needed = ceil(addresses_needed × calls per address), the calls a new-business
      address took per quarter.
    It is null (with the reason) when there is no target or no new-business order to learn
    from; 0 when existing customers already cover the target. -#}
with period as (

    select * from {{ ref('int_planning_period_selected') }}

),

existing as (

    select coalesce(sum(r.revenue_last_period), 0) as expected_existing_revenue
    from {{ ref('int_planning_customers_aggregated') }} as r
    inner join {{ ref('dim_customer') }} as c on r.customer_key = c.customer_key
    where c.lifecycle_status = 'active'

),

company as (

    select addresses, orders, call_activities, address_to_order_pct, order_value, value_per_address
    from {{ ref('int_planning_new_business_rates') }}
    where segment_key = 'all'

),

candidates as (

    select candidate_rank, cumulative_expected_value
    from {{ ref('int_prospect_candidates_ranked') }}

),

inputs as (

    select
        p.period,
        p.period_start,
        p.period_end,
        p.revenue_target,
        p.has_target,
        cast(e.expected_existing_revenue as decimal(18, 2)) as expected_existing_revenue,
        cast(case when p.has_target
                  then greatest(p.revenue_target - e.expected_existing_revenue, 0) end as decimal(18, 2)) as gap,
        coalesce(f.addresses, 0) as nb_addresses,
        coalesce(f.orders, 0) as nb_orders,
        f.order_value,
        f.address_to_order_pct,
        f.value_per_address,
        1.0 * f.call_activities / nullif(f.addresses, 0) as calls_per_address
    from period as p
    cross join existing as e
    left join company as f on 1 = 1

),

listed as (

    select
        count(*) as addresses_available,
        coalesce(max(cumulative_expected_value), 0) as listed_value
    from candidates

),

reached as (

    -- the first rank whose running total reaches the gap
    select min(c.candidate_rank) as listed_needed
    from candidates as c
    cross join inputs as i
    where c.cumulative_expected_value >= i.gap

),

walked as (

    select i.*, l.addresses_available, l.listed_value, r.listed_needed
    from inputs as i
    cross join listed as l
    cross join reached as r

),

needed as (

    select
        *,
        case
            when not has_target then null
            when gap = 0 then 0
            when nb_orders = 0 or coalesce(order_value, 0) <= 0 then null
            when listed_needed is not null then listed_needed
            else addresses_available
                 + ceiling(round((gap - listed_value) / order_value / (address_to_order_pct / 100.0), 6))
        end as addresses_needed
    from walked

)

select
    period,
    period_start,
    period_end,
    revenue_target,
    expected_existing_revenue,
    gap,
    cast(order_value as decimal(18, 2)) as avg_won_order_value,
    cast(address_to_order_pct as double) as call_to_order_pct,
    cast(calls_per_address as double) as calls_per_address,
    cast(addresses_needed as bigint) as addresses_needed,
    -- 0 addresses take 0 calls, also when no new-business history gives a calls-per-address figure
    cast(case when addresses_needed = 0 then 0
              else ceiling(round(addresses_needed * calls_per_address, 6)) end as bigint) as calls_needed,
    case
        when not has_target then 'no revenue target in seed sales_targets for the planning period'
        when gap = 0 then 'existing customers cover the target: no new addresses needed'
        when nb_addresses = 0 then 'no new-business calls in a quarter whose order window (var funnel_window_days) has closed: the address-to-order rate is unknown, addresses needed cannot be computed'
        when nb_orders = 0 then 'no won orders from new business in the quarters whose order window (var funnel_window_days) has closed: the address-to-order rate is 0 and the order value unknown, addresses needed cannot be computed'
        when coalesce(order_value, 0) <= 0 then 'average new-business order value is not positive: addresses needed cannot be computed'
    end as addresses_needed_reason
from needed
