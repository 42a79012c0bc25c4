{#- One row per CRM activity, with the customer_key of its account (int_customer_identity; null
    when the account is unknown) and its month.

    Incremental (macros/incremental.sql): a run rebuilds the activities loaded after the newest
    `source_loaded_at`, and those whose account now maps to another customer_key (an account
    linked to its ERP customer later); a remapped activity gets this run's time as its
    `source_loaded_at`, so the aggregates built from it see the change. `prior_customer_key` is
    the customer a rebuilt activity had before the run. Only the columns a model downstream reads
    (and `account_id`, which the remapping compares) are kept: the outcome, date and owner stay in
    staging; `sync_all_columns` drops them from a table built by an older version. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='activity_id',
    on_schema_change='sync_all_columns'
) }}
{%- set incremental = incremental_ready(['source_loaded_at', 'prior_customer_key']) %}
{#- The activities are read where they are used, not as a CTE: DuckDB materializes a CTE read more
    than once (3.6 M activities at 100,000 customers). #}
with identity as (

    select source_id as account_id, customer_key
    from {{ ref('int_customer_identity') }}
    where source_system = 'crm'

),

{% if incremental -%}
loaded as (

    select activity_id from {{ ref('stg_crm__activities') }} where {{ loaded_after_watermark('loaded_at') }}

),

remapped as (

    select t.activity_id
    from {{ this }} as t
    left join identity as i on t.account_id = i.account_id
    where coalesce(t.customer_key, '') <> coalesce(i.customer_key, '')

),

{% endif -%}
built as (

    select
        a.activity_id,
        a.account_id,
        i.customer_key,
        a.activity_type,
        {{ month_of('a.activity_date') }} as month,
        a.duration_minutes,
        a.is_deleted,
        {%- if incremental %}
        case when a.activity_id in (select activity_id from loaded) then a.loaded_at
             else cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) end as source_loaded_at
        {%- else %}
        a.loaded_at as source_loaded_at
        {%- endif %},
        {{ built_at() }} as built_at
    from {{ ref('stg_crm__activities') }} as a
    left join identity as i on a.account_id = i.account_id
    {%- if incremental %}
    where a.activity_id in (select activity_id from loaded union select activity_id from remapped)
    {%- endif %}

)

{{ select_with_prior_value('built', ['activity_id'], incremental) }}
