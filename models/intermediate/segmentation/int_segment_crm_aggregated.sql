{#- One row per segment_key with CRM facts in the recent window (var segment_window_days up to the
    as-of date): sales activity minutes on customers (account management, from their first invoice
    on) and on prospects and not-yet-buying accounts (acquisition), opportunities created, won and lost (by close date), lost
    to a competitor, and the competitor that won most deals. A landing set without CRM tables gives
    no rows (the scorecard then shows nulls). -#}
with as_of as (

    select as_of_date, segment_window_start as window_start
    from {{ ref('int_window_bounds') }}

),

accounts as (

    select i.source_id as account_id, c.segment_key, o.first_invoice_date
    from {{ ref('int_customer_identity') }} as i
    inner join {{ ref('dim_customer') }} as c on i.customer_key = c.customer_key
    left join {{ ref('int_customer_orders') }} as o on c.customer_key = o.customer_key
    where i.source_system = 'crm'

),

-- effort on customers (from the first invoice on) is account management; effort on prospects and
-- on accounts before their first invoice is acquisition (methodology §3), counted apart
activities as (

    select
        ac.segment_key,
        sum(case when not {{ is_acquisition_month(month_of('a.activity_date'), 'ac.first_invoice_date') }}
                 then coalesce(a.duration_minutes, 0) else 0 end) as activity_minutes,
        sum(case when {{ is_acquisition_month(month_of('a.activity_date'), 'ac.first_invoice_date') }}
                 then coalesce(a.duration_minutes, 0) else 0 end) as acquisition_minutes,
        count(*) as activities
    from {{ ref('stg_crm__activities') }} as a
    inner join accounts as ac on a.account_id = ac.account_id
    cross join as_of as d
    where a.activity_date > d.window_start and a.activity_date <= d.as_of_date
    group by ac.segment_key

),

opportunities as (

    select
        ac.segment_key,
        o.stage,
        coalesce(o.amount, 0) as amount,
        o.lost_reason,
        nullif(trim(o.competitor), '') as competitor,
        o.created_date > d.window_start and o.created_date <= d.as_of_date as is_created_in_window,
        o.close_date > d.window_start and o.close_date <= d.as_of_date as is_closed_in_window
    from {{ ref('stg_crm__opportunities') }} as o
    inner join accounts as ac on o.account_id = ac.account_id
    cross join as_of as d

),

opportunity_counts as (

    select
        segment_key,
        count(case when is_created_in_window then 1 end) as opportunities,
        count(case when is_closed_in_window and stage = 'won' then 1 end) as won,
        count(case when is_closed_in_window and stage = 'lost' then 1 end) as lost,
        count(case when is_closed_in_window and stage = 'lost'
                    and (lost_reason = 'competitor' or competitor is not null) then 1 end) as lost_to_competitor,
        sum(case when is_closed_in_window and stage = 'won' then amount else 0 end) as won_value,
        sum(case when is_closed_in_window and stage = 'lost' then amount else 0 end) as lost_value,
        sum(case when is_closed_in_window and stage = 'lost'
                  and (lost_reason = 'competitor' or competitor is not null) then amount else 0 end)
            as lost_to_competitor_value
    from opportunities
    group by segment_key

),

competitor_wins as (

    select
        segment_key,
        competitor,
        row_number() over (partition by segment_key order by count(*) desc, competitor) as competitor_order
    from opportunities
    where is_closed_in_window and stage = 'lost' and competitor is not null
    group by segment_key, competitor

),

segments as (

    select segment_key from activities
    union
    select segment_key from opportunity_counts

)

select
    s.segment_key,
    coalesce(a.activities, 0) as activities,
    coalesce(a.activity_minutes, 0) as activity_minutes,
    coalesce(a.acquisition_minutes, 0) as acquisition_minutes,
    coalesce(o.opportunities, 0) as opportunities,
    coalesce(o.won, 0) as won,
    coalesce(o.lost, 0) as lost,
    coalesce(o.lost_to_competitor, 0) as lost_to_competitor,
    coalesce(o.won_value, 0) as won_value,
    coalesce(o.lost_value, 0) as lost_value,
    coalesce(o.lost_to_competitor_value, 0) as lost_to_competitor_value,
    c.competitor as top_competitor
from segments as s
left join activities as a on s.segment_key = a.segment_key
left join opportunity_counts as o on s.segment_key = o.segment_key
left join competitor_wins as c on s.segment_key = c.segment_key and c.competitor_order = 1
