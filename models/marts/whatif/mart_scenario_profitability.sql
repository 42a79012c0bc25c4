{#- One row per what-if scenario × segment: the segment P&L over the what-if period (var
    whatif_period) as it is and under the scenario (seed whatif_scenarios plus var
    whatif_scenarios), with the segment attractiveness rank before and after and the target-list
    companies of the segment. A scenario row moves one lever (seed whatif_levers) by change_pct,
    for every customer or one segment, and for price / purchase_terms optionally one product
    group; the lines it moves scale linearly (docs block whatif_scenarios). The rank under the
    scenario re-ranks mart_segment_attractiveness with the margin and cost-of-sales scores of the
    scorecard moved by the scenario (docs block whatif_scenarios). -#}
{%- set period = var('whatif_period') | string | trim %}
{%- set w_hist = var('attractiveness_weight_history') %}
{%- set w_assess = var('attractiveness_weight_assessment') %}
{%- set scorecard_metrics = [
    ('margin', 'gross_margin_pct'), ('cost_of_sales', 'cost_of_sales_pct'),
    ('sales_effort', 'sales_effort_minutes_per_customer'), ('market_penetration', 'market_penetration_pct'),
    ('hit_rate', 'hit_rate_pct'), ('growth', 'revenue_growth_pct'),
    ('miss', 'lost_to_competitor_value_pct'), ('whitespace', 'whitespace_room_pct'),
] %}
{%- set extra = var('whatif_scenarios') or [] %}
with scenario_rows as (

    select
        trim(scenario) as scenario,
        trim(lever) as lever,
        nullif(trim(segment_key), '') as segment_key,
        nullif(trim(product_group), '') as product_group,
        cast(change_pct as double) as change_pct
    from {{ ref('whatif_scenarios') }}
    where scenario is not null and lever is not null and change_pct is not null
    {%- for r in extra %}
    union all
    select
        {{ whatif_text_or_null(r.get('scenario')) }},
        {{ whatif_text_or_null(r.get('lever')) }},
        {{ whatif_text_or_null(r.get('segment_key')) }},
        {{ whatif_text_or_null(r.get('product_group')) }},
        cast({{ r.get('change_pct') | float }} as double)
    {%- endfor %}

),

-- the change as an exact decimal factor (0.05 for +5 %), so the scenario figures are sums of decimals:
-- the same to the cent on every run and engine
scenario_factors as (

    select scenario, lever, segment_key, product_group, cast(change_pct / 100.0 as decimal(18, 8)) as change_factor
    from scenario_rows

),

scenarios as (

    select distinct scenario from scenario_rows

),

segments as (

    select segment_key, revenue, cost_of_goods, {{ cost_of_sales_categories() | join(', ') }}, net_profit
    from {{ ref('mart_segment_profitability') }}
    where period = '{{ period }}'

),

customer_segments as (

    select customer_key, segment_key from {{ ref('mart_customer_profitability_total') }}

),

-- each scenario row applied to the lever lines it reaches
effects as (

    select
        r.scenario,
        c.segment_key,
        sum(l.profit_sign * l.amount * r.change_factor) as profit_change,
        sum(case when l.pnl_line = 'revenue' then l.amount * r.change_factor else 0 end) as revenue_change,
        sum(case when l.pnl_line = 'cost_of_goods' then l.amount * r.change_factor else 0 end) as cost_of_goods_change,
        sum(case when l.pnl_line = 'cost' and {{ is_cost_of_sales_category('l.cost_category') }}
                 then l.amount * r.change_factor else 0 end) as cost_of_sales_change
    from scenario_factors as r
    inner join {{ ref('int_whatif_lever_lines') }} as l on r.lever = l.lever
    inner join customer_segments as c on l.customer_key = c.customer_key
    where (r.segment_key is null or r.segment_key = c.segment_key)
      and (r.product_group is null or r.product_group = l.product_group)
    group by r.scenario, c.segment_key

),

pnl as (

    select
        sc.scenario,
        s.segment_key,
        s.revenue as revenue_actual,
        s.revenue + coalesce(e.revenue_change, 0) as revenue_scenario,
        s.revenue - s.cost_of_goods as gross_margin_actual,
        s.revenue - s.cost_of_goods + coalesce(e.revenue_change, 0) - coalesce(e.cost_of_goods_change, 0)
            as gross_margin_scenario,
        {{ cost_of_sales_expr('s') }} as cost_of_sales_actual,
        {{ cost_of_sales_expr('s') }} + coalesce(e.cost_of_sales_change, 0) as cost_of_sales_scenario,
        s.net_profit as net_profit_actual,
        s.net_profit + coalesce(e.profit_change, 0) as net_profit_scenario
    from scenarios as sc
    cross join segments as s
    left join effects as e on sc.scenario = e.scenario and s.segment_key = e.segment_key

),

-- margin and cost of sales as an index of the company (100 = the company), before and after
company as (

    select
        scenario,
        {%- for what, base in [('margin', 'gross_margin'), ('cost_of_sales', 'cost_of_sales')] %}
        {%- for side in ['actual', 'scenario'] %}
        cast(sum(case when revenue_{{ side }} > 0 then {{ base }}_{{ side }} end) as double)
            / cast(nullif(sum(case when revenue_{{ side }} > 0 then revenue_{{ side }} end), 0) as double)
            as {{ what }}_{{ side }}{{ ',' if not (loop.last and what == 'cost_of_sales') }}
        {%- endfor %}
        {%- endfor %}
    from pnl
    group by scenario

),

