{#- One row per valuable customer that is slipping (docs block customer_at_risk): its owner and CRM
    account id (null for ERP-only customers, who are still listed), P(alive), the value at risk and
    the reason in words, ranked by the value at risk (1 = most). Ex-customers are not here: they
    are past slipping and sit on the prospect target list. -#}
with customers as (

    select
        *,
        cast({{ dateadd('day', 'cast(-days_silent as integer)', 'as_of_date') }} as date) as last_purchase_date
    from {{ ref('dim_customer') }}
    where is_customer

),

clv as (

    select customer_key, prob_alive from {{ ref('mart_customer_clv') }}

),

-- gross margin of the customer's last year of buying: the 365 days up to its last purchase day,
-- from the invoice totals (the lines summed per invoice)
last_year as (

    select
        l.customer_key,
        sum(l.revenue) as revenue,
        sum(l.revenue - l.cost_of_goods) as gross_margin
    from {{ ref('int_invoices_totalled') }} as l
    inner join customers as c on l.customer_key = c.customer_key
    where not l.is_orphan
      and l.invoice_date <= c.last_purchase_date
      and l.invoice_date > {{ dateadd('day', -365, 'c.last_purchase_date') }}
    group by l.customer_key

),

valued as (

    select
        c.customer_key,
        c.company_name,
        c.crm_owner as owner,
        c.crm_account_id,
        c.erp_customer_id,
        c.segment_key,
        c.lifecycle_status,
        c.days_silent,
        c.rhythm_interval_days,
        k.prob_alive,
        coalesce(y.revenue, 0) as last_year_revenue,
        coalesce(y.gross_margin, 0) as value_at_risk,
        -- valuable: in the top var at_risk_valuable_top_pct % of the active and lapsed customers by
        -- the value at risk
        percent_rank() over (order by coalesce(y.gross_margin, 0) desc) * 100 as value_rank_pct
    from customers as c
    left join clv as k on c.customer_key = k.customer_key
    left join last_year as y on c.customer_key = y.customer_key

),

flagged as (

    select
        *,
        coalesce(prob_alive < {{ var('at_risk_max_prob_alive') }}, false) as is_unlikely_alive,
        coalesce(days_silent >= {{ var('at_risk_min_days_silent') }}
                 and days_silent > {{ var('at_risk_rhythm_intervals') }} * rhythm_interval_days, false) as is_off_rhythm
    from valued
    where value_at_risk > 0
      and value_rank_pct < {{ var('at_risk_valuable_top_pct') }}

)

select
    cast(row_number() over (order by value_at_risk desc, customer_key) as bigint) as at_risk_rank,
    cast(customer_key as string) as customer_key,
    cast(company_name as string) as company_name,
    cast(owner as string) as owner,
    cast(crm_account_id as string) as crm_account_id,
    cast(erp_customer_id as string) as erp_customer_id,
    cast(segment_key as string) as segment_key,
    cast(lifecycle_status as string) as lifecycle_status,
    cast(prob_alive as double) as prob_alive,
    cast(days_silent as bigint) as days_silent,
    cast(rhythm_interval_days as double) as rhythm_interval_days,
    cast(last_year_revenue as decimal(18, 2)) as last_year_revenue,
    cast(value_at_risk as decimal(18, 2)) as value_at_risk,
    cast(is_unlikely_alive as boolean) as is_unlikely_alive,
    cast(is_off_rhythm as boolean) as is_off_rhythm,
    cast(
        -- what put the customer on the list comes first: a low P(alive), or the silence beyond its
        -- rhythm (then a high P(alive) is said as what it is: the model has not given up yet)
        case when is_unlikely_alive then
                 case when prob_alive < 0.005 then 'P(alive) below 1 %, '
                      else 'P(alive) ' || cast(cast(round(prob_alive * 100, 0) as bigint) as string) || ' %, ' end
             else '' end
        || 'no order for ' || cast(days_silent as string) || ' days'
        || coalesce(' where the rhythm is ' || cast(cast(round(rhythm_interval_days, 0) as bigint) as string) || ' days', '')
        || case when is_unlikely_alive or prob_alive is null then ''
                when prob_alive > 0.995 then ' (the CLV model still gives P(alive) above 99 %)'
                else ' (the CLV model still gives P(alive) '
                     || cast(cast(round(prob_alive * 100, 0) as bigint) as string) || ' %)' end
        || '; '
        || {{ thousands_text('cast(round(value_at_risk, 0) as bigint)') }}
        || ' EUR gross margin in its last year of buying'
    as string) as reason
from flagged
where is_unlikely_alive or is_off_rhythm
