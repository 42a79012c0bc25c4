{#- Invoice lines with their money in EUR: unit_price, net_amount and cost_amount of an invoice
    in another currency are converted with its eur_rate (stg_erp__sales_invoices, seed
    currency_rates), net and cost rounded to the cent; EUR lines keep their amounts exactly. A
    line whose invoice has not arrived (an orphan) is taken as EUR, the contract's default.
    Every model takes revenue and cost of goods from here, so none sums a foreign amount as EUR. -#}
with source as (

    select * from {{ source('erp', 'erp_sales_invoice_lines') }}

),

invoices as (

    select invoice_id, eur_rate from {{ ref('stg_erp__sales_invoices') }}

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

),

rated as (

    select
        l.*,
        case when i.invoice_id is null then cast(1 as decimal(18, 6)) else i.eur_rate end as eur_rate
    from renamed as l
    left join invoices as i on l.invoice_id = i.invoice_id

)

select
    invoice_id,
    line_no,
    product_id,
    quantity,
    case when eur_rate = 1 then unit_price else cast(round(unit_price * eur_rate, 4) as decimal(18,4)) end as unit_price,
    discount_pct,
    case when eur_rate = 1 then net_amount else cast(round(net_amount * eur_rate, 2) as decimal(18,4)) end as net_amount,
    case when eur_rate = 1 then cost_amount else cast(round(cost_amount * eur_rate, 2) as decimal(18,4)) end as cost_amount,
    eur_rate,
    is_deleted,
    delivery,
    delivery_date,
    loaded_at
from rated
