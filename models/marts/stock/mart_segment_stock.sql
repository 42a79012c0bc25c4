{#- One row per segment whose customers bought in the stock window, plus one row '(no demand)'
    for stock of products nobody bought in it: the stock value tied up for the segment
    (each product's stock value spread over the segments by their share of its window demand)
    beside the margin the segment earned in the window. Definitions: docs block segment_stock. -#}
with buyers as (

    select b.product_id, b.customer_key, b.demand_qty, b.gross_margin, c.segment_key
    from {{ ref('int_product_customers_aggregated') }} as b
    left join {{ ref('dim_customer') }} as c on b.customer_key = c.customer_key

),

segment_demand as (

    -- a segment that returned more than it bought takes no share of the stock
    select
        product_id,
        coalesce(segment_key, 'unknown') as segment_key,
        -- quantities and amounts stay decimals, summed exactly, here and below: a sum of doubles
        -- differs in its last digits with the order of addition, so the same data gave another mart
        greatest(sum(demand_qty), 0) as demand_qty
    from buyers
    group by product_id, coalesce(segment_key, 'unknown')

),

product_shares as (

    select
        product_id,
        segment_key,
        cast(demand_qty as double) / cast(nullif(sum(demand_qty) over (partition by product_id), 0) as double) as demand_share
    from segment_demand

),

policy as (

    select product_id, has_stock_levels, stock_value, excess_stock_value
    from {{ ref('mart_product_stock_policy') }}

),

allocated as (

    select
        s.segment_key,
        sum(cast(s.demand_share * cast(p.stock_value as double) as decimal(38, 6))) as stock_value,
        sum(cast(s.demand_share * cast(p.excess_stock_value as double) as decimal(38, 6))) as excess_stock_value
    from product_shares as s
    inner join policy as p on s.product_id = p.product_id
    -- a product whose window demand nets to zero or less has no shares: it goes to '(no demand)'
    where s.demand_share is not null
    group by s.segment_key

),

unallocated as (

    select
        '(no demand)' as segment_key,
        -- the type of the allocated amounts, so that the union below keeps their decimals
        cast(sum(p.stock_value) as decimal(38, 6)) as stock_value,
        cast(sum(p.excess_stock_value) as decimal(38, 6)) as excess_stock_value
    from policy as p
    where p.has_stock_levels
      and not exists (
          select 1 from product_shares as s
          where s.product_id = p.product_id and s.demand_share is not null)
    having sum(p.stock_value) <> 0

),

margins as (

    select
        coalesce(segment_key, 'unknown') as segment_key,
        count(distinct customer_key) as customers,
        sum(gross_margin) as margin_window
    from buyers
    group by coalesce(segment_key, 'unknown')

),

has_stock as (

    select max(case when has_stock_levels then 1 else 0 end) = 1 as has_stock_levels from policy

),

rows_ as (

    select
        m.segment_key,
        m.customers,
        m.margin_window,
        case when h.has_stock_levels then coalesce(a.stock_value, 0) end as stock_value,
        case when h.has_stock_levels then coalesce(a.excess_stock_value, 0) end as excess_stock_value
    from margins as m
    cross join has_stock as h
    left join allocated as a on m.segment_key = a.segment_key
    union all
    select segment_key, 0, 0, stock_value, excess_stock_value
    from unallocated

)

select
    r.segment_key,
    g.attractiveness_rank,
    r.segment_key = '(no demand)' as is_unallocated,
    cast(r.customers as bigint) as customers,
    cast(r.margin_window as decimal(18, 2)) as margin_window,
    cast(100.0 * r.margin_window / nullif(sum(r.margin_window) over (), 0) as double) as margin_share_pct,
    cast(round(r.stock_value, 2) as decimal(18, 2)) as stock_value,
    cast(100.0 * r.stock_value / nullif(sum(r.stock_value) over (), 0) as double) as stock_share_pct,
    cast(round(r.excess_stock_value, 2) as decimal(18, 2)) as excess_stock_value,
    cast(case when r.margin_window > 0 then r.stock_value / r.margin_window end as double) as stock_per_margin_eur
from rows_ as r
left join {{ ref('mart_segment_attractiveness') }} as g on r.segment_key = g.segment_key
