{#- One row per cohort, segment and period number, from the cohort's own period (0) to the as-of
    date's period, also when nobody in the cohort bought (a spine of period numbers). Both cohort
    retention marts read this; the segment split is additive (a customer has one segment). -#}
{%- set grain = var('clv_cohort_grain') %}
with periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

segments as (

    select customer_key, segment_key from {{ ref('dim_customer') }}

),

cohort_members as (

    select distinct p.customer_key, p.cohort, coalesce(s.segment_key, 'unknown') as segment_key
    from periods as p
    left join segments as s on p.customer_key = s.customer_key
    where p.period_number = 0

),

cohort_sizes as (

    select cohort, segment_key, count(*) as customers
    from cohort_members
    group by cohort, segment_key

),

as_of as (

    select cast({{ date_trunc(grain, 'as_of_date') }} as date) as as_of_period
    from {{ ref('int_as_of_date') }}

),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

numbers as (

    -- 0..999 periods: 83 years of months
    select h.d * 100 + t.d * 10 + u.d as period_number
    from digits as h cross join digits as t cross join digits as u

),

spine as (

    select c.cohort, c.segment_key, c.customers, n.period_number
    from cohort_sizes as c
    cross join as_of as a
    inner join numbers as n
        on n.period_number <= {{ datediff('c.cohort', 'a.as_of_period', grain) }}

),

activity as (

    select
        m.cohort,
        m.segment_key,
        p.period_number,
        count(distinct case when p.is_active then p.customer_key end) as active_customers,
        sum(p.revenue) as revenue,
        sum(p.cost_of_goods) as cost_of_goods
    from periods as p
    inner join cohort_members as m on p.customer_key = m.customer_key
    where p.period_number >= 0
    group by m.cohort, m.segment_key, p.period_number

)

select
    s.cohort,
    s.segment_key,
    s.period_number,
    cast({{ dateadd(grain, 's.period_number', 's.cohort') }} as date) as period_start,
    s.customers,
    coalesce(a.active_customers, 0) as active_customers,
    cast(coalesce(a.revenue, 0) as decimal(18, 2)) as revenue,
    cast(coalesce(a.cost_of_goods, 0) as decimal(18, 2)) as cost_of_goods
from spine as s
left join activity as a
    on s.cohort = a.cohort and s.segment_key = a.segment_key and s.period_number = a.period_number
