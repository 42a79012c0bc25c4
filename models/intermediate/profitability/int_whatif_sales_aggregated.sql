{#- One row per customer_key × product group with invoice lines in the what-if period (var
    whatif_period: 'all' or a calendar year): revenue and cost of goods summed from int_sales_lines
    (credit notes included): the sales lines of int_whatif_lever_lines, read from here instead of the
    18.6 M lines of the 100k benchmark.

    Incremental by customer (docs/design.md, "Incremental refresh"): a run
    recomputes the customers of the lines int_sales_lines wrote since this model's newest
    `built_at`, and the customers those lines belonged to before (`prior_customer_key`); every
    customer when its rows were computed for another var whatif_period (kept in `whatif_period`).
    Each such customer also gets a placeholder row (product_group null), so a customer left without
    lines in the period loses its rows; the post-hook removes the placeholders. A table built by an
    older version is emptied by the pre-hook and rebuilt in full. -#}
{{ config(**rebuilt_by_key_config('customer_key', 'product_group', ['whatif_period', 'built_at'])) }}
{%- set incremental = incremental_ready(['whatif_period', 'built_at']) %}
{%- set period = var('whatif_period') | string | trim %}
{%- if incremental %}
with affected_customers as (

    -- lines written since this model's newest row (a customer without lines in the period has no
    -- row here, so the watermark is when this model last wrote, not the lines' load time)
    {{ customers_of_rebuilt_lines('built_at') }}
    union
    -- another period: every customer, those with rows here and those with lines
    select customer_key from {{ this }} where whatif_period <> '{{ period }}'
    union
    select distinct customer_key from {{ ref('int_sales_lines') }}
    where exists (select 1 from {{ this }} where whatif_period <> '{{ period }}')

),
{%- else %}
with
{%- endif %}

sales as (

    select
        customer_key,
        product_group,
        sum(revenue) as revenue,
        sum(cost_of_goods) as cost_of_goods
    from {{ ref('int_sales_lines') }}
    where {{ whatif_in_period('invoice_month') }}
    {%- if incremental %}
      and customer_key in (select customer_key from affected_customers)
    {%- endif %}
    group by customer_key, product_group

)

select
    customer_key,
    product_group,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(cost_of_goods as decimal(18, 2)) as cost_of_goods,
    cast('{{ period }}' as {{ dbt.type_string() }}) as whatif_period,
    {{ built_at() }} as built_at
from sales
{%- if incremental %}

union all

-- one placeholder row per recomputed customer (removed by the post-hook)
select
    customer_key,
    cast(null as {{ dbt.type_string() }}),
    cast(null as decimal(18, 2)),
    cast(null as decimal(18, 2)),
    cast('{{ period }}' as {{ dbt.type_string() }}),
    {{ built_at() }}
from affected_customers
{%- endif %}
