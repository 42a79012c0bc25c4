{#- Invoice lines as delivered (amounts in the invoice's currency); int_invoice_lines_converted
    turns them into EUR. -#}
with source as (

    select * from {{ source('erp', 'erp_sales_invoice_lines') }}

),

renamed as (

    select
        invoice_id,
        cast(line_no as bigint) as line_no,
        product_id,
        cast(quantity as decimal(18,4)) as quantity,
        cast(unit_price as decimal(18,4)) as unit_price,
        cast(discount_pct as decimal(18,4)) as discount_pct,
        cast(net_amount as decimal(18,4)) as net_amount,
        cast(cost_amount as decimal(18,4)) as cost_amount,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
