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
    Deleted CRM records and activities without an account are left out. A CRM account that is
    not in int_customer_identity stays its own company (crm:<account_id>). Nothing here moves with
    the as-of date or the segmentation: int_sales_funnel_counted adds the segment and whether the
    quarter's window has closed.

    Incremental by company (docs/design.md, "Written where they changed: the funnel"): every
    company called at least once gets a fingerprint of what its entries are computed from (its
    activities, opportunities and purchase dates, each under its current customer_key, and the
    funnel vars), kept on its rows as `inputs_fingerprint`. A run recomputes only the companies
    whose fingerprint differs from the table's or that only one side has: a new or corrected
    activity, opportunity or invoice header, an account linked to its ERP customer, a var changed.
    Each such company also gets a placeholder row (period null) so that delete+insert empties a
    company left without entries; the post-hook removes it. A table built by an older version is
    emptied by the pre-hook and rebuilt in full. -#}
{{ config(**rebuilt_by_key_config('customer_key', 'period', ['inputs_fingerprint', 'built_at'], 'sync_all_columns')) }}
{%- set incremental = incremental_ready(['inputs_fingerprint', 'built_at']) %}
{%- set call_types = var('funnel_call_activity_types') -%}
{%- set appointment_outcomes = var('funnel_appointment_outcomes') -%}
{%- set window_days = var('funnel_window_days') | int -%}
{%- set new_business_after_days = var('funnel_new_business_after_days') | int -%}
with identity as (

    select source_id as account_id, customer_key
    from {{ ref('int_customer_identity') }}
    where source_system = 'crm'

),

-- what the entries are computed from, each row under its company's current customer_key: read
-- twice on DuckDB (the fingerprints, then the changed companies' rows), not copied
company_activities as {{ not_materialized() }} (

    select
        coalesce(i.customer_key, 'crm:' || a.account_id) as customer_key,
        a.activity_type,
        a.outcome,
        a.activity_date,
        a.activity_type in ({% for t in call_types %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %}) as is_call
    from {{ ref('stg_crm__activities') }} as a
    left join identity as i on a.account_id = i.account_id
    where not a.is_deleted and a.activity_date is not null and a.account_id is not null

),

company_opportunities as {{ not_materialized() }} (

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

company_purchases as {{ not_materialized() }} (

    select {% if target.type != 'duckdb' %}distinct {% endif %}'erp:' || customer_id as customer_key, invoice_date
    from {{ ref('stg_erp__sales_invoices') }}
    where not coalesce(is_credit_note, false) and invoice_date is not null and customer_id is not null

),

{% if target.type == 'duckdb' -%}
-- per company called at least once: a fingerprint of every input its entries are computed from
-- (sums of row hashes and counts: order-independent, and two equal rows do not cancel), and of
-- the funnel vars
fingerprint_activities as (

    select
        customer_key,
        sum(cast(hash(activity_type, outcome, activity_date) as hugeint)) as hashed,
        count(*) as counted,
        count(case when is_call then 1 end) as calls
    from company_activities
    group by customer_key

),

fingerprint_opportunities as (

    select
        customer_key,
        sum(cast(hash(opportunity_id, quote_date, stage, amount, order_date) as hugeint)) as hashed,
        count(*) as counted
    from company_opportunities
    group by customer_key

),

fingerprint_purchases as (

    select customer_key, sum(cast(hash(invoice_date) as hugeint)) as hashed, count(*) as counted
    from company_purchases
    group by customer_key

),

fingerprints as (

    select
        a.customer_key,
        hash('{{ call_types | join(",") }}|{{ appointment_outcomes | join(",") }}|{{ window_days }}|{{ new_business_after_days }}',
             a.hashed, a.counted, o.hashed, o.counted, p.hashed, p.counted) as inputs_fingerprint
    from fingerprint_activities as a
    left join fingerprint_opportunities as o on a.customer_key = o.customer_key
    left join fingerprint_purchases as p on a.customer_key = p.customer_key
    where a.calls > 0

),
{%- else %}
-- elsewhere (Spark: a plain table, rebuilt in full) no fingerprints
fingerprints as (

    select customer_key, cast(null as bigint) as inputs_fingerprint from identity where 1 = 0

),
{%- endif %}

{% if incremental -%}
changed as (

    select coalesce(s.customer_key, e.customer_key) as customer_key
    from fingerprints as s
    full outer join (select distinct customer_key, inputs_fingerprint from {{ this }}) as e
        on s.customer_key = e.customer_key
    where s.customer_key is null or e.customer_key is null or s.inputs_fingerprint <> e.inputs_fingerprint

),

{% endif -%}
{%- set only_changed = "where customer_key in (select customer_key from changed)" if incremental else "" %}
activities as (

    select * from company_activities {{ only_changed }}

),

opportunities as (

    select * from company_opportunities {{ only_changed }}

),

purchases as (

    select * from company_purchases {{ only_changed }}

),

entries as (

    select
        customer_key,
        cast(extract(year from activity_date) as string) || '-Q'
            || cast(extract(quarter from activity_date) as string) as period,
        min(activity_date) as entry_date,
        count(*) as call_activities
    from activities
    where is_call
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

)

select
    w.customer_key,
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
    f.inputs_fingerprint,
    {{ built_at() }} as built_at
from windowed as w
left join fingerprints as f on f.customer_key = w.customer_key
left join appointments as ap on ap.customer_key = w.customer_key and ap.period = w.period
left join quotes as q on q.customer_key = w.customer_key and q.period = w.period
left join orders_ranked as o on o.customer_key = w.customer_key and o.period = w.period and o.order_number = 1
left join last_purchase as lp on lp.customer_key = w.customer_key and lp.period = w.period
{%- if incremental %}

union all

-- one placeholder row per recomputed company (removed by the post-hook)
select
    customer_key,
    cast(null as string), cast(null as date), cast(null as date), cast(null as bigint), cast(null as date),
    cast(null as string), cast(null as date), cast(null as date), cast(null as date), cast(null as decimal(18, 4)),
    cast(null as bigint), cast(null as boolean), cast(null as boolean), cast(null as boolean),
    cast(null as ubigint),
    {{ built_at() }}
from changed
{%- endif %}
