{#- One row per product: every product in the latest product master, plus any product sold in
    the stock window or held in stock without being in it. Demand per period (var
    stock_period_days) over the window's whole periods, its variability, margin and buyers.
    Periods without sales count as zero demand: the mean and the (population) standard deviation
    run over all periods of the window (int_window_bounds.stock_periods), from the sums of the periods with
    sales (sum of squares: periods without sales add nothing to either). -#}
with products as (

    select product_id, product_name, product_group, unit_cost, lead_time_days
    from {{ ref('stg_erp__products') }}
    where not is_deleted

),

sales as (

    select * from {{ ref('int_product_sales_windowed') }}

),

stock as (

    select distinct product_id
    from {{ ref('stg_erp__stock_levels') }}
    where not is_deleted

),

universe as (

    select product_id from products
    union
    select product_id from sales
    union
    select product_id from stock

),

periods as (

    select product_id, period_number, sum(quantity) as demand_qty
    from sales
    group by product_id, period_number

),

period_stats as (

    select
        product_id,
        -- summed as decimals, then made doubles: a sum of doubles differs in its last digits with
        -- the order of addition, so the same data gave other marts from run to run
        cast(sum(demand_qty) as double) as demand_qty_sum,
        cast(sum(cast(demand_qty as decimal(38, 4)) * cast(demand_qty as decimal(38, 4))) as double) as demand_qty_sum_squares,
        count(case when demand_qty > 0 then 1 end) as periods_with_demand
    from periods
    group by product_id

),

totals as (

    select
        product_id,
        sum(revenue) as revenue_window,
        sum(gross_margin) as margin_window,
        count(case when not is_credit_note then 1 end) as invoice_lines,
        count(distinct case when not is_credit_note then customer_key end) as customers
    from sales
    group by product_id

),

summarised as (

    select
        u.product_id,
        p.product_name,
        coalesce(p.product_group, 'unknown') as product_group,
        p.unit_cost as standard_unit_cost,
        p.lead_time_days,
        coalesce(t.revenue_window, 0) as revenue_window,
        coalesce(t.margin_window, 0) as margin_window,
        coalesce(t.invoice_lines, 0) as invoice_lines,
        coalesce(t.customers, 0) as customers,
        coalesce(s.periods_with_demand, 0) as periods_with_demand,
        coalesce(s.demand_qty_sum, 0) as demand_qty_window,
        coalesce(s.demand_qty_sum, 0) / w.stock_periods as demand_per_period,
        coalesce(s.demand_qty_sum_squares, 0) / w.stock_periods
            - (coalesce(s.demand_qty_sum, 0) / w.stock_periods) * (coalesce(s.demand_qty_sum, 0) / w.stock_periods)
            as demand_variance,
        w.stock_periods as periods
    from universe as u
    left join products as p on u.product_id = p.product_id
    left join totals as t on u.product_id = t.product_id
    left join period_stats as s on u.product_id = s.product_id
    cross join {{ ref('int_window_bounds') }} as w

)

select
    product_id,
    product_name,
    product_group,
    standard_unit_cost,
    lead_time_days,
    cast(revenue_window as decimal(18, 2)) as revenue_window,
    cast(margin_window as decimal(18, 2)) as margin_window,
    invoice_lines,
    customers,
    periods,
    periods_with_demand,
    demand_qty_window,
    demand_per_period,
    -- rounding can leave a variance of -1e-12 where demand is the same every period
    sqrt(greatest(demand_variance, 0.0)) as demand_sd_per_period,
    case when demand_per_period > 0
         then sqrt(greatest(demand_variance, 0.0)) / demand_per_period end as demand_cv
from summarised
