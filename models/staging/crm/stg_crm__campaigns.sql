with source as (

    select * from {{ source('crm', 'crm_campaigns') }}

),

renamed as (

    select
        campaign_id,
        campaign_name,
        channel,
        cast(start_date as date) as start_date,
        cast(total_cost as decimal(18,4)) as total_cost,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
