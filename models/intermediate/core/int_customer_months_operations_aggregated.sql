{#- One row per customer_key per month with shipments or CRM activities: shipments, express
    shipments and their freight cost (int_shipments, by ship month), activity and visit minutes
    (int_activities, by activity month). Rows without a customer or a date are left out: they
    cannot be put on a customer's month.

    Incremental (macros/incremental.sql): a run rebuilds every month of the customers whose
    shipments or activities were rebuilt since this model's last build, and of the customers
    those rows belonged to before (`prior_customer_key`); each rebuilt customer also gets one
    placeholder row (month null) so a customer left without rows loses its old rows too, and
    the post-hook removes the placeholders (as in int_customer_months_aggregated). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_key',
    on_schema_change='append_new_columns',
    post_hook=(["delete from {{ this }} where month is null"] if target.type != "spark" else [])
) }}
{%- set incremental = incremental_ready(['source_loaded_at']) %}
{#- int_shipments and int_activities are read where they are used, not as CTEs: DuckDB materializes
    a CTE read more than once (7.3 M shipments at 100,000 customers). #}
with
{% if incremental -%}
affected_customers as (

    select customer_key from {{ ref('int_shipments') }} as shipments where {{ loaded_after_watermark('source_loaded_at') }}
    union
    select prior_customer_key from {{ ref('int_shipments') }} as shipments where {{ loaded_after_watermark('source_loaded_at') }}
    union
    select customer_key from {{ ref('int_activities') }} as activities where {{ loaded_after_watermark('source_loaded_at') }}
    union
    select prior_customer_key from {{ ref('int_activities') }} as activities where {{ loaded_after_watermark('source_loaded_at') }}

),

{% endif -%}
shipment_months as (

    select
        customer_key,
        month,
        count(*) as shipments,
        count(case when is_express then 1 end) as express_shipments,
        sum(freight_cost) as freight_cost,
        max(source_loaded_at) as source_loaded_at
    from {{ ref('int_shipments') }} as shipments
    where customer_key is not null and month is not null
    {%- if incremental %}
      and customer_key in (select customer_key from affected_customers)
    {%- endif %}
    group by customer_key, month

),

activity_months as (

    select
        customer_key,
        month,
        sum(coalesce(duration_minutes, 0)) as activity_minutes,
        sum(case when activity_type = 'visit' then coalesce(duration_minutes, 0) else 0 end) as visit_minutes,
        max(source_loaded_at) as source_loaded_at
    from {{ ref('int_activities') }} as activities
    where customer_key is not null and month is not null
    {%- if incremental %}
      and customer_key in (select customer_key from affected_customers)
    {%- endif %}
    group by customer_key, month

)

select
    coalesce(s.customer_key, a.customer_key) as customer_key,
    coalesce(s.month, a.month) as month,
    coalesce(s.shipments, 0) as shipments,
    coalesce(s.express_shipments, 0) as express_shipments,
    cast(s.freight_cost as decimal(18, 4)) as freight_cost,
    coalesce(a.activity_minutes, 0) as activity_minutes,
    coalesce(a.visit_minutes, 0) as visit_minutes,
    case when a.source_loaded_at > s.source_loaded_at or s.source_loaded_at is null
         then a.source_loaded_at else s.source_loaded_at end as source_loaded_at,
    {{ built_at() }} as built_at
from shipment_months as s
full outer join activity_months as a on s.customer_key = a.customer_key and s.month = a.month
{%- if incremental %}

union all

select
    customer_key,
    cast(null as date) as month,
    cast(0 as bigint) as shipments,
    cast(0 as bigint) as express_shipments,
    cast(null as decimal(18, 4)) as freight_cost,
    cast(0 as bigint) as activity_minutes,
    cast(0 as bigint) as visit_minutes,
    cast(null as timestamp) as source_loaded_at,
    {{ built_at() }} as built_at
from affected_customers
where customer_key is not null
{%- endif %}
