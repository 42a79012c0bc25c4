{#- One row per customer with revenue, invoice lines or allocated cost in any month: the figures
    of mart_customer_profitability summed over all months, with the customer's lifecycle status
    and segment from dim_customer. -#}
{%- set money = ['revenue', 'discounts', 'cost_of_goods', 'gross_margin'] + var('cost_categories') + ['cost_to_serve', 'net_profit'] %}
with monthly as (

    select * from {{ ref('mart_customer_profitability') }}

),

summed as (

    select
        customer_key,
        {%- for m in money %}
        cast(sum({{ m }}) as decimal(18, 2)) as {{ m }},
        {%- endfor %}
        cast(sum(invoice_lines) as bigint) as invoice_lines,
        min(month) as first_month,
        max(month) as last_month,
        count(*) as months
    from monthly
    group by customer_key

)

select
    s.customer_key,
    {%- for m in money %}
    s.{{ m }},
    {%- endfor %}
    case when s.revenue > 0 then cast(100.0 * s.net_profit / s.revenue as double) end as net_margin_pct,
    case when s.revenue > 0 then cast(100.0 * s.gross_margin / s.revenue as double) end as gross_margin_pct,
    s.invoice_lines,
    s.first_month,
    s.last_month,
    s.months,
    d.lifecycle_status,
    coalesce(d.segment_key, {{ segment_key('cast(null as string)', size_class('cast(null as bigint)'), 'cast(null as string)') }}) as segment_key,
    d.customer_key is not null as is_in_dim_customer
from summed as s
left join {{ ref('dim_customer') }} as d on s.customer_key = d.customer_key
