{#- One row per invoice × month in which it was overdue: the overdue days that fell in that month.
    An invoice (not a credit note, positive total, with a due date) is overdue from the day after
    its due date until the payment that completes it (the first payment date at which the
    payments so far reach the invoice total, less var `profitability_payment_tolerance`), or
    until the as-of date when it is never completed. Its overdue days are SPREAD over the calendar
    months they fall in (not all put on the due month), so a credit-control pool of a month is
    carried by the invoices that were actually overdue in that month; the days of all months add
    up to (completion date - due date). `is_last_month` marks the month of the last overdue day.
    Every month of the range is kept; the driver (int_cost_drivers_aggregated) keeps the months
    that have a pool.

    Incremental (macros/incremental.sql): a run computes the overdue range of the invoices whose
    range may have changed since the last run (`candidates`), and compares it with the range their
    rows say (customer, due date, completion, last overdue day, from the row of its last month). Only
    the invoices whose range differs are written: a new, corrected, paid or moved invoice gets all
    its months, and the months of its old range that fall outside the new one are written with 0
    days, which the post-hook deletes; an invoice still open whose range only grew with the as-of
    date gets the months from its old last month on. An invoice's range depends on its totals row,
    its payments, the as-of date and the payment tolerance, so the candidates are: the invoices
    whose totals row or a payment (now or before: a payment re-sent against another invoice) was
    written since this table's newest row; the invoices with rows whose stored range ends where the
    new as-of date would not end it (still open, or the as-of date moved back); and the invoices
    that fall due between the last overdue day stored (no later than the last run's as-of date)
    and the new as-of date. Every row carries the payment tolerance it was computed with; when the
    var differs, every invoice is a candidate and every one is written again. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['invoice_id', 'month'],
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_all_unless_incremental_ready(['is_last_month', 'built_at', 'payment_tolerance']) }}",
    post_hook=(["delete from {{ this }} where overdue_days = 0"] if target.type != "spark" else [])
) }}
{%- set incremental = incremental_ready(['is_last_month', 'built_at', 'payment_tolerance']) %}
{#- the tolerance as it is computed with and stored (4 decimals: the var is in EUR) -#}
{%- set tolerance = 'cast(' ~ var('profitability_payment_tolerance') ~ ' as decimal(18, 4))' %}
with
{% if incremental -%}
-- the range each invoice's rows say: its last month's row holds its last overdue day
stored_ranges as (

    select
        invoice_id,
        customer_key,
        due_date,
        completed_on,
        cast({{ dateadd('day', 'overdue_days - 1', 'greatest(month, cast(' ~ dateadd('day', 1, 'due_date') ~ ' as date))') }} as date) as overdue_through
    from {{ this }}
    where is_last_month

),

-- the rows written by the last run that wrote any, and whether every row was computed with this
-- run's payment tolerance
this_state as (

    select
        coalesce(max(built_at), cast('1900-01-01' as timestamp)) as built_through,
        coalesce(bool_and(payment_tolerance = {{ tolerance }}), true) as same_tolerance
    from {{ this }}

),

candidates as (

    -- a totals row (new, corrected, moved, another customer or due date) written since
    select invoice_id from {{ ref('int_invoices_totalled') }}
    where built_at > (select built_through from this_state)
    union
    -- a payment written since, and the invoice a re-sent payment named before
    select invoice_id from {{ ref('int_payments') }}
    where built_at > (select built_through from this_state) and invoice_id is not null
    union
    select prior_invoice_id from {{ ref('int_payments') }}
    where built_at > (select built_through from this_state) and prior_invoice_id is not null
    union
    -- rows whose last overdue day the new as-of date moves: still open, or completed after it
    select s.invoice_id
    from stored_ranges as s
    cross join {{ ref('int_as_of_date') }} as a
    where s.overdue_through <> least(coalesce(s.completed_on, a.as_of_date), a.as_of_date)
    union
    -- due since the last run's as-of date (its last overdue day stored is no later), so overdue
    -- now while they were not then
    select t.invoice_id
    from {{ ref('int_invoices_totalled') }} as t
    cross join {{ ref('int_as_of_date') }} as a
    where t.due_date < a.as_of_date
      and t.due_date >= coalesce((select max(overdue_through) from stored_ranges), cast('0001-01-01' as date))

),

{% endif -%}
invoices as (

    select invoice_id, customer_key, due_date, revenue as invoice_total
    from {{ ref('int_invoices_totalled') }}
    where not is_orphan and not is_credit_note and due_date is not null and revenue > 0
    {%- if incremental %}
      and ((select not same_tolerance from this_state) or invoice_id in (select invoice_id from candidates))
    {%- endif %}

),

payments as (

    select invoice_id, payment_id, payment_date, amount
    from {{ ref('int_payments') }}
    where invoice_id is not null and payment_date is not null
    {%- if incremental %}
      and invoice_id in (select invoice_id from invoices)
    {%- endif %}

),

payment_counts as (

    select invoice_id, count(*) as payments, min(payment_date) as payment_date, sum(amount) as amount
    from payments
    group by invoice_id

),

-- an invoice paid in more than one payment: the first payment date at which the running sum
-- reaches the total (an invoice paid in one payment is completed by it when it is enough)
completion_of_several as (

    select r.invoice_id, min(r.payment_date) as completed_on
    from (
        select
            p.invoice_id,
            p.payment_date,
            sum(p.amount) over (
                partition by p.invoice_id order by p.payment_date, p.payment_id
                rows between unbounded preceding and current row
            ) as paid_so_far
        from payments as p
        inner join payment_counts as n on p.invoice_id = n.invoice_id
        where n.payments > 1
    ) as r
    inner join invoices as i on r.invoice_id = i.invoice_id
    where r.paid_so_far >= i.invoice_total - {{ tolerance }}
    group by r.invoice_id

),

periods as (

    select
        i.invoice_id,
        i.customer_key,
        i.due_date,
        case
            when n.payments = 1 and n.amount >= i.invoice_total - {{ tolerance }}
                then n.payment_date
            else c.completed_on
        end as completed_on
    from invoices as i
    left join payment_counts as n on i.invoice_id = n.invoice_id
    left join completion_of_several as c on i.invoice_id = c.invoice_id

),

-- the overdue days are the range [overdue_from, overdue_through], both days included
ranges as (

    select
        p.invoice_id,
        p.customer_key,
        p.due_date,
        p.completed_on,
        cast({{ dateadd('day', 1, 'p.due_date') }} as date) as overdue_from,
        least(coalesce(p.completed_on, a.as_of_date), a.as_of_date) as overdue_through
    from periods as p
    cross join {{ ref('int_as_of_date') }} as a

),

current_ranges as (

    select * from ranges where overdue_through >= overdue_from

),

{% if incremental -%}
-- the invoices whose range changed, and the months to write for each
spans as (

    select
        coalesce(c.invoice_id, s.invoice_id) as invoice_id,
        c.customer_key,
        c.due_date,
        c.completed_on,
        c.overdue_from,
        c.overdue_through,
        case
            -- still open, only the end moved later: the months from the old last one on
            when c.customer_key = s.customer_key and c.due_date = s.due_date
                 and c.completed_on is not distinct from s.completed_on and c.overdue_through > s.overdue_through
                then {{ month_of('s.overdue_through') }}
            -- else every month of the new range and of the old one
            else least(coalesce({{ month_of('c.overdue_from') }}, cast('9999-12-01' as date)),
                       coalesce({{ month_of(dateadd('day', 1, 's.due_date')) }}, cast('9999-12-01' as date)))
        end as first_month,
        greatest(coalesce({{ month_of('c.overdue_through') }}, cast('0001-01-01' as date)),
                 coalesce({{ month_of('s.overdue_through') }}, cast('0001-01-01' as date))) as last_month
    from current_ranges as c
    full outer join (
        select * from stored_ranges
        where (select not same_tolerance from this_state) or invoice_id in (select invoice_id from candidates)
    ) as s on c.invoice_id = s.invoice_id
    where c.invoice_id is null or s.invoice_id is null
       or c.customer_key <> s.customer_key or c.due_date <> s.due_date
       or c.completed_on is distinct from s.completed_on or c.overdue_through <> s.overdue_through
       -- another tolerance: every invoice is written again, with it
       or (select not same_tolerance from this_state)

),
{%- else %}
spans as (

    select
        *,
        {{ month_of('overdue_from') }} as first_month,
        {{ month_of('overdue_through') }} as last_month
    from current_ranges

),
{%- endif %}

-- each invoice's months (first to last), so the work is proportional to the rows produced
span_months as (

    select
        invoice_id,
        customer_key,
        due_date,
        completed_on,
        overdue_from,
        overdue_through,
        {{ month_starts('first_month', 'last_month') }} as month
    from spans

)

select
    invoice_id,
    customer_key,
    month,
    due_date,
    completed_on,
    case
        when overdue_from is null then 0
        else greatest(0, {{ datediff('greatest(overdue_from, month)', 'least(cast(' ~ dateadd('day', 1, 'overdue_through') ~ ' as date), cast(' ~ dateadd('month', 1, 'month') ~ ' as date))', 'day') }})
    end as overdue_days,
    coalesce(month = {{ month_of('overdue_through') }}, false) as is_last_month,
    {{ tolerance }} as payment_tolerance,
    {{ built_at() }} as built_at
from span_months
