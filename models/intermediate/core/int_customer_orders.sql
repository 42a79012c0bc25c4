{#- One row per customer_key that has at least one invoice with lines: first and last order dates
    and order counts (an order moment = a distinct invoice date of a non-credit invoice with lines;
    a header whose lines have not arrived yet is no order yet, as in int_clv_customer_summary).
    Read from the invoice totals (one row per invoice with a header and lines), not the lines.
    Incremental (macros/incremental.sql), as int_clv_purchase_days: a run recomputes the customers
    whose lines int_sales_lines rebuilt since this model's last build, and the customers those lines
    belonged to before (`prior_customer_key`). Each such customer also gets a placeholder row
    (`invoices` null), so a customer left without invoices loses its row; the post-hook removes the
    placeholders. A table built by an older version is emptied by the pre-hook and rebuilt in full. -#}
{{ config(**rebuilt_by_key_config('customer_key', 'invoices', ['source_loaded_at', 'built_at'])) }}
{%- set incremental = incremental_ready(['source_loaded_at', 'built_at']) %}
-- depends_on: {{ ref('int_sales_lines') }}
{#- (int_sales_lines is read only in an incremental run, to find the customers to rebuild) #}
{%- if incremental %}
with affected_customers as (

    {{ customers_of_rebuilt_lines() }}

),
{%- else %}
with
{%- endif %}

-- per customer and day first: the distinct order days are then a count, not a count(distinct)
invoice_days as (

    select
        customer_key,
        invoice_date,
        count(case when not is_credit_note then 1 end) as invoices,
        max(source_loaded_at) as source_loaded_at
    from {{ ref('int_invoices_totalled') }}
    where not is_orphan
    {%- if incremental %}
      and customer_key in (select customer_key from affected_customers)
    {%- endif %}
    group by customer_key, invoice_date

)

select
    customer_key,
    min(case when invoices > 0 then invoice_date end) as first_invoice_date,
    max(case when invoices > 0 then invoice_date end) as last_invoice_date,
    cast(sum(invoices) as bigint) as invoices,
    count(case when invoices > 0 then 1 end) as order_days,
    max(source_loaded_at) as source_loaded_at,
    {{ built_at() }} as built_at
from invoice_days
group by customer_key
{%- if incremental %}

union all

select
    customer_key,
    cast(null as date),
    cast(null as date),
    cast(null as bigint),
    cast(null as bigint),
    cast(null as timestamp),
    {{ built_at() }}
from affected_customers
{%- endif %}
