{#- Business rules of the segmentation subject (models/*/segmentation). -#}

{#- An RFM score 1..var('rfm_score_levels') from a percent rank (0..1): equal values share a score,
    the lowest value scores 1 and the highest scores the top level. -#}
{% macro rfm_score(percent_rank_expr) -%}
cast(least({{ var('rfm_score_levels') }}, 1 + floor({{ percent_rank_expr }} * {{ var('rfm_score_levels') }})) as integer)
{%- endmacro %}

{#- The named RFM segment from recency (r), frequency (f) and monetary (m) scores 1-5.
    First match wins:
      no invoice (r is null)       -> prospect
      r >= 4 and f >= 4            -> champions
      r >= 3 and f >= 3            -> loyal
      r <= 2 and f >= 4 and m >= 4 -> cant_lose          (bought often and much, gone quiet)
      r <= 2 and f >= 3            -> at_risk
      r >= 4 and f  = 1            -> new
      r >= 3                       -> potential_loyalist (recent, not yet frequent)
      r  = 2                       -> hibernating
      otherwise (r = 1, f <= 2)    -> lost
    Every (r, f, m) in 1..5 maps to exactly one segment. -#}
{% macro rfm_segment(r, f, m) -%}
case
    when {{ r }} is null then 'prospect'
    when {{ r }} >= 4 and {{ f }} >= 4 then 'champions'
    when {{ r }} >= 3 and {{ f }} >= 3 then 'loyal'
    when {{ r }} <= 2 and {{ f }} >= 4 and {{ m }} >= 4 then 'cant_lose'
    when {{ r }} <= 2 and {{ f }} >= 3 then 'at_risk'
    when {{ r }} >= 4 and {{ f }} = 1 then 'new'
    when {{ r }} >= 3 then 'potential_loyalist'
    when {{ r }} = 2 then 'hibernating'
    else 'lost'
end
{%- endmacro %}

{#- A 0-100 score from a percent rank among segments or customers; `higher_is_better` false
    turns it round. Null stays null. -#}
{% macro rank_score(percent_rank_expr, higher_is_better=true) -%}
{%- if higher_is_better -%}
(100.0 * {{ percent_rank_expr }})
{%- else -%}
(100.0 * (1 - {{ percent_rank_expr }}))
{%- endif -%}
{%- endmacro %}

{#- Percent rank (0..1) of a column over the rows where it is not null (null where it is),
    optionally within a filter (rows outside the filter get null). A lone row ranks 0.5 (middle). -#}
{% macro percent_rank_of(column, filter='true') -%}
case
    when {{ column }} is null or not ({{ filter }}) then null
    when count(*) over (partition by ({{ column }} is not null and ({{ filter }}))) = 1 then 0.5
    else percent_rank() over (partition by ({{ column }} is not null and ({{ filter }})) order by {{ column }})
end
{%- endmacro %}

{#- A 0-100 score from an index against the average (100 = average): the neutral 50 at the
    average, 0 or 100 at var scorecard_distance_full_pct (default 50) points below or above it;
    `higher_is_better` false turns it round. Null stays null. Method 1 ranks its four key figures
    by how far they are from the average, not only by their order among segments. -#}
{% macro distance_score(index_expr, higher_is_better=true) -%}
case when ({{ index_expr }}) is not null then
    greatest(0.0, least(100.0, 50.0 {{ '+' if higher_is_better else '-' }} 50.0 * ({{ index_expr }} - 100.0) / {{ var('scorecard_distance_full_pct') }}))
end
{%- endmacro %}
