{#- One row per customer_key × lever × P&L line × product group (revenue and cost of goods) or
    cost center (allocated cost), summed over the months of the what-if period (var whatif_period):
    the amount of the customer's P&L a what-if lever scales (seed whatif_levers, docs block
    whatif_levers). No month grain: every reader judges the one period, and at 20,000 customers
    the monthly rows were 5.8 M (22 s to build, 11 s to test). A lever moved by +x % changes the
    customer's net profit by x % × profit_sign × amount: revenue counts +1, cost of goods and cost
    to serve -1. Revenue and cost of goods come from int_sales_lines (the invoice lines, by product
    group, summed per customer over the period in int_whatif_sales_aggregated), cost from
    int_cost_allocations_unioned (what the allocation charged the customer, by cost center and
    category), so the lines of a lever add up to the same figures as
    mart_customer_profitability. A cost line matched by several seed rows of one lever counts once. -#}
with levers as (

    select
        trim(lever) as lever,
        trim(pnl_line) as pnl_line,
        nullif(trim(cost_category), '') as cost_category,
        nullif(trim(cost_center), '') as cost_center
    from {{ ref('whatif_levers') }}
    where lever is not null

),

sales as (

    select customer_key, product_group, revenue, cost_of_goods
    from {{ ref('int_whatif_sales_aggregated') }}

),

costs as (

    select customer_key, cost_center, cost_category, sum(amount) as amount
    from {{ ref('int_cost_allocations_unioned') }}
    where {{ whatif_in_period('month') }}
    group by customer_key, cost_center, cost_category

),

revenue_levers as (

    select distinct lever from levers where pnl_line = 'revenue'

),

cost_of_goods_levers as (

    select distinct lever from levers where pnl_line = 'cost_of_goods'

),

-- the cost centers each lever moves (a cost center named twice for one lever counts once)
cost_levers as (

    select distinct l.lever, c.cost_center
    from (select distinct cost_center, cost_category from costs) as c
    inner join levers as l
        on l.pnl_line = 'cost'
       and (l.cost_category is null or l.cost_category = c.cost_category)
       and (l.cost_center is null or l.cost_center = c.cost_center)

),

lines as (

    select s.customer_key, r.lever, 'revenue' as pnl_line, s.product_group,
           cast(null as string) as cost_center, cast(null as string) as cost_category, s.revenue as amount, 1 as profit_sign
    from sales as s
    cross join revenue_levers as r

    union all

    select s.customer_key, g.lever, 'cost_of_goods' as pnl_line, s.product_group,
           cast(null as string) as cost_center, cast(null as string) as cost_category, s.cost_of_goods as amount, -1 as profit_sign
    from sales as s
    cross join cost_of_goods_levers as g

    union all

    select c.customer_key, k.lever, 'cost' as pnl_line, cast(null as string) as product_group,
           c.cost_center, c.cost_category, c.amount, -1 as profit_sign
    from costs as c
    inner join cost_levers as k on c.cost_center = k.cost_center

)

select
    customer_key,
    lever,
    pnl_line,
    product_group,
    cost_center,
    cost_category,
    cast(amount as decimal(18, 2)) as amount,
    cast(profit_sign as integer) as profit_sign,
    cast(profit_sign * amount as double) / 100.0 as profit_change_per_pct
from lines
where amount <> 0
