with source as (

    select * from {{ source('erp', 'erp_stock_levels') }}

),

renamed as (

    select
        product_id,
        warehouse_id,
        cast(on_hand_qty as decimal(18,4)) as on_hand_qty,
        cast(on_order_qty as decimal(18,4)) as on_order_qty,
        cast(unit_cost as decimal(18,4)) as unit_cost,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
