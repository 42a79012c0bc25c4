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

{#- A text value of a dbt var as a SQL literal; null when empty. -#}
{% macro whatif_text_or_null(value) -%}
{%- if value is none or (value | string | trim) == '' -%}cast(null as string)
{%- else -%}cast('{{ value | string | trim | replace("'", "''") }}' as string){%- endif -%}
{%- endmacro %}
