with source as (

    select * from {{ source('crm', 'crm_accounts') }}

),

renamed as (

    select
        account_id,
        erp_customer_id,
        account_name,
        coc_number,
        industry_code,
        cast(employee_count as bigint) as employee_count,
        country,
        postcode,
        lead_source,
        owner,
        cast(created_date as date) as created_date,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
