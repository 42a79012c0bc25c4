with source as (

    select * from {{ source('crm', 'crm_activities') }}

),

renamed as (

    select
        activity_id,
        account_id,
        activity_type,
        cast(activity_date as date) as activity_date,
        cast(duration_minutes as bigint) as duration_minutes,
        owner,
        outcome,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
