{#- One row per company with invoice lines: lifetime net revenue, its last invoice month, and
    its net revenue over the "last same-length period": the period_days of the planning period
    up to and including the as-of date. One pass over the invoice totals (int_invoices_totalled: the
    lines summed per invoice, 6.9 M rows of the 100k benchmark against 18.6 M lines). -#}
with period as (

    select as_of_date, period_days from {{ ref('int_planning_period_selected') }}

)

select
    l.customer_key,
    cast(sum(l.revenue) as decimal(18, 2)) as lifetime_revenue,
    max(case when not l.is_credit_note then {{ month_of('l.invoice_date') }} end) as last_invoice_month,
    cast(coalesce(sum(case when l.invoice_date <= p.as_of_date
                            and l.invoice_date > {{ dateadd('day', '-1 * p.period_days', 'p.as_of_date') }}
                           then l.revenue end), 0) as decimal(18, 2)) as revenue_last_period
from {{ ref('int_invoices_totalled') }} as l
cross join period as p
where l.customer_key <> 'unknown'
group by l.customer_key
