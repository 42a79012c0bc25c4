{#- One row per invoice line in the stock window (whole demand periods of var stock_period_days
    ending on the as-of date; int_window_bounds.stock_window_days), with the period it falls in: period 1 is
    the most recent. The only place the stock subject reads sales from. -#}
with as_of as (

    select as_of_date, stock_window_days from {{ ref('int_window_bounds') }}

),

lines as (

    select
        s.product_id,
        s.customer_key,
        s.invoice_date,
        s.is_credit_note,
        s.quantity,
        s.revenue,
        s.cost_of_goods,
        {{ datediff('s.invoice_date', 'a.as_of_date', 'day') }} as days_before_as_of,
        a.stock_window_days
    from {{ ref('int_sales_lines') }} as s
    cross join as_of as a
    where s.product_id is not null
      and s.invoice_date <= a.as_of_date

)

select
    product_id,
    customer_key,
    invoice_date,
    is_credit_note,
    cast(floor(days_before_as_of / {{ var('stock_period_days') }}) as bigint) + 1 as period_number,
    cast(coalesce(quantity, 0) as decimal(18, 4)) as quantity,
    revenue,
    cost_of_goods,
    cast(revenue - cost_of_goods as decimal(18, 2)) as gross_margin
from lines
where days_before_as_of < stock_window_days
