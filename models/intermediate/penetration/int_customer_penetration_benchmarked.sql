{#- One row per customer × product group, for customers with positive spend in the
    penetration window, over the groups relevant to the customer's segment plus every group
    the customer had invoice lines in. White space per row:
    - cross-sell: a relevant group the customer does not buy is worth the segment's median
      spend on that group among its buyers;
    - up-sell: a group the customer buys is worth max(0, benchmark − own spend), the benchmark
      being the segment's top-quartile (p75) spend among the group's buyers. Size class is
      already part of every segment key (macro segment_key), so the p75 is a same-size-class
      benchmark and is used as is; var penetration_upsell_scale_by_employees: true (for
      segment definitions that do not separate sizes well) scales it by the customer's
      employee count over the buyers' median employee count (factor 1 when either is unknown). -#}
with spend as (

    select s.customer_key, s.product_group, s.spend, c.segment_key, c.employee_count
    from {{ ref('int_customer_product_groups_aggregated') }} as s
    inner join {{ ref('dim_customer') }} as c on s.customer_key = c.customer_key
    where s.customer_spend > 0

),

customers as (

    select distinct customer_key, segment_key, employee_count from spend

),

benchmarks as (

    select * from {{ ref('int_segment_product_groups_benchmarked') }}

),

relevant_rows as (

    select c.customer_key, c.segment_key, c.employee_count, b.product_group
    from customers as c
    inner join benchmarks as b on c.segment_key = b.segment_key
    where b.is_relevant

),

grid as (

    select customer_key, segment_key, employee_count, product_group from relevant_rows
    union
    select customer_key, segment_key, employee_count, product_group from spend

),

joined as (

    select
        g.customer_key,
        g.product_group,
        g.segment_key,
        coalesce(s.spend, 0) as spend,
        coalesce(s.spend, 0) > 0 as buys_group,
        b.segment_buying_customers,
        coalesce(b.segment_group_buyers, 0) as segment_group_buyers,
        coalesce(b.segment_buyer_share_pct, 0) as segment_buyer_share_pct,
        coalesce(b.is_relevant, false) as is_relevant,
        b.segment_median_spend,
        b.segment_p75_spend,
        {% if var('penetration_upsell_scale_by_employees') %}
        coalesce(cast(g.employee_count as double) / nullif(b.segment_median_employee_count, 0), 1.0)
        {% else %}
        1.0
        {% endif %} as up_sell_scale_factor
    from grid as g
    left join spend as s on g.customer_key = s.customer_key and g.product_group = s.product_group
    left join benchmarks as b on g.segment_key = b.segment_key and g.product_group = b.product_group

)

select
    customer_key,
    product_group,
    segment_key,
    buys_group,
    cast(spend as decimal(18, 2)) as spend,
    cast(segment_buying_customers as bigint) as segment_buying_customers,
    cast(segment_group_buyers as bigint) as segment_group_buyers,
    cast(segment_buyer_share_pct as double) as segment_buyer_share_pct,
    is_relevant,
    cast(segment_median_spend as decimal(18, 2)) as segment_median_spend,
    cast(segment_p75_spend as decimal(18, 2)) as segment_p75_spend,
    cast(up_sell_scale_factor as double) as up_sell_scale_factor,
    cast(case when is_relevant and not buys_group then coalesce(segment_median_spend, 0) else 0 end
         as decimal(18, 2)) as expected_cross_sell_value,
    cast(case when buys_group
              then greatest(coalesce(segment_p75_spend, 0) * up_sell_scale_factor - spend, 0)
              else 0 end as decimal(18, 2)) as up_sell_value
from joined
