{#- One row per company in dim_customer (prospects too): behaviour figures, ABC class on recent
    revenue, RFM scores and segment, and a 0-100 customer value score. Definitions:
    docs block `customer_segments` (models/marts/segmentation/_segmentation__docs.md). -#}
with customers as (

    select
        customer_key,
        lifecycle_status,
        segment_key,
        first_invoice_date,
        last_invoice_date,
        days_since_last_invoice,
        as_of_date
    from {{ ref('dim_customer') }}

),

sales as (

    select * from {{ ref('int_customer_sales_aggregated') }}

),

-- net profit to date (gross margin minus cost to serve) from the profitability mart
profit as (

    select p.customer_key, sum(p.net_profit) as net_profit_to_date
    from {{ ref('fct_customer_pnl_monthly') }} as p
    cross join (select max(as_of_date) as as_of_date from customers) as a
    where p.month <= {{ month_of('a.as_of_date') }}
    group by p.customer_key

),

base as (

    select
        c.customer_key,
        c.lifecycle_status,
        c.segment_key,
        c.last_invoice_date,
        c.days_since_last_invoice,
        -- a customer's lifetime runs from the first invoice to the as-of date while it is a
        -- customer (active, lapsed), to its last invoice once it is an ex-customer
        case
            when c.first_invoice_date is null then null
            when c.lifecycle_status = 'ex_customer'
                then {{ datediff('c.first_invoice_date', 'c.last_invoice_date', 'day') }} / 365.25
            else {{ datediff('c.first_invoice_date', 'c.as_of_date', 'day') }} / 365.25
        end as tenure_years,
        coalesce(s.revenue_to_date, 0) as revenue_to_date,
        coalesce(s.cost_of_goods_to_date, 0) as cost_of_goods_to_date,
        p.net_profit_to_date,
        coalesce(s.order_moments_to_date, 0) as order_moments_to_date,
        coalesce(s.revenue_window, 0) as revenue_window,
        coalesce(s.revenue_rfm_window, 0) as revenue_rfm_window,
        coalesce(s.order_moments_rfm_window, 0) as order_moments_rfm_window,
        -- the 'unknown' member (orphan invoice lines) is no company: it is never ranked
        c.customer_key <> 'unknown' and coalesce(s.revenue_window, 0) > 0 as is_abc_ranked,
        c.last_invoice_date is not null and c.customer_key <> 'unknown' as is_rfm_scored
    from customers as c
    left join sales as s on c.customer_key = s.customer_key
    left join profit as p on c.customer_key = p.customer_key

),

per_year as (

    select
        *,
        -- per-year figures divide by at least one year, so a young customer's first order is
        -- not blown up to a yearly rate
        revenue_to_date / greatest(tenure_years, 1) as revenue_per_year,
        (revenue_to_date - cost_of_goods_to_date) / greatest(tenure_years, 1) as gross_margin_per_year,
        net_profit_to_date / greatest(tenure_years, 1) as net_margin_per_year,
        order_moments_to_date / greatest(tenure_years, 1) as order_moments_per_year,
        case when revenue_to_date > 0
             then 100.0 * (revenue_to_date - cost_of_goods_to_date) / revenue_to_date end as gross_margin_pct
    from base

),

-- ABC: rank by window revenue; the share of revenue ranked before a customer decides its class,
-- so the customer that crosses abc_a_share is still A (macros abc_*, as the product ABC)
abc_cumulative as (

    select
        customer_key,
        {{ abc_share_before_pct('revenue_window', 'customer_key') }} as revenue_share_before_pct
    from per_year
    where is_abc_ranked

),

ranked as (

    select
        p.*,
        a.revenue_share_before_pct,
        {{ percent_rank_of('-1 * p.days_since_last_invoice', 'p.is_rfm_scored') }} as recency_rank,
        {{ percent_rank_of('p.order_moments_rfm_window', 'p.is_rfm_scored') }} as frequency_rank,
        {{ percent_rank_of('p.revenue_rfm_window', 'p.is_rfm_scored') }} as monetary_rank,
        {{ percent_rank_of('p.tenure_years', 'p.is_rfm_scored') }} as tenure_rank,
        {{ percent_rank_of('p.revenue_per_year', 'p.is_rfm_scored') }} as revenue_rank,
        {{ percent_rank_of('p.gross_margin_pct', 'p.is_rfm_scored') }} as margin_rank,
        {{ percent_rank_of('p.order_moments_per_year', 'p.is_rfm_scored') }} as order_moments_rank
    from per_year as p
    left join abc_cumulative as a on p.customer_key = a.customer_key

),

scored as (

    select
        *,
        {{ abc_class('revenue_share_before_pct', 'abc_a_share', 'abc_b_share') }} as abc_class,
        case when recency_rank is not null then {{ rfm_score('recency_rank') }} end as recency_score,
        case when frequency_rank is not null then {{ rfm_score('frequency_rank') }} end as frequency_score,
        case when monetary_rank is not null then {{ rfm_score('monetary_rank') }} end as monetary_score
    from ranked

)

select
    customer_key,
    lifecycle_status,
    segment_key,
    cast(tenure_years as double) as tenure_years,
    cast(revenue_window as decimal(18, 2)) as revenue_window,
    cast(revenue_per_year as decimal(18, 2)) as revenue_per_year,
    cast(gross_margin_per_year as decimal(18, 2)) as gross_margin_per_year,
    cast(gross_margin_pct as double) as gross_margin_pct,
    cast(net_margin_per_year as decimal(18, 2)) as net_margin_per_year,
    cast(order_moments_per_year as double) as order_moments_per_year,
    cast(days_since_last_invoice as bigint) as days_since_last_order,
    abc_class,
    recency_score,
    frequency_score,
    monetary_score,
    cast(recency_score as string) || cast(frequency_score as string) || cast(monetary_score as string) as rfm_score,
    {{ rfm_segment('recency_score', 'frequency_score', 'monetary_score') }} as rfm_segment,
    -- weighted mean of the component percent ranks; a missing component (no margin %) is left
    -- out of both numerator and denominator
    cast(round(100.0 * (
        {{ var('customer_value_weight_tenure') }} * coalesce(tenure_rank, 0)
        + {{ var('customer_value_weight_revenue') }} * coalesce(revenue_rank, 0)
        + {{ var('customer_value_weight_margin') }} * coalesce(margin_rank, 0)
        + {{ var('customer_value_weight_order_moments') }} * coalesce(order_moments_rank, 0)
    ) / nullif(
        case when tenure_rank is not null then {{ var('customer_value_weight_tenure') }} else 0 end
        + case when revenue_rank is not null then {{ var('customer_value_weight_revenue') }} else 0 end
        + case when margin_rank is not null then {{ var('customer_value_weight_margin') }} else 0 end
        + case when order_moments_rank is not null then {{ var('customer_value_weight_order_moments') }} else 0 end
    , 0), 1) as double) as customer_value_score
from scored
