{#- One row per segment × product group bought by at least one of the segment's buying
    customers in the penetration window: how many buy it, whether it is relevant to the
    segment, and the spend benchmarks (median, top quartile p75) among the group's buyers.

    - buying customers of a segment: customers with positive total spend in the window;
    - a customer buys a group when its net spend on the group in the window is positive;
    - relevant: bought by at least var penetration_relevant_share of the buying customers. -#}
with spend as (

    select
        s.customer_key,
        s.product_group,
        s.spend,
        c.segment_key,
        c.employee_count
    from {{ ref('int_customer_product_groups_aggregated') }} as s
    inner join {{ ref('dim_customer') }} as c on s.customer_key = c.customer_key
    where s.customer_spend > 0

),

segment_buyers as (

    select segment_key, count(distinct customer_key) as segment_buying_customers
    from spend
    group by segment_key

),

group_buyers as (

    select
        segment_key,
        product_group,
        count(*) as segment_group_buyers,
        percentile_cont(0.5) within group (order by spend) as median_spend,
        percentile_cont(0.75) within group (order by spend) as p75_spend,
        percentile_cont(0.5) within group (order by employee_count) as median_employee_count
    from spend
    where spend > 0
    group by segment_key, product_group

)

select
    g.segment_key,
    g.product_group,
    b.segment_buying_customers,
    g.segment_group_buyers,
    cast(100.0 * g.segment_group_buyers / b.segment_buying_customers as double) as segment_buyer_share_pct,
    g.segment_group_buyers >= {{ var('penetration_relevant_share') }} * b.segment_buying_customers as is_relevant,
    cast(g.median_spend as decimal(18, 2)) as segment_median_spend,
    cast(g.p75_spend as decimal(18, 2)) as segment_p75_spend,
    cast(g.median_employee_count as double) as segment_median_employee_count
from group_buyers as g
inner join segment_buyers as b on g.segment_key = b.segment_key
