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

payments_running as (

    select
        invoice_id,
        payment_date,
        sum(amount) over (
            partition by invoice_id order by payment_date, payment_id
            rows between unbounded preceding and current row
        ) as paid_so_far
    from {{ ref('stg_erp__payments') }}
    where invoice_id is not null and payment_date is not null

),

completion as (

    select p.invoice_id, min(p.payment_date) as completed_on
    from payments_running as p
    inner join invoices as i on p.invoice_id = i.invoice_id
    where p.paid_so_far >= i.invoice_total - {{ var('profitability_payment_tolerance') }}
    group by p.invoice_id

),

periods as (

    -- overdue days are the half-open range [due_date + 1, end_date + 1)
    select
        i.invoice_id,
        i.customer_key,
        i.due_date,
        c.completed_on,
        cast({{ dateadd('day', 1, 'i.due_date') }} as date) as overdue_from,
        cast({{ dateadd('day', 1, 'least(coalesce(c.completed_on, a.as_of_date), a.as_of_date)') }} as date) as overdue_until_excl
    from invoices as i
    left join completion as c on i.invoice_id = c.invoice_id
    cross join {{ ref('int_as_of_date') }} as a

),

months as (

    select distinct {{ month_of('posting_date') }} as month from {{ ref('stg_erp__gl_entries') }}
    union
    select distinct invoice_month from {{ ref('int_sales_lines') }}

),

months_bounded as (

    select month, cast({{ dateadd('month', 1, 'month') }} as date) as next_month from months

)

select
    p.invoice_id,
    p.customer_key,
    m.month,
    p.due_date,
    p.completed_on,
    {{ datediff('greatest(p.overdue_from, m.month)', 'least(p.overdue_until_excl, m.next_month)', 'day') }} as overdue_days
from periods as p
inner join months_bounded as m
    on m.month < p.overdue_until_excl
   and m.next_month > p.overdue_from
where p.overdue_until_excl > p.overdue_from
