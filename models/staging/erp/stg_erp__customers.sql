with source as (

    select * from {{ source('erp', 'erp_customers') }}

),

renamed as (

    select
        customer_id,
        customer_name,
        coc_number,
        industry_code,
        cast(employee_count as bigint) as employee_count,
        country,
        postcode,
        cast(created_date as date) as created_date,
        account_manager,
        cast(payment_terms_days as bigint) as payment_terms_days,
        cast(credit_limit as decimal(18,4)) as credit_limit,
        cast(is_blocked as boolean) as is_blocked,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
