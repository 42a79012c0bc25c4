{#- One row per segment with customers in mart_customer_clv: average and total CLV against the
    acquisition cost of a new customer. Acquisition cost = sales effort + marketing + commission
    allocated to a customer in its first var clv_acquisition_months months from its first invoice
    (mart_customer_profitability). A customer counts as new when its first invoice falls after the
    first month of the data: customers already buying in the first month may be older customers
    whose acquisition the data does not show. -#}
with clv as (

    select * from {{ ref('mart_customer_clv') }}

),

orders as (

    select customer_key, first_invoice_date, {{ month_of('first_invoice_date') }} as first_month
    from {{ ref('int_customer_orders') }}
    where first_invoice_date is not null

),

data_start as (

    select min(first_month) as first_data_month from orders

),

new_customers as (

    select o.customer_key, o.first_month
    from orders as o
    cross join data_start as d
    where o.first_month > d.first_data_month

),

acquisition as (

    select
        n.customer_key,
        sum(coalesce(m.sales_effort, 0) + coalesce(m.marketing, 0) + coalesce(m.commission, 0)) as acquisition_cost
    from new_customers as n
    left join {{ ref('mart_customer_profitability') }} as m
        on m.customer_key = n.customer_key
       and m.month >= n.first_month
       and m.month < {{ dateadd('month', var('clv_acquisition_months'), 'n.first_month') }}
    group by n.customer_key

),

per_segment as (

    select
        c.segment_key,
        count(*) as customers,
        count(case when c.is_predicted then 1 end) as predicted_customers,
        count(case when c.purchases_estimate <> 'bg_nbd' or c.spend_estimate <> 'gamma_gamma' then 1 end)
            as fallback_customers,
        avg(c.clv) as clv,
        sum(c.clv) as total_clv,
        sum(c.historical_value) as historical_value,
        sum(c.predicted_value) as predicted_value,
        count(a.customer_key) as new_customers,
        avg(a.acquisition_cost) as acquisition_cost
    from clv as c
    left join acquisition as a on c.customer_key = a.customer_key
    group by c.segment_key

)

select
    cast(segment_key as string) as segment_key,
    cast(customers as bigint) as customers,
    cast(predicted_customers as bigint) as predicted_customers,
    cast(fallback_customers as bigint) as fallback_customers,
    cast(clv as decimal(18, 2)) as clv,
    cast(total_clv as decimal(18, 2)) as total_clv,
    cast(historical_value as decimal(18, 2)) as historical_value,
    cast(predicted_value as decimal(18, 2)) as predicted_value,
    cast(new_customers as bigint) as new_customers,
    cast(acquisition_cost as decimal(18, 2)) as acquisition_cost,
    cast(cast(clv as double) / nullif(cast(acquisition_cost as double), 0) as double) as clv_to_acquisition_cost
from per_segment
