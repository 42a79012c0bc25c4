{#- One row per customer (with a first non-credit invoice) per period it has invoice lines in: the
    period is a month or a quarter (var clv_cohort_grain), the customer's cohort the period of its
    first invoice, period_number the periods since. Read from the per-customer-month aggregate. -#}
{%- set grain = var('clv_cohort_grain') %}
{%- if grain not in ['month', 'quarter'] %}
    {{ exceptions.raise_compiler_error("var clv_cohort_grain must be month or quarter, not '" ~ grain ~ "'.") }}
{%- endif %}
with orders as (

    select
        customer_key,
        cast({{ date_trunc(grain, 'first_invoice_date') }} as date) as cohort
    from {{ ref('int_customer_orders') }}
    where first_invoice_date is not null

),

lines as (

    -- orphan lines sit under customer_key 'unknown', which has no first invoice: the inner join
    -- with orders below leaves them out
    select
        customer_key,
        cast({{ date_trunc(grain, 'month') }} as date) as period_start,
        sum(revenue) as revenue,
        sum(cost_of_goods) as cost_of_goods,
        sum(order_lines) as order_lines
    from {{ ref('int_customer_months_aggregated') }}
    group by customer_key, cast({{ date_trunc(grain, 'month') }} as date)

)

select
    l.customer_key,
    o.cohort,
    l.period_start,
    cast({{ datediff('o.cohort', 'l.period_start', grain) }} as integer) as period_number,
    l.order_lines > 0 as is_active,
    cast(l.revenue as decimal(18, 2)) as revenue,
    cast(l.cost_of_goods as decimal(18, 2)) as cost_of_goods,
    cast(l.revenue - l.cost_of_goods as decimal(18, 2)) as gross_margin
from lines as l
inner join orders as o on l.customer_key = o.customer_key
