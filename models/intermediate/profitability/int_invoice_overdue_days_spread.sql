{#- One row per invoice × month in which it was overdue: the overdue days that fell in that month.
    An invoice (not a credit note, positive total, with a due date) is overdue from the day after
    its due date until the payment that completes it (the first payment date at which the
    payments so far reach the invoice total, less var `profitability_payment_tolerance`), or
    until the as-of date when it is never completed. Its overdue days are SPREAD over the calendar
    months they fall in (not all put on the due month), so a credit-control pool of a month is
    carried by the invoices that were actually overdue in that month; the days of all months add
    up to (completion date - due date). Only months seen in the ledger or on invoices are kept
    (no other month has a pool to carry). -#}
with invoice_totals as (

    select invoice_id, min(customer_key) as customer_key, sum(revenue) as invoice_total
    from {{ ref('int_sales_lines') }}
    where not is_orphan and not is_credit_note
    group by invoice_id

),

invoices as (

    select i.invoice_id, t.customer_key, i.due_date, t.invoice_total
    from {{ ref('stg_erp__sales_invoices') }} as i
    inner join invoice_totals as t on i.invoice_id = t.invoice_id
    where i.due_date is not null and t.invoice_total > 0

),

payments as (

    select invoice_id, payment_id, payment_date, amount
    from {{ ref('stg_erp__payments') }}
    where invoice_id is not null and payment_date is not null

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
    where r.paid_so_far >= i.invoice_total - {{ var('profitability_payment_tolerance') }}
    group by r.invoice_id

),

periods as (

    select
        i.invoice_id,
        i.customer_key,
        i.due_date,
        case
            when n.payments = 1 and n.amount >= i.invoice_total - {{ var('profitability_payment_tolerance') }}
                then n.payment_date
            else c.completed_on
        end as completed_on
    from invoices as i
    left join payment_counts as n on i.invoice_id = n.invoice_id
    left join completion_of_several as c on i.invoice_id = c.invoice_id

),

periods_bounded as (

    -- overdue days are the half-open range [due_date + 1, end_date + 1)
    select
        p.invoice_id,
        p.customer_key,
        p.due_date,
        p.completed_on,
        cast({{ dateadd('day', 1, 'p.due_date') }} as date) as overdue_from,
        cast({{ dateadd('day', 1, 'least(coalesce(p.completed_on, a.as_of_date), a.as_of_date)') }} as date) as overdue_until_excl
    from periods as p
    cross join {{ ref('int_as_of_date') }} as a

),

-- each invoice's own overdue months (first to last day of the range), so the work is
-- proportional to the rows produced
period_months as (

    select
        invoice_id,
        customer_key,
        due_date,
        completed_on,
        overdue_from,
        overdue_until_excl,
        {{ month_starts(month_of('overdue_from'), month_of(dateadd('day', -1, 'overdue_until_excl'))) }} as month
    from periods_bounded
    where overdue_until_excl > overdue_from

),

months as (

    select distinct month from {{ ref('int_gl_entries') }}
    union
    select distinct month from {{ ref('int_customer_months_aggregated') }}

)

select
    p.invoice_id,
    p.customer_key,
    p.month,
    p.due_date,
    p.completed_on,
    {{ datediff('greatest(p.overdue_from, p.month)', 'least(p.overdue_until_excl, cast(' ~ dateadd('month', 1, 'p.month') ~ ' as date))', 'day') }} as overdue_days
from period_months as p
inner join months as m on p.month = m.month
