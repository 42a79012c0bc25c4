{#- One row per invoice line, money in EUR: unit_price, net_amount and cost_amount of an invoice in
    another currency are converted with its eur_rate (int_invoices_rated, seed currency_rates), net
    and cost rounded to the cent; EUR lines keep their amounts exactly. A line whose invoice has not
    arrived (an orphan) is taken as EUR, the contract's default. Every model takes revenue and cost
    of goods from here (through int_sales_lines), so none sums a foreign amount as EUR. A view: no
    data is copied, and loaded_at passes through for the incremental models. -#}
{{ config(materialized='view') }}
with lines as (

    select * from {{ ref('stg_erp__sales_invoice_lines') }}

),

rates as (

    select invoice_id, eur_rate from {{ ref('int_invoices_rated') }}

),

rated as (

    select
        l.*,
        case when r.invoice_id is null then cast(1 as decimal(18, 6)) else r.eur_rate end as eur_rate
    from lines as l
    left join rates as r on l.invoice_id = r.invoice_id

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