indexed as (

    select
        p.*,
        {%- for what, base in [('margin', 'gross_margin'), ('cost_of_sales', 'cost_of_sales')] %}
        {%- for side in ['actual', 'scenario'] %}
        case when p.revenue_{{ side }} > 0
             then 100.0 * (cast(p.{{ base }}_{{ side }} as double) / cast(p.revenue_{{ side }} as double))
                  / nullif(c.{{ what }}_{{ side }}, 0)
        end as {{ what }}_index_{{ side }}{{ ',' if not (loop.last and what == 'cost_of_sales') }}
        {%- endfor %}
        {%- endfor %}
    from pnl as p
    inner join company as c on p.scenario = c.scenario

),

-- the scorecard's weights of the figures it can score (a figure no segment has drops out)
weights as (

    select
        {%- for name, column in scorecard_metrics %}
        case when count(case when has_customers then {{ column }} end) > 0 then {{ var('scorecard_weight_' ~ name) }} else 0 end
            as {{ name }}_weight{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('mart_segment_scorecard') }}

),

score_moves as (

    select
        i.scenario,
        i.segment_key,
        -- the change of the historical score: the margin and cost-of-sales scores move, the rest stays;
        -- pulled toward 50 by credibility as the scorecard does, then weighted into the attractiveness score
        case when sc.has_customers and sc.historical_score is not null then
            {{ w_hist }} * 1.0 / nullif({{ w_hist }} + {{ w_assess }}, 0)
            * sc.customers / (sc.customers + {{ var('scorecard_credibility_customers') }})
            * (w.margin_weight * (coalesce({{ distance_score('i.margin_index_scenario', true) }}, 50)
                                  - coalesce({{ distance_score('i.margin_index_actual', true) }}, 50))
               + w.cost_of_sales_weight * (coalesce({{ distance_score('i.cost_of_sales_index_scenario', false) }}, 50)
                                           - coalesce({{ distance_score('i.cost_of_sales_index_actual', false) }}, 50)))
            / nullif({% for name, column in scorecard_metrics %}w.{{ name }}_weight{{ ' + ' if not loop.last }}{% endfor %}, 0)
        end as attractiveness_score_change
    from indexed as i
    cross join weights as w
    inner join {{ ref('mart_segment_scorecard') }} as sc on i.segment_key = sc.segment_key

),

-- every ranked segment in every scenario (a segment without P&L in the period keeps its score)
ranked_input as (

    select
        sc.scenario,
        a.segment_key,
        a.attractiveness_rank,
        a.attractiveness_score,
        a.attractiveness_score + coalesce(m.attractiveness_score_change, 0) as attractiveness_score_scenario,
        a.has_evidence,
        a.historical_rank
    from scenarios as sc
    cross join {{ ref('mart_segment_attractiveness') }} as a
    left join score_moves as m on sc.scenario = m.scenario and a.segment_key = m.segment_key

),

reranked as (

    select
        *,
        row_number() over (
            partition by scenario
            order by case when has_evidence then 0 else 1 end,
                     attractiveness_score_scenario desc nulls last, historical_rank, segment_key
        ) as attractiveness_rank_scenario
    from ranked_input

),

targets as (

    select segment_key, count(*) as target_list_companies
    from {{ ref('mart_prospect_targets') }}
    group by segment_key

),

keys as (

    select scenario, segment_key from pnl
    union
    select scenario, segment_key from reranked

)

select
    cast(k.scenario as string) as scenario,
    cast(k.segment_key as string) as segment_key,
    cast('{{ period }}' as string) as period,
    cast(coalesce(p.revenue_actual, 0) as decimal(18, 2)) as revenue_actual,
    cast(round(coalesce(p.revenue_scenario, 0), 2) as decimal(18, 2)) as revenue_scenario,
    cast(coalesce(p.net_profit_actual, 0) as decimal(18, 2)) as net_profit_actual,
    cast(round(coalesce(p.net_profit_scenario, 0), 2) as decimal(18, 2)) as net_profit_scenario,
    cast(round(coalesce(p.net_profit_scenario, 0), 2) - coalesce(p.net_profit_actual, 0) as decimal(18, 2)) as net_profit_change,
    coalesce(p.net_profit_actual, 0) >= 0 and round(coalesce(p.net_profit_scenario, 0), 2) < 0 as turns_to_loss,
    coalesce(p.net_profit_actual, 0) < 0 and round(coalesce(p.net_profit_scenario, 0), 2) >= 0 as turns_to_profit,
    cast(r.attractiveness_rank as bigint) as attractiveness_rank_actual,
    cast(r.attractiveness_rank_scenario as bigint) as attractiveness_rank_scenario,
    cast(r.attractiveness_score as double) as attractiveness_score_actual,
    cast(r.attractiveness_score_scenario as double) as attractiveness_score_scenario,
    cast(case
        when r.attractiveness_rank is null then 'not ranked'
        when r.attractiveness_rank_scenario < r.attractiveness_rank then 'up'
        when r.attractiveness_rank_scenario > r.attractiveness_rank then 'down'
        else 'unchanged'
    end as string) as rank_move,
    cast(coalesce(t.target_list_companies, 0) as bigint) as target_list_companies
from keys as k
left join pnl as p on k.scenario = p.scenario and k.segment_key = p.segment_key
left join reranked as r on k.scenario = r.scenario and k.segment_key = r.segment_key
left join targets as t on k.segment_key = t.segment_key
