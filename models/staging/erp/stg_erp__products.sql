with source as (

    select * from {{ source('erp', 'erp_products') }}

),

renamed as (

    select
        product_id,
        product_name,
        product_group,
        cast(unit_cost as decimal(18,4)) as unit_cost,
        cast(list_price as decimal(18,4)) as list_price,
        cast(is_active as boolean) as is_active,
        cast(lead_time_days as bigint) as lead_time_days,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
