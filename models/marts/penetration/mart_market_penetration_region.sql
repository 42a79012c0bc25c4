{#- One row per segment × country (region = country): the market penetration of
    mart_market_penetration split by the company's country. Rows exist for every segment ×
    country with market figures or with at least one company; a missing country is 'XX'. -#}
with market as (

    select segment_key, country, market_companies
    from {{ ref('int_market_companies_mapped') }}

),

companies as (

    select
        segment_key,
        coalesce(nullif(upper(trim(country)), ''), 'XX') as country,
        count(case when is_customer then 1 end) as customers,
        count(case when lifecycle_status = 'ex_customer' then 1 end) as ex_customers,
        count(case when lifecycle_status = 'prospect' then 1 end) as prospects
    from {{ ref('dim_customer') }}
    where customer_key <> 'unknown'
    group by 1, 2

),

keys as (

    select segment_key, country from market
    union
    select segment_key, country from companies

),

joined as (

    select
        k.segment_key,
        k.country,
        case when m.market_companies > 0 then m.market_companies end as market_companies,
        coalesce(m.market_companies, 0) > 0 as has_market_figures,
        coalesce(c.customers, 0) as customers,
        coalesce(c.ex_customers, 0) as ex_customers,
        coalesce(c.prospects, 0) as prospects
    from keys as k
    left join market as m on k.segment_key = m.segment_key and k.country = m.country
    left join companies as c on k.segment_key = c.segment_key and k.country = c.country

)

select
    segment_key,
    country,
    cast(market_companies as bigint) as market_companies,
    has_market_figures,
    cast(customers as bigint) as customers,
    cast(ex_customers as bigint) as ex_customers,
    cast(prospects as bigint) as prospects,
    cast(100.0 * customers / nullif(market_companies, 0) as double) as market_penetration_pct,
    cast(case when market_companies is not null
              then greatest(market_companies - customers - ex_customers - prospects, 0) end as bigint) as untouched_companies
from joined
