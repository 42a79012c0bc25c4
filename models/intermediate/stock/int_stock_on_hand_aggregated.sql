{#- One row per product held in the latest erp_stock_levels snapshot (contract v1.1, optional):
    quantities over all warehouses and their value at the snapshot's own unit cost, else the
    product's standard cost. Empty when the landing set has no stock levels. -#}
with levels as (

    select * from {{ ref('stg_erp__stock_levels') }}
    where not is_deleted

),

products as (

    select product_id, unit_cost from {{ ref('stg_erp__products') }}

)

select
    l.product_id,
    count(*) as warehouses,
    max(l.delivery_date) as stock_date,
    cast(sum(l.on_hand_qty) as decimal(18, 4)) as on_hand_qty,
    cast(sum(l.on_order_qty) as decimal(18, 4)) as on_order_qty,
    cast(sum(l.on_hand_qty * coalesce(l.unit_cost, p.unit_cost)) as decimal(18, 2)) as stock_value,
    count(case when l.unit_cost is null and p.unit_cost is null then 1 end) as warehouses_without_cost
from levels as l
left join products as p on l.product_id = p.product_id
group by l.product_id
