{#- One row per customer with at least one purchase up to the CLV calibration end: BG/NBD and
    Gamma-Gamma predictions and the customer lifetime value.
    Scoring split: what needs 2F1 (expected purchases per week, discounted) comes from the Python
    model int_clv_purchases_predicted; every closed form of the fitted parameters (P(alive), the
    Gamma-Gamma expected order value, margin, money) is computed here in plain SQL so it ports to
    another engine as is. -#}
{%- set blended_rate -%}
case when s.calibration_revenue > 0
             then (cast(s.historical_value as double) + o.credibility_revenue * pri.segment_margin_rate)
                  / (cast(s.calibration_revenue as double) + o.credibility_revenue)
             else pri.segment_margin_rate end
{%- endset %}
with summary as (

    select * from {{ ref('int_clv_customer_summary') }}

),

predicted as (

    select * from {{ ref('int_clv_purchases_predicted') }}

),

params as (

    select
        max(case when model = 'bg_nbd' and parameter = 'r' then value end) as r,
        max(case when model = 'bg_nbd' and parameter = 'alpha' then value end) as alpha,
        max(case when model = 'bg_nbd' and parameter = 'a' then value end) as a,
        max(case when model = 'bg_nbd' and parameter = 'b' then value end) as b,
        max(case when model = 'gamma_gamma' and parameter = 'p' then value end) as p,
        max(case when model = 'gamma_gamma' and parameter = 'q' then value end) as q,
        max(case when model = 'gamma_gamma' and parameter = 'v' then value end) as v
    from {{ ref('int_clv_parameters_fitted') }}
    where fitted

),

overall as (

    -- margin rate of all customers together, and the credibility constant K: the revenue at which a
    -- customer's own rate counts half (var clv_contribution_credibility × the median customer revenue)
    select
        sum(historical_value) / nullif(sum(calibration_revenue), 0) as margin_rate,
        {{ var('clv_contribution_credibility') }}
            * greatest(percentile_cont(0.5) within group (order by cast(calibration_revenue as double)), 0.01) as credibility_revenue
    from summary

),

customers as (

    select customer_key, segment_key, lifecycle_status
    from {{ ref('dim_customer') }}

),

settings as (

    select * from {{ ref('int_clv_settings_resolved') }}

),

-- Fallback priors, pooled over the customer's segment when it has enough customers, else over all:
-- repeat purchases per week of age, and revenue per purchase day.
pooled_segment as (

    select
        c.segment_key,
        count(*) as customers,
        sum(s.frequency) as repeat_purchases,
        sum(s.age_weeks) as age_weeks,
        sum(s.mean_purchase_value * (s.frequency + 1)) as purchase_revenue,
        sum(s.frequency + 1) as purchases,
        sum(s.historical_value) as historical_value,
        sum(s.calibration_revenue) as revenue
    from summary as s
    left join customers as c on s.customer_key = c.customer_key
    group by c.segment_key

),

pooled_all as (

    select
        sum(frequency) as repeat_purchases,
        sum(age_weeks) as age_weeks,
        sum(mean_purchase_value * (frequency + 1)) as purchase_revenue,
        sum(frequency + 1) as purchases
    from summary

),

priors as (

    select
        ps.segment_key,
        case when ps.customers >= {{ var('clv_fallback_min_segment_customers') }} and ps.age_weeks > 0
             then ps.repeat_purchases / ps.age_weeks
             else coalesce(pa.repeat_purchases / nullif(pa.age_weeks, 0), 0) end as prior_weekly_rate,
        case when ps.customers >= {{ var('clv_fallback_min_segment_customers') }}
             then ps.purchase_revenue / ps.purchases
             else pa.purchase_revenue / pa.purchases end as prior_purchase_value,
        -- the segment's margin rate (contribution / revenue, pooled), all customers' when it is small
        cast(case when ps.customers >= {{ var('clv_fallback_min_segment_customers') }} and ps.revenue > 0
             then ps.historical_value / ps.revenue
             else o.margin_rate end as double) as segment_margin_rate
    from pooled_segment as ps
    cross join pooled_all as pa
    cross join overall as o

),

scored as (

    select
        s.customer_key,
        c.segment_key,
        c.lifecycle_status,
        s.first_purchase_date,
        s.last_purchase_date,
        s.frequency,
        s.recency_weeks,
        s.age_weeks,
        s.mean_repeat_value,
        s.historical_value,
        s.margin_rate as own_margin_rate,
        pri.segment_margin_rate,
        -- credibility Z = revenue / (revenue + K): the weight of the customer's own rate
        case when s.calibration_revenue > 0
             then cast(s.calibration_revenue as double) / (cast(s.calibration_revenue as double) + o.credibility_revenue)
             else 0.0 end as margin_credibility,
        -- blended rate = Z · own + (1 - Z) · segment = (historical value + K · segment) / (revenue + K),
        -- not below zero where the segment earns a positive contribution (docs block margin_rate)
        case when pri.segment_margin_rate > 0 then greatest(0.0, {{ blended_rate }})
             else {{ blended_rate }} end as margin_rate,
        -- P(alive) = 1 / (1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)), in logs against overflow
        case when pa.r is not null then
            1.0 / (1.0 + case when s.frequency > 0 then exp(least(700.0,
                ln(pa.a / (pa.b + s.frequency - 1))
                + (pa.r + s.frequency) * (ln(pa.alpha + s.age_weeks) - ln(pa.alpha + s.recency_weeks))))
                else 0.0 end)
        end as prob_alive,
        pa.r is not null as bg_nbd_fitted,
        pa.p is not null as gamma_gamma_fitted,
        pr.expected_purchases,
        pr.discounted_expected_purchases,
        -- fallback (BG/NBD not fitted): the customer's repeat purchases per week shrunk toward its
        -- segment's, (x + k·λ) / (T + k), over the horizon; nothing for an ex-customer
        case when c.lifecycle_status = 'ex_customer' then 0.0 else
            (s.frequency + {{ var('clv_fallback_prior_weeks') }} * pri.prior_weekly_rate)
            / (s.age_weeks + {{ var('clv_fallback_prior_weeks') }}) end as fallback_weekly_rate,
        -- fallback (Gamma-Gamma not fitted): mean revenue per purchase day shrunk toward the
        -- segment's, (n·m + k·m0) / (n + k)
        ((s.frequency + 1) * s.mean_purchase_value
            + {{ var('clv_fallback_prior_purchases') }} * pri.prior_purchase_value)
            / (s.frequency + 1 + {{ var('clv_fallback_prior_purchases') }}) as fallback_order_value,
        st.horizon_weeks,
        st.weekly_discount_rate,
        -- Gamma-Gamma E[M | x, m] = p (v + x m) / (p x + q - 1); population mean p v / (q - 1) when x = 0
        case when pa.p is not null and pa.p * s.frequency + pa.q - 1 > 0 then
            pa.p * (pa.v + s.frequency * coalesce(s.mean_repeat_value, 0)) / (pa.p * s.frequency + pa.q - 1)
        end as gamma_gamma_order_value
    from summary as s
    cross join overall as o
    cross join settings as st
    left join params as pa on true
    left join predicted as pr on s.customer_key = pr.customer_key
    left join customers as c on s.customer_key = c.customer_key
    left join priors as pri on c.segment_key = pri.segment_key

),

