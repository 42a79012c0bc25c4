with source as (

    select * from {{ source('crm', 'crm_service_cases') }}

),

renamed as (

    select
        case_id,
        account_id,
        cast(opened_at as timestamp) as opened_at,
        cast(closed_at as timestamp) as closed_at,
        category,
        cast(handling_minutes as bigint) as handling_minutes,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
