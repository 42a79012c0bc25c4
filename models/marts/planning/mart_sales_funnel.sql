{#- One row per segment per period, where period is the calendar quarter ('YYYY-Qn') the
    event happened in or 'all', and segment_key 'all' is the company total: calls →
    appointments → quotes → orders (see int_funnel_events_unioned for what counts), the hit
    rates between the steps, average won order value and sales cycle. The counts are kept so
    any rate can be recomputed; a rate is null when its denominator is 0. -#}
with events as (

    select * from {{ ref('int_funnel_events_unioned') }}

),

counted as (

    select
        case when grouping(segment_key) = 1 then 'all' else segment_key end as segment_key,
        case when grouping(period) = 1 then 'all' else period end as period,
        count(case when event = 'call' then 1 end) as calls,
        count(case when event = 'appointment' then 1 end) as appointments,
        count(case when event = 'quote' then 1 end) as quotes,
        count(case when event = 'order' then 1 end) as orders,
        sum(case when event = 'order' then amount end) as won_order_value,
        sum(case when event = 'order' then cycle_days end) as cycle_days_sum,
        count(case when event = 'order' then cycle_days end) as cycle_orders
    from events
    group by grouping sets ((segment_key, period), (segment_key), (period), ())

),

-- the company total always exists, also without any CRM data
total_row as (

    select 'all' as segment_key, 'all' as period

),

completed as (

    select
        t.segment_key,
        t.period,
        coalesce(c.calls, 0) as calls,
        coalesce(c.appointments, 0) as appointments,
        coalesce(c.quotes, 0) as quotes,
        coalesce(c.orders, 0) as orders,
        c.won_order_value,
        c.cycle_days_sum,
        coalesce(c.cycle_orders, 0) as cycle_orders
    from total_row as t
    left join counted as c on c.segment_key = t.segment_key and c.period = t.period

    union all

    select segment_key, period, calls, appointments, quotes, orders,
           won_order_value, cycle_days_sum, cycle_orders
    from counted
    where not (segment_key = 'all' and period = 'all')

)

select
    cast(segment_key as string) as segment_key,
    cast(period as string) as period,
    cast(calls as bigint) as calls,
    cast(appointments as bigint) as appointments,
    cast(quotes as bigint) as quotes,
    cast(orders as bigint) as orders,
    cast(100.0 * appointments / nullif(calls, 0) as double) as call_to_appointment_pct,
    cast(100.0 * quotes / nullif(appointments, 0) as double) as appointment_to_quote_pct,
    cast(100.0 * orders / nullif(quotes, 0) as double) as quote_to_order_pct,
    cast(100.0 * orders / nullif(calls, 0) as double) as call_to_order_pct,
    cast(coalesce(won_order_value, 0) as decimal(18, 2)) as won_order_value,
    cast(won_order_value / nullif(orders, 0) as decimal(18, 2)) as avg_won_order_value,
    cast(1.0 * cycle_days_sum / nullif(cycle_orders, 0) as double) as avg_sales_cycle_days
from completed
