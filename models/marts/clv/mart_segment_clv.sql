{#- One row per segment with customers in mart_customer_clv: average and total CLV, and the CLV of
    the customers won in the acquisition window against what winning a customer cost
    (methodology §4; docs block acquisition_cost).
    - Window: the var clv_acquisition_window_months months up to the as-of month.
    - New (won) customers: first invoice in the window and not left-censored (dim_customer
      existed_before_data: created before the data's first month, or buying in its first var
      clv_left_censored_months months; their acquisition lies before the data).
    - Acquisition spend: all cost charged to the segment's accounts in their acquisition months
      (macro acquisition_spend_expr, as the scorecard's acquisition_spend and the whale curve's
      acquisition_cost) in the window (prospects, and accounts before their first invoice;
      macro is_acquisition_month), left-censored customers left out; the cost of prospects never
      won is carried by those won.
    - CLV of the new customers has no acquisition cost in it (forward contribution), so nothing is
      counted twice. -#}
with clv as (

    select * from {{ ref('mart_customer_clv') }}

),

accounts as (

    -- existed_before_data (dim_customer): the left-censored customers, won before the data starts
    select c.customer_key, c.segment_key, c.first_invoice_date, c.existed_before_data as is_left_censored
    from {{ ref('dim_customer') }} as c
    where c.customer_key <> 'unknown'

),

bounds as (

    select clv_acquisition_window_start_month as window_start_month, as_of_month
    from {{ ref('int_window_bounds') }}

),

classified as (

    select
        a.*,
        a.first_invoice_date is not null
            and {{ month_of('a.first_invoice_date') }} >= b.window_start_month
            and {{ month_of('a.first_invoice_date') }} <= b.as_of_month as is_won_in_window
    from accounts as a
    cross join bounds as b

),

acquisition_spend as (

    select
        a.segment_key,
        sum({{ acquisition_spend_expr('p') }}) as acquisition_spend
    from {{ ref('fct_customer_pnl_monthly') }} as p
    inner join classified as a on p.customer_key = a.customer_key
    cross join bounds as b
    where p.month >= b.window_start_month
      and p.month <= b.as_of_month
      and {{ is_acquisition_month('p.month', 'a.first_invoice_date') }}
      and not a.is_left_censored
    group by a.segment_key

),

new_customers as (

    select a.segment_key, a.customer_key
    from classified as a
    where a.is_won_in_window and not a.is_left_censored

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
        avg(case when n.customer_key is not null then c.clv end) as new_customer_clv
    from clv as c
    left join new_customers as n on c.customer_key = n.customer_key
    group by c.segment_key

),

won as (

    select segment_key, count(*) as new_customers
    from new_customers
    group by segment_key

)

select
    cast(s.segment_key as string) as segment_key,
    cast(s.customers as bigint) as customers,
    cast(s.predicted_customers as bigint) as predicted_customers,
    cast(s.fallback_customers as bigint) as fallback_customers,
    cast(s.clv as decimal(18, 2)) as clv,
    cast(s.total_clv as decimal(18, 2)) as total_clv,
    cast(s.historical_value as decimal(18, 2)) as historical_value,
    cast(s.predicted_value as decimal(18, 2)) as predicted_value,
    cast(coalesce(w.new_customers, 0) as bigint) as new_customers,
    cast(s.new_customer_clv as decimal(18, 2)) as new_customer_clv,
    cast(coalesce(a.acquisition_spend, 0) as decimal(18, 2)) as acquisition_spend,
    cast(a.acquisition_spend / nullif(w.new_customers, 0) as decimal(18, 2)) as acquisition_cost,
    cast(cast(s.new_customer_clv as double)
         / nullif(cast(a.acquisition_spend as double) / nullif(w.new_customers, 0), 0) as double)
        as clv_to_acquisition_cost
from per_segment as s
left join won as w on s.segment_key = w.segment_key
left join acquisition_spend as a on s.segment_key = a.segment_key
