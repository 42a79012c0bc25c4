{#- One row per customer × product group with invoice lines in the penetration window (the
    var penetration_window_days days up to and including the as-of date): net spend, EUR.
    This is the single pass over the invoice lines for the penetration subject; every later
    step works on this (small) aggregate. Orphan lines (customer 'unknown') are left out. -#}
with as_of as (

    select as_of_date, penetration_window_start from {{ ref('int_window_bounds') }}

),

window_lines as (

    select
        l.customer_key,
        l.product_group,
        l.revenue
    from {{ ref('int_sales_lines') }} as l
    cross join as_of as a
    where l.customer_key <> 'unknown'
      and l.invoice_date <= a.as_of_date
      and l.invoice_date > a.penetration_window_start

),

aggregated as (

    select
        customer_key,
        product_group,
        cast(sum(revenue) as decimal(18, 2)) as spend
    from window_lines
    group by customer_key, product_group

)

select
    customer_key,
    product_group,
    spend,
    cast(sum(spend) over (partition by customer_key) as decimal(18, 2)) as customer_spend
from aggregated
