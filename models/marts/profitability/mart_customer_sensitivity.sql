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

lever_names as (

    select distinct trim(lever) as lever from {{ ref('whatif_levers') }} where lever is not null

),

moved as (

    select
        l.customer_key,
        l.lever,
        sum(case when l.profit_sign > 0 then l.amount else 0 end) as lever_revenue_amount,
        sum(case when l.profit_sign < 0 then l.amount else 0 end) as lever_cost_amount,
        sum(l.profit_sign * l.amount) as lever_profit_amount
    from {{ ref('int_whatif_lever_lines') }} as l
    inner join top_customers as t on l.customer_key = t.customer_key
    group by l.customer_key, l.lever

),

sensitivity as (

    select
        t.customer_key,
        t.revenue_rank,
        n.lever,
        t.revenue,
        t.net_profit,
        coalesce(m.lever_revenue_amount, 0) as lever_revenue_amount,
        coalesce(m.lever_cost_amount, 0) as lever_cost_amount,
        cast(coalesce(m.lever_profit_amount, 0) as double) / 100.0 as profit_change_per_pct
    from top_customers as t
    cross join lever_names as n
    left join moved as m on t.customer_key = m.customer_key and n.lever = m.lever

)

select
    cast(s.customer_key as string) as customer_key,
    cast(s.lever as string) as lever,
    cast('{{ period }}' as string) as period,
    cast(s.revenue_rank as bigint) as revenue_rank,
    cast(c.segment_key as string) as segment_key,
    cast(s.revenue as decimal(18, 2)) as revenue,
    cast(s.net_profit as decimal(18, 2)) as net_profit,
    cast(s.lever_revenue_amount as decimal(18, 2)) as lever_revenue_amount,
    cast(s.lever_cost_amount as decimal(18, 2)) as lever_cost_amount,
    cast(s.profit_change_per_pct as double) as profit_change_per_pct,
    cast({{ whatif_break_even_pct('s.net_profit', 's.profit_change_per_pct') }} as double) as break_even_change_pct,
    {{ whatif_flips_within('s.net_profit', 's.profit_change_per_pct', 10) }} as flips_within_10pct
from sensitivity as s
left join {{ ref('mart_customer_profitability_total') }} as c on s.customer_key = c.customer_key
