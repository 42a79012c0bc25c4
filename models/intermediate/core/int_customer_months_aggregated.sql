{#- One row per customer_key per month with invoice lines: revenue, discounts, cost of goods and
    line counts, credit notes and orphan lines included (orphans under customer_key 'unknown'),
    so it reconciles to int_sales_lines. Invoice lines are aggregated to this grain once, here;
    the per-customer and per-period models downstream read this instead of the lines.

    Incremental (macros/incremental.sql): a run rebuilds every month of the customers whose lines
    int_sales_lines rebuilt since this model's last build, and of the customers those lines
    belonged to before (`prior_customer_key`: an invoice moved to another customer). dbt's
    delete+insert only deletes the keys its batch holds, so each rebuilt customer also gets one
    placeholder row (month null): a customer left without lines loses its old rows too, and the
    post-hook removes the placeholders. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_key',
    on_schema_change='append_new_columns',
    post_hook=(["delete from {{ this }} where month is null"] if target.type != "spark" else [])
) }}
{%- set incremental = incremental_ready(['source_loaded_at']) %}
{%- if incremental %}
with affected_customers as (

    {{ customers_of_rebuilt_lines() }}

){% endif %}

select
    customer_key,
    invoice_month as month,
    cast(sum(revenue) as decimal(18, 2)) as revenue,
    cast(sum(discount_amount) as decimal(18, 2)) as discount_amount,
    cast(sum(cost_of_goods) as decimal(18, 2)) as cost_of_goods,
    count(*) as invoice_lines,
    count(case when not is_credit_note then 1 end) as order_lines,
    max(source_loaded_at) as source_loaded_at,
    {{ built_at() }} as built_at
from {{ ref('int_sales_lines') }} as lines
{%- if incremental %}
where customer_key in (select customer_key from affected_customers)
{%- endif %}
group by customer_key, invoice_month
{%- if incremental %}

union all

select
    customer_key,
    cast(null as date) as month,
    cast(0 as decimal(18, 2)) as revenue,
    cast(0 as decimal(18, 2)) as discount_amount,
    cast(0 as decimal(18, 2)) as cost_of_goods,
    cast(0 as bigint) as invoice_lines,
    cast(0 as bigint) as order_lines,
    cast(null as timestamp) as source_loaded_at,
    {{ built_at() }} as built_at
from affected_customers
{%- endif %}
