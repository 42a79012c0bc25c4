{#- One row per customer and purchase day: the purchases the CLV models count (docs block
    clv_summary_window). A purchase is a customer-day with a non-credit invoice whose revenue
    (invoice lines of that day summed, credit notes included) is not negative: a day that credit
    notes outweigh is no purchase, a free delivery (revenue 0, as in CDNOW) is one. Every day of
    the data, calibration and holdout alike: int_clv_customer_summary cuts the windows, clv_tracking
    counts them week by week. Read from the invoice totals, not the lines. -#}
with customer_days as (

    select
        customer_key,
        invoice_date,
        sum(revenue) as revenue,
        sum(case when not is_credit_note then invoice_lines else 0 end) as order_lines
    from {{ ref('int_invoices_totalled') }}
    where not is_orphan
    group by customer_key, invoice_date

)

select
    customer_key,
    invoice_date,
    revenue
from customer_days
where order_lines > 0
  and revenue >= 0
