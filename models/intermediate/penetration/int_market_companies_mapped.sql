{#- One row per segment × country of the addressable market (seed market_universe), with the
    segment key computed by the same macro as dim_customer, so market figures and customers
    meet on one key. Rows without a positive company count are kept (companies null) and are
    treated as "no market figures". -#}
select
    {{ segment_key('cast(industry_code as string)', 'size_class', 'country') }} as segment_key,
    coalesce(nullif(upper(trim(country)), ''), 'XX') as country,
    sum(companies) as market_companies
from {{ ref('market_universe') }}
group by 1, 2