estimated as (

    select
        *,
        case when bg_nbd_fitted then 'bg_nbd' else 'shrunk_rate' end as purchases_estimate,
        case when gamma_gamma_fitted then 'gamma_gamma' else 'shrunk_mean' end as spend_estimate,
        case when bg_nbd_fitted then expected_purchases
             else fallback_weekly_rate * horizon_weeks end as expected_purchases_est,
        -- Σ_{k=1..H} rate / (1+d)^k = rate · (1 - (1+d)^-H) / d
        case when bg_nbd_fitted then discounted_expected_purchases
             when weekly_discount_rate > 0
             then fallback_weekly_rate * (1 - power(1 + weekly_discount_rate, -horizon_weeks)) / weekly_discount_rate
             else fallback_weekly_rate * horizon_weeks end as discounted_expected_purchases_est,
        case when gamma_gamma_fitted then gamma_gamma_order_value
             else fallback_order_value end as expected_avg_order_value
    from scored

),

valued as (

    select
        *,
        -- rounded to 6 decimals before the cents, so float noise (which differs between engines)
        -- cannot tip a half cent
        cast(round(expected_purchases_est * expected_avg_order_value * margin_rate, 6) as decimal(18, 2)) as expected_margin,
        cast(round(discounted_expected_purchases_est * expected_avg_order_value * margin_rate, 6) as decimal(18, 2)) as predicted_value
    from estimated

)

select
    cast(customer_key as string) as customer_key,
    cast(segment_key as string) as segment_key,
    cast(lifecycle_status as string) as lifecycle_status,
    cast(first_purchase_date as date) as first_purchase_date,
    cast(last_purchase_date as date) as last_purchase_date,
    cast(frequency as integer) as frequency,
    cast(recency_weeks as double) as recency_weeks,
    cast(age_weeks as double) as age_weeks,
    cast(mean_repeat_value as decimal(18, 2)) as mean_repeat_order_value,
    cast(prob_alive as double) as prob_alive,
    cast(expected_purchases_est as double) as expected_purchases,
    cast(expected_avg_order_value as decimal(18, 2)) as expected_avg_order_value,
    cast(margin_rate * 100 as double) as margin_rate_pct,
    cast(own_margin_rate * 100 as double) as own_margin_rate_pct,
    cast(segment_margin_rate * 100 as double) as segment_margin_rate_pct,
    cast(margin_credibility as double) as margin_credibility,
    expected_margin,
    historical_value,
    predicted_value,
    cast(historical_value + predicted_value as decimal(18, 2)) as clv,
    predicted_value is not null as is_predicted,
    cast(purchases_estimate as string) as purchases_estimate,
    cast(spend_estimate as string) as spend_estimate
from valued
