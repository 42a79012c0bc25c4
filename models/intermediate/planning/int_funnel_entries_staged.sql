{#- One row per company per calendar quarter in which it was called: the funnel population
    (docs block funnel_population). A company enters the quarter's funnel with its first call
    there (a CRM activity of a type in var funnel_call_activity_types); what it reached
    afterwards counts when it happened from that call up to var funnel_window_days later and
    before the company's first call in a later quarter (window_end), so every appointment,
    quote and order counts once, for the latest quarter in which the company was called
    before it:
    - appointment: an activity with an outcome in var funnel_appointment_outcomes;
    - quote: an opportunity with a quote_date;
    - order: a won opportunity, dated by its close date (created date when close is missing);
      the first one gives the order value and the sales cycle (first call → order, days).
    A later stage implies the earlier ones (a quote without a logged appointment still passed
    the appointment step), so every stage count is part of the one before.
    motion (docs block funnel_motion): new_business when the company had no invoice in the var
    funnel_new_business_after_days days before its first call of the quarter (never bought,
    or an ex-customer then), else account_management.
    window_complete: the quarter's last day plus the window lies on or before the as-of date,
    so every company of the quarter had its full window.
    Deleted CRM records and activities without an account are left out. A CRM account that is
    not in int_customer_identity stays its own company (crm:<account_id>, segment 'unknown'). -#}
{%- set call_types = var('funnel_call_activity_types') -%}
{%- set appointment_outcomes = var('funnel_appointment_outcomes') -%}
{%- set window_days = var('funnel_window_days') | int -%}
{%- set new_business_after_days = var('funnel_new_business_after_days') | int -%}
with identity as (

    select source_id as account_id, customer_key
    from {{ ref('int_customer_identity') }}
    where source_system = 'crm'

),

activities as (

    select
        coalesce(i.customer_key, 'crm:' || a.account_id) as customer_key,
        a.activity_type,
        a.outcome,
        a.activity_date
    from {{ ref('stg_crm__activities') }} as a
    left join identity as i on a.account_id = i.account_id
    where not a.is_deleted and a.activity_date is not null and a.account_id is not null

),

opportunities as (

    select
        o.opportunity_id,
        coalesce(i.customer_key, 'crm:' || o.account_id) as customer_key,
        o.quote_date,
        o.stage,
        o.amount,
        coalesce(o.close_date, o.created_date) as order_date
    from {{ ref('stg_crm__opportunities') }} as o
    left join identity as i on o.account_id = i.account_id
    where not o.is_deleted and o.account_id is not null

),

entries as (

    select
        customer_key,
        cast(extract(year from activity_date) as string) || '-Q'
            || cast(extract(quarter from activity_date) as string) as period,
        min(activity_date) as entry_date,
        count(*) as call_activities
    from activities
    where activity_type in ({% for t in call_types %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
    group by
        customer_key,
        cast(extract(year from activity_date) as string) || '-Q'
            || cast(extract(quarter from activity_date) as string)

),

next_entries as (

    select
        customer_key,
        period,
        entry_date,
        call_activities,
        lead(entry_date) over (partition by customer_key order by entry_date) as next_entry_date
    from entries

),

windowed as (

    select
        customer_key,
        period,
        entry_date,
        call_activities,
        cast(case when next_entry_date is not null
                       and next_entry_date <= {{ dateadd('day', window_days, 'entry_date') }}
                  then {{ dateadd('day', -1, 'next_entry_date') }}
                  else {{ dateadd('day', window_days, 'entry_date') }} end as date) as window_end,
        cast({{ date_trunc('quarter', 'entry_date') }} as date) as quarter_start
    from next_entries

),

appointments as (

    select w.customer_key, w.period, min(a.activity_date) as appointment_date
    from windowed as w
    inner join activities as a
        on a.customer_key = w.customer_key
       and a.activity_date >= w.entry_date
       and a.activity_date <= w.window_end
    where a.outcome in ({% for o in appointment_outcomes %}'{{ o }}'{% if not loop.last %}, {% endif %}{% endfor %})
    group by w.customer_key, w.period

),

quotes as (

    select w.customer_key, w.period, min(o.quote_date) as quote_date
    from windowed as w
    inner join opportunities as o
        on o.customer_key = w.customer_key
       and o.quote_date >= w.entry_date
       and o.quote_date <= w.window_end
    group by w.customer_key, w.period

),

orders_ranked as (

    select
        w.customer_key,
        w.period,
        o.order_date,
        o.amount,
        row_number() over (partition by w.customer_key, w.period
                           order by o.order_date, o.opportunity_id) as order_number
    from windowed as w
    inner join opportunities as o
        on o.customer_key = w.customer_key
       and o.order_date >= w.entry_date
       and o.order_date <= w.window_end
    where o.stage = 'won'

),

purchases as (

    select {% if target.type != 'duckdb' %}distinct {% endif %}'erp:' || customer_id as customer_key, invoice_date
    from {{ ref('stg_erp__sales_invoices') }}
    where not coalesce(is_credit_note, false) and invoice_date is not null and customer_id is not null

),

-- the company's last invoice before its entry. On DuckDB in two parts: the last one of the entry's
-- own quarter before the entry (an equi-join on company and quarter), else the last one of the
-- company's latest earlier quarter with invoices (an ASOF join against per-quarter maxima, 1.4 M
-- rows at 100,000 customers: an ASOF join against the 6.8 M invoices themselves took 7.7 s, these
-- two 5.5 s). Elsewhere (Spark has no ASOF join) the latest of the earlier invoices.
{%- if target.type == 'duckdb' %}
purchase_quarters as (

    select customer_key, cast({{ date_trunc('quarter', 'invoice_date') }} as date) as quarter_start, max(invoice_date) as last_date
    from purchases
    group by 1, 2

),

same_quarter_purchase as (

    select w.customer_key, w.period, max(p.invoice_date) as last_date
    from windowed as w
    inner join purchases as p
        on p.customer_key = w.customer_key
       and cast({{ date_trunc('quarter', 'p.invoice_date') }} as date) = w.quarter_start
    where p.invoice_date < w.entry_date
    group by w.customer_key, w.period

),

earlier_quarter_purchase as (

    select w.customer_key, w.period, q.last_date
    from windowed as w
    asof inner join purchase_quarters as q
        on q.customer_key = w.customer_key
       and w.quarter_start > q.quarter_start

),
{%- endif %}

last_purchase as (

    {%- if target.type == 'duckdb' %}
    select w.customer_key, w.period, coalesce(s.last_date, e.last_date) as last_purchase_date
    from windowed as w
    left join same_quarter_purchase as s on s.customer_key = w.customer_key and s.period = w.period
    left join earlier_quarter_purchase as e on e.customer_key = w.customer_key and e.period = w.period
    where coalesce(s.last_date, e.last_date) is not null
    {%- else %}
    select w.customer_key, w.period, max(p.invoice_date) as last_purchase_date
    from windowed as w
    inner join purchases as p
        on p.customer_key = w.customer_key
       and p.invoice_date < w.entry_date
    group by w.customer_key, w.period
    {%- endif %}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

)

select
    w.customer_key,
    coalesce(c.segment_key, {{ segment_key('cast(null as string)', "'unknown'", 'cast(null as string)') }}) as segment_key,
    w.period,
    w.entry_date,
    w.window_end,
    cast(w.call_activities as bigint) as call_activities,
    lp.last_purchase_date,
    case when lp.last_purchase_date is null
              or {{ datediff('lp.last_purchase_date', 'w.entry_date', 'day') }} > {{ new_business_after_days }}
         then 'new_business' else 'account_management' end as motion,
    ap.appointment_date,
    q.quote_date,
    o.order_date,
    cast(o.amount as decimal(18, 4)) as order_amount,
    case when o.order_date is not null
         then {{ datediff('w.entry_date', 'o.order_date', 'day') }} end as cycle_days,
    (ap.appointment_date is not null or q.quote_date is not null or o.order_date is not null) as reached_appointment,
    (q.quote_date is not null or o.order_date is not null) as reached_quote,
    (o.order_date is not null) as reached_order,
    {{ dateadd('day', window_days - 1, dateadd('month', 3, 'w.quarter_start')) }} <= a.as_of_date as window_complete
from windowed as w
cross join as_of as a
left join {{ ref('dim_customer') }} as c on c.customer_key = w.customer_key
left join appointments as ap on ap.customer_key = w.customer_key and ap.period = w.period
left join quotes as q on q.customer_key = w.customer_key and q.period = w.period
left join orders_ranked as o on o.customer_key = w.customer_key and o.period = w.period and o.order_number = 1
left join last_purchase as lp on lp.customer_key = w.customer_key and lp.period = w.period
