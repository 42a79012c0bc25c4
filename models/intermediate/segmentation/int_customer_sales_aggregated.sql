{#- One row per customer_key with invoice lines or invoices up to the as-of date: revenue, cost of
    goods and order moments to date, in the recent window (var segment_window_days), in the window
    before it (for growth) and in the RFM window (var rfm_window_days, 0 = to date).
    Read from the invoice totals (int_invoices_totalled), grouped straight to the customer. -#}
with as_of as (

    -- window bounds are computed once, in int_window_bounds
    select
        as_of_date,
        segment_window_start as window_start,
        segment_prior_window_start as prior_window_start,
        rfm_window_start
    from {{ ref('int_window_bounds') }}

),

-- windows are half-open: (start, as_of_date], so a 365-day window holds exactly 365 days
lines as (

    select
        l.customer_key,
        sum(l.revenue) as revenue_to_date,
        sum(l.cost_of_goods) as cost_of_goods_to_date,
        sum(case when l.invoice_date > a.window_start then l.revenue else 0 end) as revenue_window,
        sum(case when l.invoice_date > a.window_start then l.cost_of_goods else 0 end) as cost_of_goods_window,
        sum(case when l.invoice_date > a.prior_window_start and l.invoice_date <= a.window_start
                 then l.revenue else 0 end) as revenue_prior_window,
        sum(case when a.rfm_window_start is null or l.invoice_date > a.rfm_window_start
                 then l.revenue else 0 end) as revenue_rfm_window
    from {{ ref('int_invoices_totalled') }} as l
    cross join as_of as a
    where l.invoice_date <= a.as_of_date
    group by l.customer_key

),

-- an order moment is a distinct day with a (non-credit) invoice, as in int_customer_orders;
-- the days are made distinct once, then counted per window (no count distinct per window)
invoice_days as (

    select i.customer_key, i.invoice_date
    from {{ ref('int_invoices_totalled') }} as i
    cross join as_of as a
    where not i.is_orphan
      and not i.is_credit_note
      and i.invoice_date <= a.as_of_date
    group by i.customer_key, i.invoice_date

),

invoices as (

    select
        d.customer_key,
        count(*) as order_moments_to_date,
        count(case when d.invoice_date > a.window_start then 1 end) as order_moments_window,
        count(case when a.rfm_window_start is null or d.invoice_date > a.rfm_window_start
                   then 1 end) as order_moments_rfm_window
    from invoice_days as d
    cross join as_of as a
    group by d.customer_key

)

select
    coalesce(l.customer_key, i.customer_key) as customer_key,
    coalesce(l.revenue_to_date, 0) as revenue_to_date,
    coalesce(l.cost_of_goods_to_date, 0) as cost_of_goods_to_date,
    coalesce(l.revenue_window, 0) as revenue_window,
    coalesce(l.cost_of_goods_window, 0) as cost_of_goods_window,
    coalesce(l.revenue_prior_window, 0) as revenue_prior_window,
    coalesce(l.revenue_rfm_window, 0) as revenue_rfm_window,
    coalesce(i.order_moments_to_date, 0) as order_moments_to_date,
    coalesce(i.order_moments_window, 0) as order_moments_window,
    coalesce(i.order_moments_rfm_window, 0) as order_moments_rfm_window
from lines as l
full outer join invoices as i on l.customer_key = i.customer_key
