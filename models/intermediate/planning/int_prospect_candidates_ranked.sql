{#- One row per company that could be (re)gained: ex-customers, lapsed customers and
    prospects, in the order sales should work them:
    1. segment attractiveness_rank (1 = most attractive; segments without a rank last);
    2. within a segment ex-customers, then lapsed customers, then prospects (ex-customers are
       on average more promising than cold prospects and are never forgotten);
    3. tiebreak: lifetime net revenue (high first), then employee count (large first, unknown
       last), then customer_key, so the order is deterministic.
    Customers blocked in the ERP are left out when var planning_exclude_blocked (default true). -#}
with companies as (

    select * from {{ ref('dim_customer') }}
    where customer_key <> 'unknown'
      and lifecycle_status in ('ex_customer', 'lapsed', 'prospect')
      {% if var('planning_exclude_blocked') %}and not coalesce(is_blocked, false){% endif %}

),

segment_ranks as (

    select segment_key, attractiveness_rank
    from {{ ref('mart_segment_attractiveness') }}

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
        case c.lifecycle_status when 'ex_customer' then 1 when 'lapsed' then 2 else 3 end as status_order
    from companies as c
    left join segment_ranks as s on c.segment_key = s.segment_key
    left join revenue as r on c.customer_key = r.customer_key

)

select
    customer_key,
    company_name,
    lifecycle_status,
    segment_key,
    attractiveness_rank,
    cast(lifetime_revenue as decimal(18, 2)) as lifetime_revenue,
    last_invoice_month,
    employee_count,
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
