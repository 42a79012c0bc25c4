{#- Run output (severity warn): segments with more customers in a country than the seed
    market_universe has companies there. Their market penetration (mart_market_penetration_region,
    and mart_market_penetration when the segment's countries add up the same way) is above 100 %:
    the seed's count is too small for the segment or counts another population. -#}
{{ config(severity='warn', tags=['run_output']) }}

with over as (

    select segment_key, country, customers, market_companies
    from {{ ref('int_market_penetration_counted') }}
    where market_companies > 0 and customers > market_companies

),

ranked as (

    select
        *,
        row_number() over (order by cast(customers as double) / market_companies desc, segment_key, country) as n
    from over

)

select
    'Market: ' || cast(count(*) as {{ dbt.type_string() }})
    || ' segment(s) × country count more customers than seed market_universe has companies (the most: '
    || max(case when n = 1 then segment_key || ' in ' || country || ', '
                    || cast(customers as {{ dbt.type_string() }}) || ' customers against '
                    || cast(market_companies as {{ dbt.type_string() }}) || ' companies' end)
    || '); their market penetration is above 100 %: the seed counts too few companies for them, or another population.'
        as sentence
from ranked
having count(*) > 0
