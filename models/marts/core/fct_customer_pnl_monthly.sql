{#- One row per customer per month with revenue, invoice lines or allocated cost: the customer P&L
    every subject reads (core fact; mart_customer_profitability serves it as it is). Revenue and
    cost of goods come from int_sales_lines, read as its customer × month aggregate
    int_customer_months_aggregated (credit notes included), operating cost from the ledger
    through int_cost_allocations_unioned, pivoted into the cost categories (var cost_categories,
    the categories of seed cost_center_drivers). Month-partitioned (macros/incremental.sql): a
    run rebuilds only the months whose sales aggregates or allocated cost changed; var
    cost_categories is part of the fingerprint its rows carry, so changing it rebuilds every month. -#}
{%- set categories = var('cost_categories') %}
{{ config(**month_partitioned_config('pnl_fingerprint', ['cost_categories'])) }}
{%- set incremental = incremental_ready(['inputs_fingerprint', 'built_at']) %}
with {{ month_partitioned_ctes('pnl_fingerprint', ['cost_categories']) }}

sales as (

    select customer_key, month, revenue, discount_amount as discounts, cost_of_goods, invoice_lines
    from {{ ref('int_customer_months_aggregated') }}
    where {{ in_rebuilt_months(incremental) }}

),

costs as (

    select
        customer_key,
        month,
        {%- for c in categories %}
        sum(case when cost_category = '{{ c }}' then amount else 0 end) as {{ c }},
        {%- endfor %}
        sum(case when cost_category not in ('{{ categories | join("', '") }}') then amount else 0 end) as other_category
    from {{ ref('int_cost_allocations_unioned') }}
    where {{ in_rebuilt_months(incremental) }}
    group by customer_key, month

),

joined as (

    select
        coalesce(s.customer_key, c.customer_key) as customer_key,
        coalesce(s.month, c.month) as month,
        coalesce(s.invoice_lines, 0) as invoice_lines,
        cast(coalesce(s.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(s.discounts, 0) as decimal(18, 2)) as discounts,
        cast(coalesce(s.cost_of_goods, 0) as decimal(18, 2)) as cost_of_goods,
        {%- for c in categories %}
        {%- if c == 'overhead' %}
        -- a category outside the list (a typo in the seed) is counted as overhead, never lost
        cast(coalesce(c.overhead, 0) + coalesce(c.other_category, 0) as decimal(18, 2)) as overhead{{ ',' if not loop.last }}
        {%- else %}
        cast(coalesce(c.{{ c }}, 0) as decimal(18, 2)) as {{ c }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from sales as s
    full outer join costs as c on s.customer_key = c.customer_key and s.month = c.month

),

totals as (

    select
        *,
        cast(revenue - cost_of_goods as decimal(18, 2)) as gross_margin,
        cast({{ categories | join(' + ') }} as decimal(18, 2)) as cost_to_serve
    from joined

)

select
    t.customer_key,
    t.month,
    t.revenue,
    t.discounts,
    cost_of_goods,
    gross_margin,
    {%- for c in categories %}
    {{ c }},
    {%- endfor %}
    cost_to_serve,
    cast(gross_margin - cost_to_serve as decimal(18, 2)) as net_profit,
    case when revenue > 0 then cast(100.0 * (gross_margin - cost_to_serve) / revenue as double) end as net_margin_pct,
    case when revenue > 0 then cast(100.0 * gross_margin / revenue as double) end as gross_margin_pct,
    invoice_lines,
    f.inputs_fingerprint,
    {{ built_at() }} as built_at
from totals as t
left join fingerprints as f on t.month = f.month
