{#- One row per segment: every combination of the segment dimensions seen among customers,
    prospects or in the addressable market (seed market_universe). -#}
with from_customers as (

    select distinct segment_key, industry_code, size_class,
        {% if var('segment_by_region') %}country{% else %}cast(null as string){% endif %} as country
    from {{ ref('dim_customer') }}

),

from_market as (

    select distinct
        {{ segment_key('cast(industry_code as string)', 'size_class', 'country') }} as segment_key,
        cast(industry_code as string) as industry_code,
        size_class,
        {% if var('segment_by_region') %}upper(country){% else %}cast(null as string){% endif %} as country
    from {{ ref('market_universe') }}

),

segments as (

    select * from from_customers
    union
    select * from from_market

)

select
    segment_key,
    'NACE ' || coalesce(industry_code, '?') || ' · ' || size_class
        {% if var('segment_by_region') %} || ' · ' || coalesce(country, '?'){% endif %} as segment_name,
    industry_code,
    size_class,
    country
from segments
