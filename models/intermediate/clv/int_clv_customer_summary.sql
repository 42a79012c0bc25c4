{#- One row per customer with at least one purchase up to the calibration end: the RFM summary the
    BG/NBD and Gamma-Gamma models read. Purchases (customer-days) come from int_clv_purchase_days.
    Frequency counts repeat purchase days, recency
    and age are in weeks (days / 7). Margin comes from fct_customer_pnl_monthly (months up to the
    calibration end): forward contribution (var clv_margin: contribution, default) or gross margin. Holdout purchases (after the calibration end up to var clv_holdout_end) are
    only counted here for clv_holdout_check; the models never see them. -#}
with settings as (

    select * from {{ ref('int_clv_settings_resolved') }}

),

purchases as (

    select * from {{ ref('int_clv_purchase_days') }}

),

calibration as (

    select p.*
    from purchases as p
    cross join settings as s
    where p.invoice_date <= s.calibration_end

),

first_last as (

    select
        customer_key,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date,
        count(*) as purchase_days,
        avg(revenue) as mean_purchase_value
    from calibration
    group by customer_key

),

repeat_value as (

    select
        c.customer_key,
        avg(c.revenue) as mean_repeat_value
    from calibration as c
    inner join first_last as f
        on c.customer_key = f.customer_key
       and c.invoice_date > f.first_purchase_date
    group by c.customer_key

),

holdout as (

    select p.customer_key, count(*) as holdout_purchases
    from purchases as p
    cross join settings as s
    where p.invoice_date > s.calibration_end
      and p.invoice_date <= s.holdout_end
    group by p.customer_key

),

-- Forward contribution: gross margin less the costs that grow with serving the customer (var
-- clv_variable_cost_categories), from the month of its first purchase on; what was spent before
-- (acquisition) and fixed overhead are not in it (docs block clv_contribution).
margin as (

    select
        m.customer_key,
        sum(m.revenue) as revenue,
        sum(m.gross_margin) as gross_margin,
        sum(m.net_profit) as net_profit,
        sum(case when m.month >= {{ month_of('f.first_purchase_date') }} then
            m.gross_margin
            {%- for c in var('clv_variable_cost_categories') %} - m.{{ c }}{% endfor %}
            else 0 end) as contribution
    from {{ ref('fct_customer_pnl_monthly') }} as m
    inner join first_last as f on m.customer_key = f.customer_key
    cross join settings as s
    where m.month <= s.calibration_end
    group by m.customer_key

)

select
    f.customer_key,
    f.first_purchase_date,
    f.last_purchase_date,
    cast(f.purchase_days - 1 as integer) as frequency,
    {{ datediff('f.first_purchase_date', 'f.last_purchase_date', 'day') }} / cast(7 as double) as recency_weeks,
    {{ datediff('f.first_purchase_date', 's.calibration_end', 'day') }} / cast(7 as double) as age_weeks,
    cast(r.mean_repeat_value as double) as mean_repeat_value,
    cast(f.mean_purchase_value as double) as mean_purchase_value,
    cast(coalesce(m.revenue, 0) as decimal(18, 2)) as calibration_revenue,
    cast(coalesce(m.gross_margin, 0) as decimal(18, 2)) as calibration_gross_margin,
    cast(coalesce(m.net_profit, 0) as decimal(18, 2)) as calibration_net_profit,
    cast(coalesce(m.contribution, 0) as decimal(18, 2)) as calibration_contribution,
    cast(coalesce(case when s.margin_basis = 'gross' then m.gross_margin else m.contribution end, 0)
         as decimal(18, 2)) as historical_value,
    cast(case when s.margin_basis = 'gross' then m.gross_margin else m.contribution end as double)
        / nullif(cast(m.revenue as double), 0) as margin_rate,
    case when s.holdout_end is not null then cast(coalesce(h.holdout_purchases, 0) as integer) end as holdout_purchases,
    case when s.holdout_end is not null
         then {{ datediff('s.calibration_end', 's.holdout_end', 'day') }} / cast(7 as double) end as holdout_weeks,
    case when s.holdout_end is not null
         then {{ datediff('f.first_purchase_date', 's.holdout_end', 'day') }} / cast(7 as double) end as weeks_to_holdout_end
from first_last as f
cross join settings as s
left join repeat_value as r on f.customer_key = r.customer_key
left join holdout as h on f.customer_key = h.customer_key
left join margin as m on f.customer_key = m.customer_key
