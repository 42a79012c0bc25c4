with source as (

    select * from {{ source('erp', 'erp_gl_entries') }}

),

renamed as (

    select
        entry_id,
        cast(posting_date as date) as posting_date,
        gl_account,
        gl_account_name,
        cost_center,
        cast(amount as decimal(18,4)) as amount,
        customer_id,
        description,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
