{#- Exactly one row: how many addresses (companies to call) the target period needs.
    - expected_existing_revenue: what the customers active at the as-of date bought over the
      last period of the same length (a run-rate: they are assumed to buy the same again);
    - gap = max(0, revenue_target − expected_existing_revenue);
    - addresses_needed = ceil(gap / avg_won_order_value / (call_to_order_pct / 100)), with the
      company-wide hit rate over all periods (mart_sales_funnel, segment 'all', period 'all'):
      the orders the gap takes, divided by the orders one call brings. It is rounded to 6
      decimals before the ceiling so floating-point noise cannot add an address. It is null
      (with the reason in note) when there is no target, no won order or no call-to-order
      hit rate; 0 when existing customers already cover the target. -#}
with period as (

    select * from {{ ref('int_planning_period_selected') }}

),

existing as (

    select coalesce(sum(r.revenue_last_period), 0) as expected_existing_revenue
    from {{ ref('int_planning_customers_aggregated') }} as r
    inner join {{ ref('dim_customer') }} as c on r.customer_key = c.customer_key
    where c.lifecycle_status = 'active'

),

funnel as (

    select calls, orders, avg_won_order_value, call_to_order_pct
    from {{ ref('mart_sales_funnel') }}
    where segment_key = 'all' and period = 'all'

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
        f.calls,
        f.orders,
        f.avg_won_order_value,
        f.call_to_order_pct
    from period as p
    cross join existing as e
    left join funnel as f on 1 = 1

)

select
    period,
    period_start,
    period_end,
    revenue_target,
    expected_existing_revenue,
    gap,
    avg_won_order_value,
    call_to_order_pct,
    cast(case
        when not has_target then null
        when gap = 0 then 0
        when coalesce(avg_won_order_value, 0) <= 0 or coalesce(call_to_order_pct, 0) <= 0 then null
        else ceiling(round(gap / avg_won_order_value / (call_to_order_pct / 100.0), 6))
    end as bigint) as addresses_needed,
    case
        when not has_target then 'no revenue target in seed sales_targets for the planning period'
        when gap = 0 then 'existing customers cover the target: no new addresses needed'
        when coalesce(calls, 0) = 0 then 'no calls in the CRM: call-to-order hit rate unknown, addresses needed cannot be computed'
        when coalesce(orders, 0) = 0 then 'no won orders in the CRM: call-to-order hit rate is 0 and average order value unknown, addresses needed cannot be computed'
        when coalesce(avg_won_order_value, 0) <= 0 then 'average won order value is not positive: addresses needed cannot be computed'
        when coalesce(call_to_order_pct, 0) <= 0 then 'call-to-order hit rate is 0: addresses needed cannot be computed'
    end as addresses_needed_reason
from inputs
