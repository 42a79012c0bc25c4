{#- One row per segment: mart_market_penetration with the as-of date as its time dimension and
    the customers of segments with market figures apart (the numerator of penetration). -#}
{{ config(materialized='view', schema='semantic') }}

select
    p.segment_key,
    a.as_of_date,
    p.has_market_figures,
    p.market_companies,
    p.customers,
    case when p.has_market_figures then p.customers else 0 end as customers_in_market,
    p.ex_customers,
    p.prospects
from {{ ref('mart_market_penetration') }} as p
cross join {{ ref('int_as_of_date') }} as a
