with source as (

    select * from {{ source('crm', 'crm_opportunities') }}

),

renamed as (

    select
        opportunity_id,
        account_id,
        cast(created_date as date) as created_date,
        cast(quote_date as date) as quote_date,
        cast(close_date as date) as close_date,
        stage,
        cast(amount as decimal(18,4)) as amount,
        product_group,
        lost_reason,
        competitor,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
