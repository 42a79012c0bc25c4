{#- Invoice headers. `currency_code` is the currency in capitals, EUR when empty (the contract:
    money is EUR unless a currency column says otherwise); its rate to EUR is looked up in
    int_invoice_lines_converted (seed currency_rates), not here: staging only renames and casts. -#}
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
        upper(coalesce(nullif(trim(currency), ''), 'EUR')) as currency_code,
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
