with source as (

    select * from {{ source('erp', 'erp_shipments') }}

),

renamed as (

    select
        shipment_id,
        invoice_id,
        customer_id,
        cast(ship_date as date) as ship_date,
        cast(package_count as bigint) as package_count,
        cast(is_express as boolean) as is_express,
        cast(freight_cost as decimal(18,4)) as freight_cost,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
