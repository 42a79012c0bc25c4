{#- One row per segment per period: period is a calendar year as text ('2025') or 'all' for the
    whole history. Figures are sums over the customers of the segment (current segment from
    dim_customer) and their months in the period; each cost category is also given as % of
    revenue and as an index against the company average of the same period (100 = the company's
    cost per euro of revenue; above 100 the segment costs more per euro than average). -#}
{%- set categories = var('cost_categories') %}
{%- set money = ['revenue', 'discounts', 'cost_of_goods', 'gross_margin'] + categories + ['cost_to_serve', 'net_profit'] %}
{%- set ratios = categories + ['cost_to_serve', 'gross_margin', 'net_profit', 'discounts'] %}
-- the months summed per customer and year first (6.8 M customer-months of the 100k benchmark to
-- 0.5 M customer-years), and the whole history read from the customer totals, so that the segments
-- count customers with count(*), not count(distinct) over the months
with customer_years as (

    select
        customer_key,
        cast(extract(year from month) as string) as year,
        max(case when invoice_lines > 0 then 1 else 0 end) as has_lines,
        {%- for m in money %}
        sum({{ m }}) as {{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('mart_customer_profitability') }}
    group by customer_key, cast(extract(year from month) as string)

),

yearly as (

    select y.*, t.segment_key
    from customer_years as y
    inner join {{ ref('mart_customer_profitability_total') }} as t on y.customer_key = t.customer_key

),

by_period as (

    -- customers: accounts with invoice lines in the period; accounts with cost only (prospects,
    -- customers between orders) are counted apart
    select
        segment_key,
        year as period,
        cast(sum(has_lines) as bigint) as customers,
        cast(count(*) - sum(has_lines) as bigint) as cost_only_accounts,
        {%- for m in money %}
        sum({{ m }}) as {{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from yearly
    group by segment_key, year

    union all

    -- the whole history: the customer totals (every customer of the months above, once)
    select
        segment_key,
        'all' as period,
        cast(count(case when invoice_lines > 0 then 1 end) as bigint) as customers,
        cast(count(*) - count(case when invoice_lines > 0 then 1 end) as bigint) as cost_only_accounts,
        {%- for m in money %}
        sum({{ m }}) as {{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('mart_customer_profitability_total') }}
    group by segment_key

),

company as (

    select
        period,
        {%- for r in ratios %}
        -- decimal / decimal is double division in DuckDB; written out so Spark (decimal division,
        -- 6 decimals) computes the same figure
        cast(100.0 * sum({{ r }}) as double) / cast(nullif(sum(case when revenue > 0 then revenue end), 0) as double) as {{ r }}_pct_of_revenue{{ ',' if not loop.last }}
        {%- endfor %}
    from by_period
    -- company ratios over segments with positive revenue, the same base as the segment ratios
    where revenue > 0
    group by period

)

select
    s.segment_key,
    s.period,
    s.customers,
    s.cost_only_accounts,
    {%- for m in money %}
    cast(s.{{ m }} as decimal(18, 2)) as {{ m }},
    {%- endfor %}
    case when s.revenue > 0 then cast(100.0 * s.net_profit / s.revenue as double) end as net_margin_pct,
    case when s.revenue > 0 then cast(100.0 * s.gross_margin / s.revenue as double) end as gross_margin_pct,
    cast(s.revenue / nullif(s.customers, 0) as decimal(18, 2)) as revenue_per_customer,
    cast(s.cost_to_serve / nullif(s.customers, 0) as decimal(18, 2)) as cost_to_serve_per_customer,
    cast(s.net_profit / nullif(s.customers, 0) as decimal(18, 2)) as net_profit_per_customer,
    {%- for r in ratios %}
    case when s.revenue > 0 then cast(100.0 * s.{{ r }} as double) / cast(s.revenue as double) end as {{ r }}_pct_of_revenue,
    case when s.revenue > 0
         then cast(100.0 * (cast(100.0 * s.{{ r }} as double) / cast(s.revenue as double)) / nullif(c.{{ r }}_pct_of_revenue, 0) as double)
    end as {{ r }}_index{{ ',' if not loop.last }}
    {%- endfor %}
from by_period as s
left join company as c on s.period = c.period
