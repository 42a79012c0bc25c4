{#- One row per ledger month × campaign that carries that month's marketing cost (the
    `campaigns` driver, docs block marketing_allocation):
    - a campaign runs from its start_date (else its first touch) to its last touch (at least its
      start month); every campaign running in a month carries part of that month's pool;
    - a month in which no campaign runs passes its pool on to the campaign(s) of the next month
      in which one starts (preparation), when that is at most var
      `profitability_marketing_carry_months` months later (`is_carried_forward`; 0 = never);
    - the month's campaigns share the pool by their crm_campaigns.total_cost (`weight`); when
      none of them has a positive total_cost they share it equally (weight 1 each);
    - a campaign's part goes to the accounts it touched over its whole run, by touches
      (int_cost_drivers_aggregated, driver `campaigns`); the part of a campaign without touches
      stays unallocated (int_cost_pools_prepared).
    Campaigns seen only in touches (not in crm_campaigns) run from their first to their last
    touch, with no total_cost. Archived campaigns (missing from the newest snapshot) keep their
    history and carry cost like any other. -#}
{%- set carry_months = var('profitability_marketing_carry_months') | int %}
with campaigns as (

    select campaign_id, campaign_name, start_date, total_cost
    from {{ ref('stg_crm__campaigns') }}
    where campaign_id is not null

),

touched as (

    select
        campaign_id,
        sum(touches) as touches,
        count(*) as accounts,
        min(first_touch_date) as first_touch_date,
        max(last_touch_date) as last_touch_date
    from {{ ref('int_campaign_account_touches') }}
    group by campaign_id

),

runs as (

    select
        coalesce(c.campaign_id, t.campaign_id) as campaign_id,
        c.campaign_name,
        c.total_cost,
        coalesce(c.start_date, t.first_touch_date) as run_start,
        case
            when t.last_touch_date is null or t.last_touch_date < coalesce(c.start_date, t.first_touch_date)
                then coalesce(c.start_date, t.first_touch_date)
            else t.last_touch_date
        end as run_end,
        coalesce(t.touches, 0) as touches,
        coalesce(t.accounts, 0) as accounts
    from campaigns as c
    full outer join touched as t on c.campaign_id = t.campaign_id

),

runs_monthly as (

    select
        *,
        {{ month_of('run_start') }} as first_month,
        {{ month_of('run_end') }} as last_month
    from runs
    where run_start is not null

),

months as (

    select distinct month from {{ ref('int_gl_entries') }} where not is_deleted

),

running as (

    select m.month, r.campaign_id, false as is_carried_forward
    from months as m
    inner join runs_monthly as r on m.month >= r.first_month and m.month <= r.last_month

),

idle_months as (

    select m.month
    from months as m
    left join (select distinct month from running) as r on m.month = r.month
    where r.month is null

),

next_start as (

    -- the first later month in which a campaign starts, within the carry horizon
    select i.month, min(r.first_month) as next_month
    from idle_months as i
    inner join runs_monthly as r
        on r.first_month > i.month
       and r.first_month <= cast({{ dateadd('month', carry_months, 'i.month') }} as date)
    where {{ 'true' if carry_months > 0 else 'false' }}
    group by i.month

),

carriers as (

    select month, campaign_id, is_carried_forward from running
    union all
    select n.month, r.campaign_id, true as is_carried_forward
    from next_start as n
    inner join runs_monthly as r on r.first_month = n.next_month

),

weighted as (

    select
        c.month,
        c.campaign_id,
        r.campaign_name,
        c.is_carried_forward,
        r.run_start,
        r.run_end,
        r.total_cost,
        r.touches,
        r.accounts,
        cast(case when r.total_cost > 0 then r.total_cost else 0 end as decimal(18, 4)) as cost_weight
    from carriers as c
    inner join runs_monthly as r on c.campaign_id = r.campaign_id

),

month_totals as (

    select month, sum(cost_weight) as month_cost_weight, count(*) as month_campaigns
    from weighted
    group by month

),

final as (

    select
        w.*,
        cast(case when t.month_cost_weight > 0 then w.cost_weight else 1 end as decimal(18, 4)) as weight,
        cast(case when t.month_cost_weight > 0 then t.month_cost_weight else t.month_campaigns end as decimal(18, 4)) as month_weight
    from weighted as w
    inner join month_totals as t on w.month = t.month

)

select
    month,
    campaign_id,
    campaign_name,
    is_carried_forward,
    run_start,
    run_end,
    total_cost,
    touches,
    accounts,
    weight,
    month_weight,
    cast(weight as double) / cast(month_weight as double) as month_share
from final
