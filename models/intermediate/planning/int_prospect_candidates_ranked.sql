{#- One row per company that could be (re)gained: ex-customers, lapsed customers and
    prospects, in the order sales should work them:
    1. segment attractiveness_rank (1 = most attractive; segments without a rank last);
    2. within a segment ex-customers, then lapsed customers, then prospects (ex-customers are
       on average more promising than cold prospects and are never forgotten);
    3. tiebreak: lifetime net revenue (high first), then employee count (large first, unknown
       last), then customer_key, so the order is deterministic.
    Each company carries what working it is expected to bring: its segment's new-business
    value per address (int_planning_new_business_rates; the company figures for a segment
    without new-business history), rounded to cents, and the running total down the list
    (docs block planning_addresses_needed).
    Customers blocked in the ERP are left out when var planning_exclude_blocked (default true). -#}
with companies as (

    select * from {{ ref('dim_customer') }}
    where customer_key <> 'unknown'
      and lifecycle_status in ('ex_customer', 'lapsed', 'prospect')
      {% if var('planning_exclude_blocked') %}and not coalesce(is_blocked, false){% endif %}

),

segment_ranks as (

    select segment_key, attractiveness_rank
    from {{ ref('int_segment_attractiveness_ranked') }}

),

rates as (

    select segment_key, address_to_order_pct, order_value, value_per_address
    from {{ ref('int_planning_new_business_rates') }}

),

revenue as (

    select customer_key, lifetime_revenue, last_invoice_month
    from {{ ref('int_planning_customers_aggregated') }}

),

joined as (

    select
        c.customer_key,
        c.company_name,
        c.lifecycle_status,
        c.segment_key,
        c.employee_count,
        s.attractiveness_rank,
        coalesce(r.lifetime_revenue, 0) as lifetime_revenue,
        r.last_invoice_month,
        case c.lifecycle_status when 'ex_customer' then 1 when 'lapsed' then 2 else 3 end as status_order,
        coalesce(sr.address_to_order_pct, tr.address_to_order_pct) as address_to_order_pct,
        coalesce(sr.order_value, tr.order_value) as order_value,
        cast(coalesce(sr.value_per_address, tr.value_per_address) as decimal(18, 2)) as expected_value
    from companies as c
    left join segment_ranks as s on c.segment_key = s.segment_key
    left join revenue as r on c.customer_key = r.customer_key
    left join rates as sr on c.segment_key = sr.segment_key and sr.segment_key <> 'all'
    left join rates as tr on tr.segment_key = 'all'

),

ranked as (

    select
        customer_key,
        company_name,
        lifecycle_status,
        segment_key,
        attractiveness_rank,
        cast(lifetime_revenue as decimal(18, 2)) as lifetime_revenue,
        last_invoice_month,
        employee_count,
        address_to_order_pct,
        cast(order_value as decimal(18, 2)) as order_value,
        expected_value,
        cast(row_number() over (
            order by
                case when attractiveness_rank is null then 1 else 0 end,
                attractiveness_rank,
                status_order,
                lifetime_revenue desc,
                case when employee_count is null then 1 else 0 end,
                employee_count desc,
                customer_key
        ) as bigint) as candidate_rank
    from joined

)

select
    *,
    cast(sum(expected_value) over (order by candidate_rank rows between unbounded preceding and current row)
         as decimal(18, 2)) as cumulative_expected_value
from ranked
