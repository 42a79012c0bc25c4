with source as (

    select * from {{ source('erp', 'erp_payments') }}

),

renamed as (

    select
        payment_id,
        invoice_id,
        cast(payment_date as date) as payment_date,
        cast(amount as decimal(18,4)) as amount,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
