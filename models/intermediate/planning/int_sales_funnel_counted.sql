{#- One row per segment per period, where period is the calendar quarter ('YYYY-Qn') in which
    the companies were called, or 'all', and segment_key 'all' is the company total. Every count
    is of companies (int_funnel_entries_staged, docs block funnel_population): called in the
    quarter, and of those the ones that reached an appointment, a quote, an order within var
    funnel_window_days of their first call (and before they were called in a later quarter);
    so every hit rate is at most 100 %. 'all' adds up the quarters (a company called in two
    quarters counts in each, every order once). The new_business_ columns
    count only the companies that were new business at their first call (docs block
    funnel_motion); account management is the total minus them. A rate is null when its
    denominator is 0. -#}
{%- set window_days = var('funnel_window_days') | int %}
-- the entries with what moves with the as-of date and the segmentation: the company's segment
-- (a CRM account outside int_customer_identity: 'unknown') and whether the quarter's window has
-- closed (its last day plus var funnel_window_days on or before the as-of date)
with entries as (

    select
        e.customer_key,
        coalesce(c.segment_key, {{ segment_key('cast(null as string)', "'unknown'", 'cast(null as string)') }}) as segment_key,
        e.period,
        e.motion,
        e.call_activities,
        e.reached_appointment,
        e.reached_quote,
        e.reached_order,
        e.order_amount,
        e.cycle_days,
        {{ dateadd('day', window_days - 1, dateadd('month', 3, 'cast(' ~ date_trunc('quarter', 'e.entry_date') ~ ' as date)')) }} <= a.as_of_date as window_complete
    from {{ ref('int_funnel_entries_staged') }} as e
    cross join (select as_of_date from {{ ref('int_as_of_date') }}) as a
    left join {{ ref('dim_customer') }} as c on c.customer_key = e.customer_key

),

counted as (

    select
        case when grouping(segment_key) = 1 then 'all' else segment_key end as segment_key,
        case when grouping(period) = 1 then 'all' else period end as period,
        count(*) as calls,
        count(case when reached_appointment then 1 end) as appointments,
        count(case when reached_quote then 1 end) as quotes,
        count(case when reached_order then 1 end) as orders,
        sum(order_amount) as won_order_value,
        sum(cycle_days) as cycle_days_sum,
        count(cycle_days) as cycle_orders,
        sum(call_activities) as call_activities,
        min(case when window_complete then 1 else 0 end) as all_complete,
        count(case when motion = 'new_business' then 1 end) as nb_calls,
        count(case when motion = 'new_business' and reached_appointment then 1 end) as nb_appointments,
        count(case when motion = 'new_business' and reached_quote then 1 end) as nb_quotes,
        count(case when motion = 'new_business' and reached_order then 1 end) as nb_orders,
        sum(case when motion = 'new_business' then order_amount end) as nb_won_order_value,
        sum(case when motion = 'new_business' then call_activities end) as nb_call_activities
    from entries
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
        coalesce(c.cycle_orders, 0) as cycle_orders,
        coalesce(c.call_activities, 0) as call_activities,
        coalesce(c.all_complete, 1) as all_complete,
        coalesce(c.nb_calls, 0) as nb_calls,
        coalesce(c.nb_appointments, 0) as nb_appointments,
        coalesce(c.nb_quotes, 0) as nb_quotes,
        coalesce(c.nb_orders, 0) as nb_orders,
        c.nb_won_order_value,
        coalesce(c.nb_call_activities, 0) as nb_call_activities
    from total_row as t
    left join counted as c on c.segment_key = t.segment_key and c.period = t.period

    union all

    select segment_key, period, calls, appointments, quotes, orders,
           won_order_value, cycle_days_sum, cycle_orders, call_activities, all_complete,
           nb_calls, nb_appointments, nb_quotes, nb_orders, nb_won_order_value, nb_call_activities
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
    cast(1.0 * cycle_days_sum / nullif(cycle_orders, 0) as double) as avg_sales_cycle_days,
    cast(call_activities as bigint) as call_activities,
    cast(all_complete = 1 as boolean) as window_complete,
    cast(nb_calls as bigint) as new_business_calls,
    cast(nb_appointments as bigint) as new_business_appointments,
    cast(nb_quotes as bigint) as new_business_quotes,
    cast(nb_orders as bigint) as new_business_orders,
    cast(100.0 * nb_orders / nullif(nb_calls, 0) as double) as new_business_call_to_order_pct,
    cast(coalesce(nb_won_order_value, 0) as decimal(18, 2)) as new_business_won_order_value,
    cast(nb_won_order_value / nullif(nb_orders, 0) as decimal(18, 2)) as new_business_avg_won_order_value,
    cast(nb_call_activities as bigint) as new_business_call_activities
from completed
