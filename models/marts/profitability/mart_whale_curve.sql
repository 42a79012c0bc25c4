{#- One row per customer that has bought (prospects' cost is acquisition, not a customer
    destroying value, and stays in mart_customer_profitability), ranked from most
    to least profitable (ties: customer_key). The cumulative net profit of the ranked customers,
    as % of the total, draws the whale curve: it climbs above 100 % and falls back to 100 % as
    the value-destroying customers at the tail eat into the profit. -#}
with customers as (

    select customer_key, revenue, gross_margin, cost_to_serve, net_profit, lifecycle_status, segment_key
    from {{ ref('mart_customer_profitability_total') }}
    where lifecycle_status <> 'prospect' and customer_key <> 'unknown'

),

ranked as (

    select
        *,
        row_number() over (order by net_profit desc, customer_key) as profit_rank,
        row_number() over (order by revenue desc, customer_key) as revenue_rank,
        count(*) over () as customer_count,
        sum(net_profit) over () as total_net_profit
    from customers

),

cumulated as (

    select
        *,
        sum(net_profit) over (order by profit_rank rows between unbounded preceding and current row) as cumulative_profit
    from ranked

)

select
    customer_key,
    cast(profit_rank as bigint) as profit_rank,  -- row_number is int on Spark, bigint on DuckDB
    cast(net_profit as decimal(18, 2)) as net_profit,
    cast(cumulative_profit as decimal(18, 2)) as cumulative_profit,
    cast(100.0 * cumulative_profit / nullif(total_net_profit, 0) as double) as cumulative_profit_pct,
    cast(100.0 * profit_rank / customer_count as double) as cumulative_customer_pct,
    revenue,
    cast(revenue_rank as bigint) as revenue_rank,
    gross_margin,
    cost_to_serve,
    net_profit < 0 as is_value_destroying,
    lifecycle_status,
    segment_key
from cumulated
