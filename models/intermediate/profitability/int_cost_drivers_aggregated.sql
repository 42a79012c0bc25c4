{#- One row per customer_key × month × driver: the volume of each cost driver the customer caused
    that month, each from its own source (`campaigns`: a fraction, see its CTE). The allocation
    (int_cost_allocations_unioned) spreads a cost pool over customers by their share of its driver in
    the pool's month. Volumes are never negative. Sources are aggregated to customer × month before anything is joined to them.
    Every run computes every month; an incremental one writes only the months whose rows differ
    from the table's (macros/incremental.sql, select_changed_months), each row with the `built_at`
    of the run that wrote it (docs/design.md, "Written where they changed"). `long` and `volumes`
    are read twice then (the fingerprint, the changed months), not materialized: a copy of the
    23 M rows at 100,000 customers cost more than computing them twice. -#}
{{ config(**changed_months_config('driver')) }}
with sales_lines as (

    select customer_key, month, invoice_lines, revenue
    from {{ ref('int_customer_months_aggregated') }}

),

invoices as (

    select 'erp:' || customer_id as customer_key, {{ month_of('invoice_date') }} as month, count(*) as invoices
    from {{ ref('stg_erp__sales_invoices') }}
    where customer_id is not null and invoice_date is not null
    group by 1, 2

),

operations as (

    -- shipments (charged to the shipment's own customer, else its invoice's; one naming neither
    -- carries no cost) and CRM activity minutes, per customer-month, built incrementally
    select customer_key, month, shipments, express_shipments, activity_minutes, visit_minutes
    from {{ ref('int_customer_months_operations_aggregated') }}

),

shipments as (

    select customer_key, month, shipments, express_shipments
    from operations
    where shipments > 0

),

crm_identity as (

    select source_id as account_id, customer_key
    from {{ ref('int_customer_identity') }}
    where source_system = 'crm'

),

service as (

    select id.customer_key, {{ month_of('c.opened_at') }} as month, sum(coalesce(c.handling_minutes, 0)) as service_minutes
    from {{ ref('stg_crm__service_cases') }} as c
    inner join crm_identity as id on c.account_id = id.account_id
    where c.opened_at is not null
    group by 1, 2

),

activities as (

    select customer_key, month, activity_minutes, visit_minutes
    from operations
    where activity_minutes > 0

),

touches as (

    select id.customer_key, {{ month_of('t.touch_date') }} as month, count(*) as campaign_touches
    from {{ ref('stg_crm__campaign_touches') }} as t
    inner join crm_identity as id on t.account_id = id.account_id
    where t.touch_date is not null
    group by 1, 2

),

-- driver `campaigns`: the customer's part of the month's marketing pool, as a fraction: per
-- campaign carrying the month (int_marketing_campaign_months), the campaign's share of the month
-- times the customer's share of the campaign's touches over its whole run (docs block
-- marketing_allocation). The fractions of a month add up to the share of campaigns with touches.
campaigns as (

    select
        m.month,
        a.customer_key,
        -- each part summed as a decimal: a sum of doubles differs in its last bits from one run to
        -- the next with the order of addition, which made the month fingerprints of the cost
        -- allocation (int_months_fingerprinted) flag unchanged months now and then
        cast(sum(cast(m.month_share * cast(a.touches as double) / cast(m.touches as double) as decimal(38, 18))) as double)
            as campaign_share
    from {{ ref('int_marketing_campaign_months') }} as m
    inner join {{ ref('int_campaign_account_touches') }} as a on m.campaign_id = a.campaign_id
    where m.touches > 0
    group by m.month, a.customer_key

),

-- overdue days only in the months seen in the ledger or on invoices: no other month has a pool
-- to carry (the spread keeps every month of an invoice's overdue range)
overdue_months as (

    select distinct month from {{ ref('int_gl_entries') }}
    union
    select distinct month from {{ ref('int_customer_months_aggregated') }}

),

overdue as (

    select customer_key, month, sum(overdue_days) as overdue_invoice_days
    from {{ ref('int_invoice_overdue_days_spread') }}
    where month in (select month from overdue_months)
    group by customer_key, month

),

long as {{ not_materialized() }} (

    select customer_key, month, 'invoice_lines' as driver, cast(invoice_lines as double) as volume from sales_lines
    union all
    select customer_key, month, 'revenue', cast(revenue as double) from sales_lines where revenue > 0
    union all
    select customer_key, month, 'invoices', cast(invoices as double) from invoices
    union all
    select customer_key, month, 'shipments', cast(shipments as double) from shipments
    union all
    select customer_key, month, 'express_shipments', cast(express_shipments as double) from shipments
    union all
    select customer_key, month, 'service_minutes', cast(service_minutes as double) from service
    union all
    select customer_key, month, 'activity_minutes', cast(activity_minutes as double) from activities
    union all
    select customer_key, month, 'visit_minutes', cast(visit_minutes as double) from activities
    union all
    select customer_key, month, 'campaign_touches', cast(campaign_touches as double) from touches
    union all
    select customer_key, month, 'campaigns', campaign_share from campaigns
    union all
    select customer_key, month, 'overdue_invoice_days', cast(overdue_invoice_days as double) from overdue

),

volumes as {{ not_materialized() }} (

    select customer_key, month, driver, volume
    from long
    where volume > 0

)

{{ select_changed_months('volumes', ['customer_key', 'month', 'driver', 'volume']) }}
