{#- One row per customer_key that has at least one invoice with lines: first and last order dates
    and order counts (an order moment = a distinct invoice date of a non-credit invoice with lines;
    a header whose lines have not arrived yet is no order yet, as in int_clv_customer_summary). -#}
with invoices as (

    select
        'erp:' || i.customer_id as customer_key,
        i.invoice_date,
        coalesce(i.is_credit_note, false) as is_credit_note
    from {{ ref('stg_erp__sales_invoices') }} as i
    where exists (select 1 from {{ ref('stg_erp__sales_invoice_lines') }} as l where l.invoice_id = i.invoice_id)

)

select
    customer_key,
    min(case when not is_credit_note then invoice_date end) as first_invoice_date,
    max(case when not is_credit_note then invoice_date end) as last_invoice_date,
    count(case when not is_credit_note then 1 end) as invoices,
    count(distinct case when not is_credit_note then invoice_date end) as order_days
from invoices
group by customer_key
