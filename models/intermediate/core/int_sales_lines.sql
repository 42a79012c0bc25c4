{#- One row per invoice line, with its invoice header, customer_key and product group.
    Revenue and cost of goods of the warehouse come from here and only here. An orphan line
    (its invoice never arrived) is kept under customer_key 'unknown' and dated by its delivery,
    so revenue in equals revenue out; `is_orphan` flags it. -#}
with lines as (

    select * from {{ ref('stg_erp__sales_invoice_lines') }}

),

invoices as (

    select * from {{ ref('stg_erp__sales_invoices') }}

),

products as (

    select product_id, product_group from {{ ref('stg_erp__products') }}

)

select
    l.invoice_id,
    l.line_no,
    coalesce('erp:' || i.customer_id, 'unknown') as customer_key,
    i.customer_id as erp_customer_id,
    coalesce(i.invoice_date, l.delivery_date) as invoice_date,
    {{ month_of('coalesce(i.invoice_date, l.delivery_date)') }} as invoice_month,
    coalesce(i.is_credit_note, false) as is_credit_note,
    i.order_channel,
    i.sales_rep,
    l.product_id,
    coalesce(p.product_group, 'unknown') as product_group,
    l.quantity,
    l.unit_price,
    l.discount_pct,
    cast(coalesce(l.net_amount, 0) as decimal(18, 2)) as revenue,
    cast(coalesce(cast(l.quantity as double) * cast(l.unit_price as double) * cast(l.discount_pct as double) / 100, 0) as decimal(18, 2)) as discount_amount,
    cast(coalesce(l.cost_amount, 0) as decimal(18, 2)) as cost_of_goods,
    i.invoice_id is null as is_orphan
from lines as l
left join invoices as i on l.invoice_id = i.invoice_id
left join products as p on l.product_id = p.product_id
