{#- One row per segment × what-if lever (seed whatif_levers): the segment's net profit over the
    what-if period (var whatif_period, a period of mart_segment_profitability), how much it moves
    per +1 % of the lever, the lever change that brings it to zero and whether a ±10 % change
    turns its sign. Every lever scales P&L lines linearly (docs block whatif_levers), so the
    profit change of x % is x × profit_change_per_pct. -#}
{%- set period = var('whatif_period') | string | trim %}
with segments as (

    select segment_key, revenue, net_profit
    from {{ ref('mart_segment_profitability') }}
    where period = '{{ period }}'

),

lever_names as (

    select distinct trim(lever) as lever from {{ ref('whatif_levers') }} where lever is not null

),

customer_segments as (

    select customer_key, segment_key from {{ ref('mart_customer_profitability_total') }}

),

moved as (

    select
        c.segment_key,
        l.lever,
        sum(case when l.profit_sign > 0 then l.amount else 0 end) as lever_revenue_amount,
        sum(case when l.profit_sign < 0 then l.amount else 0 end) as lever_cost_amount,
        sum(l.profit_sign * l.amount) as lever_profit_amount
    from {{ ref('int_whatif_lever_lines') }} as l
    inner join customer_segments as c on l.customer_key = c.customer_key
    group by c.segment_key, l.lever

),

sensitivity as (

    select
        s.segment_key,
        n.lever,
        s.revenue,
        s.net_profit,
        coalesce(m.lever_revenue_amount, 0) as lever_revenue_amount,
        coalesce(m.lever_cost_amount, 0) as lever_cost_amount,
        cast(coalesce(m.lever_profit_amount, 0) as double) / 100.0 as profit_change_per_pct
    from segments as s
    cross join lever_names as n
    left join moved as m on s.segment_key = m.segment_key and n.lever = m.lever

)

select
    cast(segment_key as string) as segment_key,
    cast(lever as string) as lever,
    cast('{{ period }}' as string) as period,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(net_profit as decimal(18, 2)) as net_profit,
    cast(lever_revenue_amount as decimal(18, 2)) as lever_revenue_amount,
    cast(lever_cost_amount as decimal(18, 2)) as lever_cost_amount,
    cast(profit_change_per_pct as double) as profit_change_per_pct,
    cast({{ whatif_break_even_pct('net_profit', 'profit_change_per_pct') }} as double) as break_even_change_pct,
    {{ whatif_flips_within('net_profit', 'profit_change_per_pct', 10) }} as flips_within_10pct,
    -- in decimals (10 % of the lines moved), so both engines round the half cent alike
    cast(round(net_profit - (lever_revenue_amount - lever_cost_amount) * cast(0.1 as decimal(2, 1)), 2) as decimal(18, 2))
        as net_profit_at_minus_10pct,
    cast(round(net_profit + (lever_revenue_amount - lever_cost_amount) * cast(0.1 as decimal(2, 1)), 2) as decimal(18, 2))
        as net_profit_at_plus_10pct
from sensitivity
