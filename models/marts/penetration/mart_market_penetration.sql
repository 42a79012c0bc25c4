{#- One row per segment (every dim_segment row, also market segments without a customer):
    companies in the addressable market against customers, ex-customers and prospects.
    Customers are dim_customer.is_customer (lifecycle active or lapsed). The 'unknown' member of
    dim_customer (orphan invoice lines) is not a company and is not counted. The counts are those
    of int_market_penetration_counted summed over the countries, as mart_market_penetration_region
    shows them by country. -#}
with segments as (

    select segment_key from {{ ref('dim_segment') }}

),

counted as (

    -- segment × country counts summed to the segment (int_market_penetration_counted, shared with
    -- mart_market_penetration_region)
    select
        segment_key,
        sum(market_companies) as market_companies,
        sum(customers) as customers,
        sum(active_customers) as active_customers,
        sum(lapsed_customers) as lapsed_customers,
        sum(ex_customers) as ex_customers,
        sum(prospects) as prospects
    from {{ ref('int_market_penetration_counted') }}
    group by segment_key

),

joined as (

    select
        s.segment_key,
        case when c.market_companies > 0 then c.market_companies end as market_companies,
        coalesce(c.market_companies, 0) > 0 as has_market_figures,
        coalesce(c.customers, 0) as customers,
        coalesce(c.active_customers, 0) as active_customers,
        coalesce(c.lapsed_customers, 0) as lapsed_customers,
        coalesce(c.ex_customers, 0) as ex_customers,
        coalesce(c.prospects, 0) as prospects
    from segments as s
    left join counted as c on s.segment_key = c.segment_key

)

select
    segment_key,
    cast(market_companies as bigint) as market_companies,
    has_market_figures,
    cast(customers as bigint) as customers,
    cast(active_customers as bigint) as active_customers,
    cast(lapsed_customers as bigint) as lapsed_customers,
    cast(ex_customers as bigint) as ex_customers,
    cast(prospects as bigint) as prospects,
    cast(100.0 * customers / nullif(market_companies, 0) as double) as market_penetration_pct,
    cast(case when market_companies is not null
              then greatest(market_companies - customers - ex_customers - prospects, 0) end as bigint) as untouched_companies
from joined
