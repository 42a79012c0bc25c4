{#- One row per product (mart_product_classification): the target service level from its
    ABC-XYZ class and segment weight, safety stock and reorder point from demand variability and
    lead time, and, when the landing set has erp_stock_levels, what the stock on hand means
    against that policy. Definitions: docs blocks stock_service_level, safety_stock,
    reorder_point, stock_policy_max and stock_position. -#}
{%- set levels = var('stock_service_level_pct') -%}
{%- set mto_classes = var('stock_make_to_order_classes') -%}
{%- set period = var('stock_period_days') -%}
with classification as (

    select * from {{ ref('mart_product_classification') }}

),

demand as (

    select product_id, standard_unit_cost, lead_time_days
    from {{ ref('int_product_demand_summarised') }}

),

stock as (

    select * from {{ ref('int_stock_on_hand_aggregated') }}

),

-- whether the landing set carries stock levels at all: without them the stock columns are null
has_stock as (

    select count(*) > 0 as has_stock_levels from stock

),

policy as (

    select
        c.product_id,
        c.product_group,
        c.abc_class,
        c.xyz_class,
        c.segment_weight,
        c.demand_per_period,
        c.demand_sd_per_period,
        c.invoice_lines_window,
        d.standard_unit_cost,
        cast(coalesce(d.lead_time_days, {{ var('stock_default_lead_time_days') }}) as bigint) as lead_time_days,
        d.lead_time_days is null as is_default_lead_time,
        case
            when c.abc_class = 'D' then 'make_to_order'
            {% if mto_classes -%}
            when (c.abc_class || c.xyz_class) in ({% for k in mto_classes %}'{{ k }}'{{ ',' if not loop.last }}{% endfor %})
                 and coalesce(c.segment_weight, 0.5) < {{ var('stock_make_to_order_max_weight') }} then 'make_to_order'
            {%- endif %}
            else 'make_to_stock'
        end as stock_policy,
        case (c.abc_class || c.xyz_class)
            {% for k, v in levels.items() -%}
            when '{{ k }}' then {{ v }}
            {% endfor -%}
        end as base_service_level_pct
    from (
        select
            product_id, product_group, abc_class, xyz_class, segment_weight,
            greatest(demand_per_period, 0.0) as demand_per_period, demand_sd_per_period,
            invoice_lines_window
        from classification
    ) as c
    left join demand as d on c.product_id = d.product_id

),

levelled as (

    select
        *,
        case when stock_policy = 'make_to_stock' then
            least({{ var('stock_service_level_max_pct') }}, greatest(50.0,
                base_service_level_pct
                + (coalesce(segment_weight, 0.5) - 0.5) * 2 * {{ var('stock_service_level_segment_pts') }}))
        end as service_level_pct
    from policy

),

quantities as (

    select
        *,
        case when stock_policy = 'make_to_stock'
             then {{ normal_quantile('service_level_pct / 100.0') }} end as safety_factor,
        demand_per_period / {{ period }} as demand_per_day
    from levelled

),

sized as (

    select
        *,
        -- safety stock = z x sigma(period demand) x sqrt(lead time / period length)
        case when stock_policy = 'make_to_stock'
             then safety_factor * demand_sd_per_period * sqrt(lead_time_days / {{ period }}.0) else 0.0 end as safety_stock,
        -- reorder point = demand over the lead time + safety stock
        case when stock_policy = 'make_to_stock'
             then demand_per_day * lead_time_days
                  + safety_factor * demand_sd_per_period * sqrt(lead_time_days / {{ period }}.0) else 0.0 end as reorder_point,
        -- policy maximum = reorder point + one order cycle of demand
        case when stock_policy = 'make_to_stock'
             then demand_per_day * (lead_time_days + {{ var('stock_order_cycle_days') }})
                  + safety_factor * demand_sd_per_period * sqrt(lead_time_days / {{ period }}.0) else 0.0 end as max_stock
    from quantities

),

positioned as (

    select
        p.*,
        h.has_stock_levels,
        case when h.has_stock_levels then coalesce(s.on_hand_qty, 0) end as on_hand_qty,
        case when h.has_stock_levels then s.on_order_qty end as on_order_qty,
        case when h.has_stock_levels then coalesce(s.stock_value, 0) end as stock_value,
        -- the value of one unit on hand: the stock's own valuation, else the standard cost
        case when s.on_hand_qty > 0 then s.stock_value / s.on_hand_qty else p.standard_unit_cost end as unit_value
    from sized as p
    cross join has_stock as h
    left join stock as s on p.product_id = s.product_id

)

select
    product_id,
    product_group,
    abc_class,
    xyz_class,
    cast(segment_weight as double) as segment_weight,
    stock_policy,
    cast(round(service_level_pct, 2) as decimal(6, 2)) as service_level_pct,
    lead_time_days,
    is_default_lead_time,
    cast(demand_per_day as double) as demand_per_day,
    cast(round(safety_stock, 2) as decimal(18, 2)) as safety_stock_qty,
    cast(round(reorder_point, 2) as decimal(18, 2)) as reorder_point_qty,
    cast(round(max_stock, 2) as decimal(18, 2)) as max_stock_qty,
    has_stock_levels,
    cast(on_hand_qty as decimal(18, 2)) as on_hand_qty,
    cast(on_order_qty as decimal(18, 2)) as on_order_qty,
    cast(stock_value as decimal(18, 2)) as stock_value,
    cast(case when on_hand_qty is not null and demand_per_day > 0
              then round(on_hand_qty / demand_per_day, 1) end as decimal(18, 1)) as days_of_cover,
    cast(case when on_hand_qty is not null
              then round(greatest(on_hand_qty - max_stock, 0.0), 2) end as decimal(18, 2)) as excess_stock_qty,
    cast(case when on_hand_qty is not null
              then round(greatest(on_hand_qty - max_stock, 0.0) * coalesce(unit_value, 0), 2) end as decimal(18, 2)) as excess_stock_value,
    -- below the reorder point counting what is already on order (the inventory position)
    cast(case when on_hand_qty is not null
              then round(greatest(reorder_point - on_hand_qty - coalesce(on_order_qty, 0), 0.0), 2) end as decimal(18, 2)) as shortfall_qty,
    case when on_hand_qty is not null then on_hand_qty > 0 and invoice_lines_window = 0 end as is_dead_stock
from positioned
