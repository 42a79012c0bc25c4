{#- Exactly one row: the target period the prospect list plans for, from seed sales_targets.
    The period is var planning_period when set, else the first period (by start date) whose
    end is on or after the as-of date. Its revenue target is the company-wide row (empty
    segment_key); a period with only segment rows takes their sum. Without a matching
    period every target column is null and has_target is false. -#}
with as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

targets as (

    select
        period,
        min(period_start) as period_start,
        max(period_end) as period_end,
        sum(case when nullif(trim(segment_key), '') is null then revenue_target end) as company_target,
        sum(case when nullif(trim(segment_key), '') is not null then revenue_target end) as segment_target_sum
    from {{ ref('sales_targets') }}
    group by period

),

candidates as (

    select
        t.*,
        row_number() over (order by t.period_start, t.period) as period_order
    from targets as t
    cross join as_of as a
    {% if var('planning_period') %}
    where t.period = '{{ var("planning_period") }}'
    {% else %}
    where t.period_end >= a.as_of_date
    {% endif %}

),

selected as (

    select * from candidates where period_order = 1

)

select
    a.as_of_date,
    s.period,
    s.period_start,
    s.period_end,
    cast({{ datediff('s.period_start', 's.period_end', 'day') }} + 1 as bigint) as period_days,
    cast(coalesce(s.company_target, s.segment_target_sum) as decimal(18, 2)) as revenue_target,
    case when s.company_target is not null then 'company-wide target'
         when s.segment_target_sum is not null then 'sum of segment targets' end as target_source,
    coalesce(s.company_target, s.segment_target_sum) is not null as has_target
from as_of as a
left join selected as s on 1 = 1
