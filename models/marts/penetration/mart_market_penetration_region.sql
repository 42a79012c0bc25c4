{#- One row per segment × country (region = country): the market penetration of
    mart_market_penetration split by the company's country. Rows exist for every segment ×
    country with market figures or with at least one company; a missing country is 'XX'.
    The counts come from int_market_penetration_counted, as those of mart_market_penetration. -#}
with joined as (

    select
        segment_key,
        country,
        case when market_companies > 0 then market_companies end as market_companies,
        coalesce(market_companies, 0) > 0 as has_market_figures,
        customers,
        ex_customers,
        prospects
    from {{ ref('int_market_penetration_counted') }}

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
