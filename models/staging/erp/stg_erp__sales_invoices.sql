with source as (

    select * from {{ source('erp', 'erp_sales_invoices') }}

),

renamed as (

    select
        invoice_id,
        customer_id,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        currency,
        order_channel,
        cast(is_credit_note as boolean) as is_credit_note,
        sales_rep,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
