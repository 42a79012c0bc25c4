{#- One row per campaign × customer_key: the campaign's touches of the account over the whole
    campaign (crm_campaign_touches with a touch date, account mapped through
    int_customer_identity), with the first and last touch. A touch of an account unknown to the
    CRM master reaches no customer and is left out. Feeds int_marketing_campaign_months (a
    campaign's run and touches) and the `campaigns` driver of int_cost_drivers_aggregated. -#}
with crm_identity as (

    select source_id as account_id, customer_key
    from {{ ref('int_customer_identity') }}
    where source_system = 'crm'

)

select
    t.campaign_id,
    id.customer_key,
    count(*) as touches,
    min(t.touch_date) as first_touch_date,
    max(t.touch_date) as last_touch_date
from {{ ref('stg_crm__campaign_touches') }} as t
inner join crm_identity as id on t.account_id = id.account_id
where t.touch_date is not null
  and t.campaign_id is not null
  and not t.is_deleted
group by t.campaign_id, id.customer_key
