{#- What-if levers (docs block whatif_levers): shared definitions of mart_segment_sensitivity,
    mart_customer_sensitivity and mart_scenario_profitability. -#}

{#- True for a month inside the what-if period (var whatif_period: 'all' or a calendar year). -#}
{% macro whatif_in_period(month_expr) -%}
{%- set period = var('whatif_period') | string | trim -%}
{%- if period == 'all' -%}
true
{%- else -%}
cast(extract(year from {{ month_expr }}) as string) = '{{ period }}'
{%- endif -%}
{%- endmacro %}

{#- The lever change, in %, that brings net profit to zero: -net_profit / profit_change_per_pct;
    null when the lever moves nothing or the change lies outside ±100 %. -#}
{% macro whatif_break_even_pct(net_profit, change_per_pct) -%}
case
    when {{ change_per_pct }} <> 0
         and abs(-1.0 * cast({{ net_profit }} as double) / {{ change_per_pct }}) <= 100
        then -1.0 * cast({{ net_profit }} as double) / {{ change_per_pct }}
end
{%- endmacro %}

{#- True when moving the lever by at most pct % (either way) turns a profit into a loss or a
    loss into a profit. -#}
{% macro whatif_flips_within(net_profit, change_per_pct, pct) -%}
(
    (cast({{ net_profit }} as double) > 0 and cast({{ net_profit }} as double) - {{ pct }} * abs({{ change_per_pct }}) < 0)
    or (cast({{ net_profit }} as double) < 0 and cast({{ net_profit }} as double) + {{ pct }} * abs({{ change_per_pct }}) > 0)
)
{%- endmacro %}

{#- The CTEs both sensitivity marts share (mart_segment_sensitivity, mart_customer_sensitivity):
    one row per entity × what-if lever (seed whatif_levers), with the lever's lines of the entity
    over the what-if period (var whatif_period):
      lever_names  the levers of the seed
      moved        per entity and lever: the revenue lines (profit_sign > 0), the cost lines
                   (profit_sign < 0) and the profit they carry (int_whatif_lever_lines)
      sensitivity  every column of `entities` × every lever, the amounts above (0 where the lever
                   moves nothing) and profit_change_per_pct: the profit change of +1 % of the lever
                   (every lever scales its lines linearly: x % moves profit x × this)
    `entities` is a CTE with one row per `key` (and the columns revenue, net_profit); the lever lines
    reach an entity through `customer_map` (a CTE with customer_key and `key`), or through
    `entities` itself when `key` is customer_key. Call after the `with` and the entities CTE. -#}
{% macro whatif_sensitivity_ctes(entities, key, customer_map=none) -%}
lever_names as (

    select distinct trim(lever) as lever from {{ ref('whatif_levers') }} where lever is not null

),

moved as (

    select
        k.{{ key }},
        l.lever,
        sum(case when l.profit_sign > 0 then l.amount else 0 end) as lever_revenue_amount,
        sum(case when l.profit_sign < 0 then l.amount else 0 end) as lever_cost_amount,
        sum(l.profit_sign * l.amount) as lever_profit_amount
    from {{ ref('int_whatif_lever_lines') }} as l
    inner join {{ customer_map or entities }} as k on l.customer_key = k.customer_key
    group by k.{{ key }}, l.lever

),

sensitivity as (

    select
        e.*,
        n.lever,
        coalesce(m.lever_revenue_amount, 0) as lever_revenue_amount,
        coalesce(m.lever_cost_amount, 0) as lever_cost_amount,
        cast(coalesce(m.lever_profit_amount, 0) as double) / 100.0 as profit_change_per_pct
    from {{ entities }} as e
    cross join lever_names as n
    left join moved as m on e.{{ key }} = m.{{ key }} and n.lever = m.lever

)
{%- endmacro %}

{#- The sensitivity figures both sensitivity marts publish, in their contract order, from a
    `sensitivity` row (alias `s`): revenue and net profit over the period, the lever's revenue and
    cost lines, the profit change per +1 %, the break-even change (macro whatif_break_even_pct) and
    whether a ±10 % move turns the sign (macro whatif_flips_within). -#}
{% macro whatif_sensitivity_columns(s) -%}
cast({{ s }}.revenue as decimal(18, 2)) as revenue,
    cast({{ s }}.net_profit as decimal(18, 2)) as net_profit,
    cast({{ s }}.lever_revenue_amount as decimal(18, 2)) as lever_revenue_amount,
    cast({{ s }}.lever_cost_amount as decimal(18, 2)) as lever_cost_amount,
    cast({{ s }}.profit_change_per_pct as double) as profit_change_per_pct,
    cast({{ whatif_break_even_pct(s ~ '.net_profit', s ~ '.profit_change_per_pct') }} as double) as break_even_change_pct,
    {{ whatif_flips_within(s ~ '.net_profit', s ~ '.profit_change_per_pct', 10) }} as flips_within_10pct
{%- endmacro %}

{#- A text value of a dbt var as a SQL literal; null when empty. -#}
{% macro whatif_text_or_null(value) -%}
{%- if value is none or (value | string | trim) == '' -%}cast(null as string)
{%- else -%}cast('{{ value | string | trim | replace("'", "''") }}' as string){%- endif -%}
{%- endmacro %}
