{#- One row per segment (every dim_segment row, also market segments without a customer):
    companies in the addressable market against customers, ex-customers and prospects.
    Customers are dim_customer.is_customer (lifecycle active or lapsed). The 'unknown' member of
    dim_customer (orphan invoice lines) is not a company and is not counted. -#}
with segments as (

    select segment_key from {{ ref('dim_segment') }}

),

market as (

    select segment_key, sum(market_companies) as market_companies
    from {{ ref('int_market_companies_mapped') }}
    group by segment_key

),

companies as (

    select
        segment_key,
        count(case when is_customer then 1 end) as customers,
        count(case when lifecycle_status = 'active' then 1 end) as active_customers,
        count(case when lifecycle_status = 'lapsed' then 1 end) as lapsed_customers,
        count(case when lifecycle_status = 'ex_customer' then 1 end) as ex_customers,
        count(case when lifecycle_status = 'prospect' then 1 end) as prospects
    from {{ ref('dim_customer') }}
    where customer_key <> 'unknown'
    group by segment_key

),

joined as (

    select
        s.segment_key,
        case when m.market_companies > 0 then m.market_companies end as market_companies,
        coalesce(m.market_companies, 0) > 0 as has_market_figures,
        coalesce(c.customers, 0) as customers,
        coalesce(c.active_customers, 0) as active_customers,
        coalesce(c.lapsed_customers, 0) as lapsed_customers,
        coalesce(c.ex_customers, 0) as ex_customers,
        coalesce(c.prospects, 0) as prospects
    from segments as s
    left join market as m on s.segment_key = m.segment_key
    left join companies as c on s.segment_key = c.segment_key

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
