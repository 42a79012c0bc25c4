{#- One row per customer with positive spend in the penetration window: its customer
    penetration (relevant groups bought / relevant groups), the cross-sell and up-sell value of
    its white space (sums over mart_customer_penetration) and its rank by expected value. -#}
with rows_ as (

    select * from {{ ref('int_customer_penetration_benchmarked') }}

),

per_customer as (

    select
        customer_key,
        min(segment_key) as segment_key,
        count(case when is_relevant then 1 end) as relevant_groups,
        count(case when is_relevant and buys_group then 1 end) as relevant_groups_bought,
        count(case when buys_group then 1 end) as groups_bought,
        sum(spend) as spend,
        sum(expected_cross_sell_value) as cross_sell_value,
        sum(up_sell_value) as up_sell_value
    from rows_
    group by customer_key

),

gaps as (

    select
        customer_key,
        product_group,
        expected_cross_sell_value,
        row_number() over (partition by customer_key
                           order by expected_cross_sell_value desc, product_group) as gap_order
    from rows_
    where is_relevant and not buys_group

),

gap_lists as (

    select
        customer_key,
        max(case when gap_order = 1 then product_group end) as top_gap_group,
        {{ listagg('product_group', "', '", 'order by gap_order') }} as gap_groups
    from gaps
    group by customer_key

)

select
    p.customer_key,
    p.segment_key,
    cast(100.0 * p.relevant_groups_bought / nullif(p.relevant_groups, 0) as double) as penetration_pct,
    cast(p.relevant_groups as bigint) as relevant_groups,
    cast(p.relevant_groups_bought as bigint) as relevant_groups_bought,
    cast(p.groups_bought as bigint) as groups_bought,
    cast(p.spend as decimal(18, 2)) as spend,
    cast(p.cross_sell_value as decimal(18, 2)) as cross_sell_value,
    cast(p.up_sell_value as decimal(18, 2)) as up_sell_value,
    cast(p.cross_sell_value + p.up_sell_value as decimal(18, 2)) as expected_value,
    cast(row_number() over (order by p.cross_sell_value + p.up_sell_value desc, p.customer_key) as bigint) as whitespace_rank,
    g.top_gap_group,
    g.gap_groups
from per_customer as p
left join gap_lists as g on p.customer_key = g.customer_key
