{#- One row per customer and purchase day: the purchases the CLV models count (docs block
    clv_summary_window). A purchase is a customer-day with a non-credit invoice whose revenue
    (invoice lines of that day summed, credit notes included) is not negative: a day that credit
    notes outweigh is no purchase, a free delivery (revenue 0, as in CDNOW) is one. Every day of
    the data, calibration and holdout alike: int_clv_customer_summary cuts the windows, clv_tracking
    counts them week by week. Read from the invoice totals, not the lines.

    Incremental (macros/incremental.sql), as int_customer_months_aggregated: a run rebuilds every
    purchase day of the customers whose lines int_sales_lines rebuilt since this model's last
    build, and of the customers those lines belonged to before (`prior_customer_key`). Each rebuilt
    customer also gets one placeholder row (invoice_date null), so a customer left without purchase
    days loses its old ones; the post-hook removes the placeholders. A table built by an older
    version is emptied by the pre-hook and rebuilt in full. -#}
{{ config(**rebuilt_by_key_config('customer_key', 'invoice_date', ['source_loaded_at', 'built_at'])) }}
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

customer_days as (

    select
        customer_key,
        invoice_date,
        sum(revenue) as revenue,
        sum(case when not is_credit_note then invoice_lines else 0 end) as order_lines,
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
    invoice_date,
    revenue,
    source_loaded_at,
    {{ built_at() }} as built_at
from customer_days
where order_lines > 0
  and revenue >= 0
{%- if incremental %}

union all

select
    customer_key,
    cast(null as date) as invoice_date,
    cast(0 as decimal(38, 2)) as revenue,
    cast(null as timestamp) as source_loaded_at,
    {{ built_at() }} as built_at
from affected_customers
{%- endif %}
