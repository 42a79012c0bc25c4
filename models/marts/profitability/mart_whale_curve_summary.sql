{#- One row: the whale curve in figures at the as-of date, over its window (var
    whale_curve_window_months, see mart_whale_curve): its peak (the most profit the best customers
    make before the loss makers take part of it back), how many customers destroy value, how many
    of the top customers by revenue do, and the acquisition cost of the customers won in the
    window, kept out of their serving profit. -#}
with bounds as (

    -- the window's first month (its last is the as-of month; int_window_bounds), shown as the
    -- first month of the P&L when the window is the whole history
    select
        w.as_of_date,
        coalesce(w.whale_curve_window_start_month, m.first_month) as window_start
    from {{ ref('int_window_bounds') }} as w
    cross join (select min(month) as first_month from {{ ref('mart_customer_profitability') }}) as m

),

curve as (

    select * from {{ ref('mart_whale_curve') }}

),

peak as (

    -- the first rank at which the curve reaches its maximum
    select min(cumulative_customer_pct) as peak_customer_pct
    from curve
    where cumulative_profit_pct = (select max(cumulative_profit_pct) from curve)

)

select
    a.as_of_date,
    a.window_start,
    max(c.cumulative_profit_pct) as peak_profit_pct,
    max(p.peak_customer_pct) as peak_customer_pct,
    count(c.customer_key) as customers,
    count(case when c.is_value_destroying then 1 end) as value_destroying_customers,
    cast(100.0 * count(case when c.is_value_destroying then 1 end) / nullif(count(c.customer_key), 0) as double) as value_destroying_pct,
    cast(coalesce(sum(c.net_profit), 0) as decimal(18, 2)) as total_net_profit,
    cast(coalesce(sum(case when c.net_profit > 0 then c.net_profit end), 0) as decimal(18, 2)) as profit_of_profitable_customers,
    cast(coalesce(sum(case when c.net_profit < 0 then c.net_profit end), 0) as decimal(18, 2)) as loss_of_value_destroying_customers,
    count(case when c.revenue > 0 then 1 end) as buying_customers,
    count(case when c.revenue > 0 and c.is_value_destroying then 1 end) as value_destroying_buying_customers,
    cast(100.0 * count(case when c.revenue > 0 and c.is_value_destroying then 1 end)
         / nullif(count(case when c.revenue > 0 then 1 end), 0) as double) as value_destroying_buying_pct,
    cast(coalesce(sum(case when c.revenue <= 0 then c.net_profit end), 0) as decimal(18, 2)) as net_profit_without_revenue,
    count(case when c.is_value_destroying and c.revenue_rank <= {{ var('profitability_top_revenue_customers') }} then 1 end)
        as value_destroying_top_revenue_customers,
    count(case when c.is_new_in_window then 1 end) as new_customers,
    cast(coalesce(sum(c.acquisition_cost), 0) as decimal(18, 2)) as acquisition_cost
from bounds as a
cross join peak as p
left join curve as c on true
group by a.as_of_date, a.window_start
