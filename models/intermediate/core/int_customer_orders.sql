{#- One row per customer_key that has at least one invoice with lines: first and last order dates
    and order counts (an order moment = a distinct invoice date of a non-credit invoice with lines;
    a header whose lines have not arrived yet is no order yet, as in int_clv_customer_summary).
    Read from the invoice totals (one row per invoice with a header and lines), not the lines. -#}
with invoices as (

    select customer_key, invoice_date, is_credit_note
    from {{ ref('int_invoices_totalled') }}
    where not is_orphan

)

select
    customer_key,
    min(case when not is_credit_note then invoice_date end) as first_invoice_date,
    max(case when not is_credit_note then invoice_date end) as last_invoice_date,
    count(case when not is_credit_note then 1 end) as invoices,
    count(distinct case when not is_credit_note then invoice_date end) as order_days
from invoices
group by customer_key
