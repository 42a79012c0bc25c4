{#- One row per product × customer that bought it in the stock window: quantity (net of credit
    notes) and margin. The marts weigh products by who buys them from here. -#}
select
    product_id,
    customer_key,
    cast(sum(quantity) as decimal(18, 4)) as demand_qty,
    cast(sum(revenue) as decimal(18, 2)) as revenue,
    cast(sum(gross_margin) as decimal(18, 2)) as gross_margin,
    count(case when not is_credit_note then 1 end) as invoice_lines
from {{ ref('int_product_sales_windowed') }}
group by product_id, customer_key
