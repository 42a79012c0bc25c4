{#- One row per sales funnel event, with the segment of the company and the calendar quarter
    the event happened in:
    - call: a CRM activity whose type is in var funnel_call_activity_types (default call),
      dated by the activity;
    - appointment: a CRM activity of any type whose outcome is in var
      funnel_appointment_outcomes (default appointment), dated by the activity;
    - quote: an opportunity with a quote_date, dated by the quote;
    - order: a won opportunity, dated by its close date (created date when close is missing),
      with its amount (EUR) and sales cycle (created → close, days).
    Deleted CRM records are left out. A record whose account is unknown falls in the
    'unknown' segment. -#}
{%- set call_types = var('funnel_call_activity_types') -%}
{%- set appointment_outcomes = var('funnel_appointment_outcomes') -%}
with identity as (

    select source_id as account_id, customer_key
    from {{ ref('int_customer_identity') }}
    where source_system = 'crm'

),

segments as (

    select i.account_id, c.segment_key
    from identity as i
    inner join {{ ref('dim_customer') }} as c on i.customer_key = c.customer_key

),

activities as (

    select account_id, activity_type, outcome, activity_date
    from {{ ref('stg_crm__activities') }}
    where not is_deleted and activity_date is not null

),

opportunities as (

    select account_id, created_date, quote_date, close_date, stage, amount
    from {{ ref('stg_crm__opportunities') }}
    where not is_deleted

),

events as (

    select account_id, 'call' as event, activity_date as event_date,
           cast(null as decimal(18, 4)) as amount, cast(null as bigint) as cycle_days
    from activities
    where activity_type in ({% for t in call_types %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})

    union all

    select account_id, 'appointment', activity_date, null, null
    from activities
    where outcome in ({% for o in appointment_outcomes %}'{{ o }}'{% if not loop.last %}, {% endif %}{% endfor %})

    union all

    select account_id, 'quote', quote_date, null, null
    from opportunities
    where quote_date is not null

    union all

    select account_id, 'order', coalesce(close_date, created_date), amount,
           case when close_date is not null and created_date is not null
                then {{ datediff('created_date', 'close_date', 'day') }} end
    from opportunities
    where stage = 'won' and coalesce(close_date, created_date) is not null

)

select
    coalesce(s.segment_key, {{ segment_key('cast(null as string)', "'unknown'", 'cast(null as string)') }}) as segment_key,
    e.event,
    e.event_date,
    cast(extract(year from e.event_date) as string) || '-Q'
        || cast(extract(quarter from e.event_date) as string) as period,
    e.amount,
    e.cycle_days
from events as e
left join segments as s on e.account_id = s.account_id
