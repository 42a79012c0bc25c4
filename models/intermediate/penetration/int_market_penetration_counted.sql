{#- One row per segment × country (region = country) with market figures or with at least one
    company: the companies of the addressable market (int_market_companies_mapped, null or 0 when
    the seed has no positive count) against the companies of dim_customer by lifecycle status.
    Customers are dim_customer.is_customer (docs block is_customer). The 'unknown' member of
    dim_customer (orphan invoice lines) is not a company and is not counted; a missing country is
    'XX'. The one count both market penetration marts (by segment and by segment × country) and
    the segment scorecard add up, so they cannot disagree. -#}
with market as (

    select segment_key, country, market_companies
    from {{ ref('int_market_companies_mapped') }}

),

companies as (

    select
        segment_key,
        coalesce(nullif(upper(trim(country)), ''), 'XX') as country,
        count(case when is_customer then 1 end) as customers,
        count(case when lifecycle_status = 'active' then 1 end) as active_customers,
        count(case when lifecycle_status = 'lapsed' then 1 end) as lapsed_customers,
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

)

select
    k.segment_key,
    k.country,
    m.market_companies,
    coalesce(c.customers, 0) as customers,
    coalesce(c.active_customers, 0) as active_customers,
    coalesce(c.lapsed_customers, 0) as lapsed_customers,
    coalesce(c.ex_customers, 0) as ex_customers,
    coalesce(c.prospects, 0) as prospects
from keys as k
left join market as m on k.segment_key = m.segment_key and k.country = m.country
left join companies as c on k.segment_key = c.segment_key and k.country = c.country
