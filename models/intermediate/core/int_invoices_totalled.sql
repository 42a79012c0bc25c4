{#- One row per invoice and invoice date with lines: the invoice's revenue, cost of goods and line
    count, summed from int_sales_lines (credit notes and orphan lines included), with its customer,
    credit-note flag and due date. An invoice with a header has one row (its header's date); the
    lines of an invoice whose header has not arrived (customer_key 'unknown', `is_orphan`) are dated
    by their delivery, one row per date. The per-invoice and per-customer-day figures downstream
    (overdue days, order moments, purchase days, revenue to date) read this instead of the lines.

    Incremental (macros/incremental.sql): a run rebuilds the invoices with a line int_sales_lines
    loaded after the newest `source_loaded_at` here (a new or corrected line, a changed header: the
    lines carry the newer of the two). Every row of such an invoice is replaced (unique_key
    invoice_id), so an orphan that got its header loses its delivery-dated rows. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='invoice_id',
    on_schema_change='append_new_columns'
) }}
{%- set incremental = incremental_ready(['source_loaded_at', 'built_at']) %}
{%- if incremental %}
with changed_invoices as (

    select distinct invoice_id from {{ ref('int_sales_lines') }} where {{ loaded_after_watermark('source_loaded_at') }}

),
{%- else %}
with
{%- endif %}

totals as (

    select
        invoice_id,
        invoice_date,
        customer_key,
        is_credit_note,
        is_orphan,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(cost_of_goods) as decimal(18, 2)) as cost_of_goods,
        count(*) as invoice_lines,
        max(source_loaded_at) as source_loaded_at
    from {{ ref('int_sales_lines') }}
    {%- if incremental %}
    where invoice_id in (select invoice_id from changed_invoices)
    {%- endif %}
    group by invoice_id, invoice_date, customer_key, is_credit_note, is_orphan

)

select
    t.invoice_id,
    t.invoice_date,
    t.customer_key,
    t.is_credit_note,
    t.is_orphan,
    i.due_date,
    t.revenue,
    t.cost_of_goods,
    t.invoice_lines,
    t.source_loaded_at,
    {{ built_at() }} as built_at
from totals as t
left join {{ ref('stg_erp__sales_invoices') }} as i
    on t.invoice_id = i.invoice_id and not t.is_orphan
