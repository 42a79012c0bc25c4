{#- One row per customer that has bought (first invoice on or before the as-of date) with
    revenue or cost in the window, ranked from most to least profitable (ties: customer_key).
    The window is the last var `whale_curve_window_months` months up to and including the as-of
    month (0 = the whole history up to the as-of month), so a customer is judged on how it is
    served now, not on its whole past. Its serving net profit is the window's gross margin less
    the cost to serve of the months from its first invoice on; what was spent on it before its
    first invoice (acquisition cost, macro is_acquisition_month) is shown apart in
    `acquisition_cost`, so a customer won last quarter is no loss because it was courted.
    Prospects (never bought) are acquisition cost only and are not on the curve. The cumulative
    net profit of the ranked customers, as % of the total, draws the whale curve: it climbs above
    100 % and falls back to 100 % as the value-destroying customers at the tail eat into the
    profit (docs block whale_curve). -#}
with window_bounds as (

    -- window bounds are computed once, in int_window_bounds (start null: the whole history)
    select
        as_of_date,
        as_of_month as window_end_month,
        whale_curve_window_start_month as window_start_month
    from {{ ref('int_window_bounds') }}

),

monthly as (

    select
        m.customer_key,
        o.first_invoice_date,
        m.revenue,
        m.gross_margin,
        m.cost_to_serve,
        {{ is_acquisition_month('m.month', 'o.first_invoice_date') }} as is_acquisition
    from {{ ref('mart_customer_profitability') }} as m
    inner join {{ ref('int_customer_orders') }} as o on m.customer_key = o.customer_key
    cross join window_bounds as w
    where (w.window_start_month is null or m.month >= w.window_start_month)
      and m.month <= w.window_end_month
      and o.first_invoice_date <= w.as_of_date

),

customers as (

    select
        m.customer_key,
        min(m.first_invoice_date) as first_invoice_date,
        sum(m.revenue) as revenue,
        sum(m.gross_margin) as gross_margin,
        sum(case when m.is_acquisition then 0 else m.cost_to_serve end) as cost_to_serve,
        sum(case when m.is_acquisition then {{ acquisition_spend_expr('m') }} else 0 end) as acquisition_cost
    from monthly as m
    group by m.customer_key

),

profits as (

    select
        c.*,
        c.gross_margin - c.cost_to_serve as net_profit,
        t.lifecycle_status,
        t.segment_key
    from customers as c
    inner join {{ ref('mart_customer_profitability_total') }} as t on c.customer_key = t.customer_key

),

ranked as (

    select
        *,
        row_number() over (order by net_profit desc, customer_key) as profit_rank,
        row_number() over (order by revenue desc, customer_key) as revenue_rank,
        count(*) over () as customer_count,
        sum(net_profit) over () as total_net_profit
    from profits

),

cumulated as (

    select
        *,
        sum(net_profit) over (order by profit_rank rows between unbounded preceding and current row) as cumulative_profit
    from ranked

)

select
    c.customer_key,
    cast(c.profit_rank as bigint) as profit_rank,  -- row_number is int on Spark, bigint on DuckDB
    cast(c.net_profit as decimal(18, 2)) as net_profit,
    cast(c.cumulative_profit as decimal(18, 2)) as cumulative_profit,
    cast(100.0 * c.cumulative_profit / nullif(c.total_net_profit, 0) as double) as cumulative_profit_pct,
    cast(100.0 * c.profit_rank / c.customer_count as double) as cumulative_customer_pct,
    cast(c.revenue as decimal(18, 2)) as revenue,
    cast(c.revenue_rank as bigint) as revenue_rank,
    cast(c.gross_margin as decimal(18, 2)) as gross_margin,
    cast(c.cost_to_serve as decimal(18, 2)) as cost_to_serve,
    c.net_profit < 0 as is_value_destroying,
    c.lifecycle_status,
    c.segment_key,
    cast(c.acquisition_cost as decimal(18, 2)) as acquisition_cost,
    c.first_invoice_date,
    (w.window_start_month is null or c.first_invoice_date >= w.window_start_month) as is_new_in_window
from cumulated as c
cross join window_bounds as w
