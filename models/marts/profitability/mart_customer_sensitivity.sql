{#- One row per customer × what-if lever (seed whatif_levers) for the top var
    whatif_top_customers customers by revenue over the what-if period (var whatif_period): the
    customer's net profit over the period, how much it moves per +1 % of the lever, the lever change
    that brings it to zero and whether a ±10 % change turns its sign, so sales sees which large
    accounts sit on a knife's edge. Same definitions as mart_segment_sensitivity. -#}
{%- set period = var('whatif_period') | string | trim %}
with customers as (

    select
        customer_key,
        sum(revenue) as revenue,
        sum(net_profit) as net_profit
    from {{ ref('mart_customer_profitability') }}
    where {{ whatif_in_period('month') }}
      and customer_key <> 'unknown'
    group by customer_key

),

ranked as (

    select
        *,
        row_number() over (order by revenue desc, customer_key) as revenue_rank
    from customers
    where revenue > 0

),

top_customers as (

    select * from ranked where revenue_rank <= {{ var('whatif_top_customers') }}

),

-- lever_names, moved, sensitivity: one row per top customer × lever (macro whatif_sensitivity_ctes)
{{ whatif_sensitivity_ctes('top_customers', 'customer_key') }}

select
    cast(s.customer_key as string) as customer_key,
    cast(s.lever as string) as lever,
    cast('{{ period }}' as string) as period,
    cast(s.revenue_rank as bigint) as revenue_rank,
    cast(c.segment_key as string) as segment_key,
    {{ whatif_sensitivity_columns('s') }}
from sensitivity as s
left join {{ ref('mart_customer_profitability_total') }} as c on s.customer_key = c.customer_key
