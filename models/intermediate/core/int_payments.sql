{#- One row per ERP payment, with the invoice it pays: what the overdue-days spread reads
    (int_invoice_overdue_days_spread completes an invoice by its payments).

    Incremental (macros/incremental.sql): a run rebuilds the payments loaded after the newest
    `source_loaded_at`; `prior_invoice_id` is the invoice a rebuilt payment named before the run (a
    payment re-sent against another invoice changes the completion of both). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='payment_id',
    on_schema_change='append_new_columns'
) }}
{%- set incremental = incremental_ready(['source_loaded_at', 'prior_invoice_id', 'built_at']) %}
with built as (

    select
        payment_id,
        invoice_id,
        payment_date,
        amount,
        loaded_at as source_loaded_at,
        {{ built_at() }} as built_at
    from {{ ref('stg_erp__payments') }}
    {%- if incremental %}
    where {{ loaded_after_watermark('loaded_at') }}
    {%- endif %}

)

{{ select_with_prior_value('built', ['payment_id'], incremental, column='invoice_id') }}
