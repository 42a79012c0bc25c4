with source as (

    select * from {{ source('crm', 'crm_campaign_touches') }}

),

renamed as (

    select
        touch_id,
        campaign_id,
        account_id,
        cast(touch_date as date) as touch_date,
        response,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
