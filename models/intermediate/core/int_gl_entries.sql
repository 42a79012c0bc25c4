{#- One row per general-ledger entry, with its month, its cost center (var
    profitability_missing_cost_center when it has none) and the customer_key of an entry booked
    on a customer. The ledger is the book of record of operating cost: the cost allocation
    reads it from here.

    Incremental (macros/incremental.sql): a run rebuilds the entries loaded after the newest
    `source_loaded_at` (a corrected entry is reloaded with its delivery). Only the columns a model
    downstream reads are kept (like int_sales_lines): posting date, GL account and its name and the
    description stay in staging; `sync_all_columns` drops them from a table built by an older version. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='entry_id',
    on_schema_change='sync_all_columns'
) }}
{%- set incremental = incremental_ready(['source_loaded_at']) %}
select
    entry_id,
    {{ month_of('posting_date') }} as month,
    coalesce(cost_center, '{{ var("profitability_missing_cost_center") }}') as cost_center,
    'erp:' || customer_id as customer_key,
    amount,
    is_deleted,
    loaded_at as source_loaded_at,
    {{ built_at() }} as built_at
from {{ ref('stg_erp__gl_entries') }}
{%- if incremental %}
where {{ loaded_after_watermark('loaded_at') }}
{%- endif %}
