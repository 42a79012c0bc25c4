{#- Incremental models (docs/design.md, "Incremental refresh").

    The large facts and the per-customer-month aggregates are dbt incremental models on DuckDB
    (delete+insert on a key) and plain tables on Spark. Each run reads only the rows the ingest
    loaded after the model's last build: staging carries the raw `_loaded_at` as `loaded_at`,
    and the model keeps the newest one it has seen in `source_loaded_at`. -#}

{% macro incremental_materialization() -%}
    {{- return('table' if target.type == 'spark' else 'incremental') -}}
{%- endmacro %}


{% macro incremental_ready(columns) -%}
    {#- True when this run is incremental AND the existing table already has the bookkeeping
        columns the incremental filter reads (a table built by an older version has not: the
        run then selects every row, which rebuilds it in full). -#}
    {%- if not is_incremental() -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- for c in columns -%}
        {%- if c | lower not in existing -%}
            {{- return(false) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(true) -}}
{%- endmacro %}


{% macro loaded_after_watermark(loaded_at_expr, column='source_loaded_at') -%}
    {#- Rows loaded after the newest `source_loaded_at` of this model's existing table. -#}
    {{ loaded_at_expr }} > (select coalesce(max({{ column }}), cast('1900-01-01' as timestamp)) from {{ this }})
{%- endmacro %}


{% macro select_with_prior_customer_key(built, key_columns, incremental) -%}
    {#- `select * from built` plus `prior_customer_key`: in an incremental run the customer_key
        the row had in this model's existing table (null for a new row), else null. -#}
select
    b.*,
    {%- if incremental %}
    t.customer_key as prior_customer_key
    {%- else %}
    cast(null as {{ dbt.type_string() }}) as prior_customer_key
    {%- endif %}
from {{ built }} as b
{%- if incremental %}
left join {{ this }} as t
    on {% for k in key_columns %}b.{{ k }} = t.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endif %}
{%- endmacro %}
