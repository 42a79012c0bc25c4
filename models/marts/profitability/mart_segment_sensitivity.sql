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

customer_segments as (

    select customer_key, segment_key from {{ ref('mart_customer_profitability_total') }}

),

-- lever_names, moved, sensitivity: one row per segment × lever (macro whatif_sensitivity_ctes)
{{ whatif_sensitivity_ctes('segments', 'segment_key', customer_map='customer_segments') }}

select
    cast(s.segment_key as string) as segment_key,
    cast(s.lever as string) as lever,
    cast('{{ period }}' as string) as period,
    {{ whatif_sensitivity_columns('s') }},
    -- in decimals (10 % of the lines moved), so both engines round the half cent alike
    cast(round(s.net_profit - (s.lever_revenue_amount - s.lever_cost_amount) * cast(0.1 as decimal(2, 1)), 2) as decimal(18, 2))
        as net_profit_at_minus_10pct,
    cast(round(s.net_profit + (s.lever_revenue_amount - s.lever_cost_amount) * cast(0.1 as decimal(2, 1)), 2) as decimal(18, 2))
        as net_profit_at_plus_10pct
from sensitivity as s
