{#- One row per segment in dim_segment: the attractiveness ranking that combines the historical
    score (mart_segment_scorecard, method 1) with the sales workshop and customer panel scores of
    seed segment_assessment (methods 2 and 3). A missing part (no assessment, no customers) counts as
    the neutral 50; segments with little evidence (has_evidence = false) rank after those with it.
    Definitions: docs block `segment_attractiveness`. -#}
{%- set criteria = ['needs_match', 'motives_usp_match', 'trends', 'triggers', 'dmu_access', 'entry_barrier', 'urgency', 'reference_cases'] %}
{%- set criterion_weights = var('assessment_criterion_weights') %}
{%- set labels = {
    'margin': 'high margin',
    'cost_of_sales': 'low cost of sales',
    'sales_effort': 'low sales effort',
    'hit_rate': 'high hit rate',
    'growth': 'growing revenue',
    'market_penetration': 'proven market penetration',
} %}
with scorecard as (

    select * from {{ ref('int_segment_scorecard_scored') }}

),

criterion_weights as (

    {% for c in criteria -%}
    select '{{ c }}' as criterion, cast({{ criterion_weights.get(c, 1) }} as double) as weight
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

-- a criterion's score is the mean over its sources (workshop, panel) and their rows
assessment as (

    select
        trim(a.segment_key) as segment_key,
        a.criterion,
        avg(a.score) as score,
        coalesce(max(w.weight), 1) as weight
    from {{ ref('segment_assessment') }} as a
    left join criterion_weights as w on a.criterion = w.criterion
    where a.score is not null
    group by trim(a.segment_key), a.criterion

),

assessment_by_segment as (

    select
        segment_key,
        sum(weight * score) / nullif(sum(weight), 0) as assessment_score,
        {%- for c in criteria %}
        avg(case when criterion = '{{ c }}' then score end) as {{ c }}{{ ',' if not loop.last }}
        {%- endfor %}
    from assessment
    group by segment_key

),

combined as (

    select
        s.segment_key,
        a.segment_key is not null and a.assessment_score is not null as has_assessment,
        s.has_customers,
        s.historical_rank,
        s.historical_score,
        a.assessment_score,
        100.0 * (a.assessment_score - 1) / 4 as assessment_score_100,
        {%- for c in criteria %}
        a.{{ c }},
        {%- endfor %}
        s.gross_margin_pct,
        s.margin_vs_avg,
        s.cost_of_sales_vs_avg,
        s.sales_effort_vs_avg,
        s.hit_rate_pct,
        s.won,
        s.lost,
        s.revenue_growth_pct,
        s.market_penetration_pct,
        s.customers,
        s.market_companies,
        -- evidence: enough customers to judge, a real segment (industry and size class known) and
        -- something beyond history (an assessment or market figures); see docs block
        -- attractiveness_rank
        s.customers >= {{ var('attractiveness_min_customers') }}
            and ds.size_class <> 'unknown' and coalesce(ds.industry_code, 'unknown') <> 'unknown'
            and (a.assessment_score is not null or s.market_companies is not null) as has_evidence,
        {%- for name in labels %}
        s.{{ name }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from scorecard as s
    inner join {{ ref('dim_segment') }} as ds on s.segment_key = ds.segment_key
    {%- if var('segment_by_region') %}
    -- segments split by country take the assessment of their own key, else of industry-size
    inner join {{ ref('dim_segment') }} as d on s.segment_key = d.segment_key
    left join assessment_by_segment as own on s.segment_key = own.segment_key
    left join assessment_by_segment as a
        on a.segment_key = coalesce(own.segment_key, coalesce(d.industry_code, 'unknown') || '-' || d.size_class)
    {%- else %}
    left join assessment_by_segment as a on s.segment_key = a.segment_key
    {%- endif %}

),

scored as (

    select
        *,
        100.0 * sum(won) over () / nullif(sum(won + lost) over (), 0) as company_hit_rate_pct,
        -- a missing part (no customers, no assessment) counts as the neutral 50, not as absent: a
        -- segment is ranked only on what it has evidence for
        case when historical_score is not null or assessment_score_100 is not null then
            ({{ var('attractiveness_weight_history') }} * coalesce(historical_score, 50)
             + {{ var('attractiveness_weight_assessment') }} * coalesce(assessment_score_100, 50))
            / nullif({{ var('attractiveness_weight_history') }} + {{ var('attractiveness_weight_assessment') }}, 0)
        end as attractiveness_score
    from combined

),

-- strengths: historical figures scoring at least var attractiveness_reason_min_score (0-100) and
-- criteria scoring at least as much on the 1-5 scale; the strongest few make the reason
strengths as (

    {% for name, label in labels.items() -%}
    select
        segment_key,
        {{ name }}_score as strength,
        '{{ label }}' ||
        {%- if name == 'margin' %} ' (' || cast(cast(round(margin_vs_avg) as bigint) as string) || ' vs avg 100)'
        {%- elif name == 'cost_of_sales' %} ' (' || cast(cast(round(cost_of_sales_vs_avg) as bigint) as string) || ' vs avg 100)'
        {%- elif name == 'sales_effort' %} ' (' || cast(cast(round(sales_effort_vs_avg) as bigint) as string) || ' vs avg 100)'
        {%- elif name == 'hit_rate' %} ' (' || cast(cast(round(hit_rate_pct) as bigint) as string) || '%)'
        {%- elif name == 'growth' %} ' (' || case when revenue_growth_pct > 0 then '+' else '' end
                                    || cast(cast(round(revenue_growth_pct) as bigint) as string) || '%)'
        {%- else %} ' (' || cast(round(market_penetration_pct, 1) as string) || '%)'
        {%- endif %} as label
    from scored
    where {{ var('scorecard_weight_' ~ name) }} > 0
      and {{ name }}_score >= {{ var('attractiveness_reason_min_score') }}
      -- a strength must also be better than the company as a whole, not only than most segments
      {%- if name == 'margin' %}
      and margin_vs_avg > 100
      {%- elif name == 'cost_of_sales' %}
      and cost_of_sales_vs_avg < 100
      {%- elif name == 'sales_effort' %}
      and sales_effort_vs_avg < 100
      {%- elif name == 'hit_rate' %}
      and hit_rate_pct > company_hit_rate_pct
      {%- elif name == 'growth' %}
      and revenue_growth_pct > 0
      {%- endif %}
    union all
    {% endfor -%}
    {%- for c in criteria %}
    select
        segment_key,
        100.0 * ({{ c }} - 1) / 4 as strength,
        '{{ c }} ' || cast(cast(round({{ c }}, 1) as decimal(3, 1)) as string) || '/5' as label
    from scored
    where 100.0 * ({{ c }} - 1) / 4 >= {{ var('attractiveness_reason_min_score') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

reasons as (

    select
        segment_key,
        {{ listagg('label', "'; '", 'order by strength desc, label', var('attractiveness_reason_items')) }} as strengths
    from strengths
    where label is not null
    group by segment_key

)

select
    s.segment_key,
    cast(row_number() over (
        order by case when s.has_evidence then 0 else 1 end,
                 s.attractiveness_score desc nulls last, s.historical_rank, s.segment_key
    ) as bigint) as attractiveness_rank,
    cast(s.attractiveness_score as double) as attractiveness_score,
    s.has_assessment,
    s.has_evidence,
    s.has_customers,
    s.historical_rank,
    cast(s.historical_score as double) as historical_score,
    cast(s.assessment_score as double) as assessment_score,
    {%- for c in criteria %}
    cast(s.{{ c }} as double) as {{ c }},
    {%- endfor %}
    case
        when s.attractiveness_score is null then 'no customers and no assessment: not ranked on merit'
        when r.strengths is null then 'no marked strengths'
        else 'strengths: ' || r.strengths
    end
    || case when not s.has_assessment and s.has_customers then ' (history only: no assessment)' else '' end
    || case when not s.has_customers and s.has_assessment then ' (assessment only: no customers)' else '' end
    || case when not s.has_evidence and s.attractiveness_score is not null
            then ' (little evidence: ranked after segments with evidence)' else '' end
        as reason
from scored as s
left join reasons as r on s.segment_key = r.segment_key
