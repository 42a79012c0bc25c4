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


{% macro delete_all_unless_incremental_ready(columns) -%}
    {#- A pre-hook for an incremental model whose run may write only part of an entity's rows
        (unique_key of several columns): a table built by an older version, without the bookkeeping
        columns the incremental filter reads, is emptied, so the run (which then selects every row)
        does not land on top of old rows no key of the new ones replaces. -#}
    {%- if is_incremental() and not incremental_ready(columns) -%}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}


{% macro loaded_after_watermark(loaded_at_expr, column='source_loaded_at') -%}
    {#- Rows loaded after the newest `source_loaded_at` of this model's existing table. -#}
    {{ loaded_at_expr }} > (select coalesce(max({{ column }}), cast('1900-01-01' as timestamp)) from {{ this }})
{%- endmacro %}


{% macro customers_of_rebuilt_lines(watermark='source_loaded_at') -%}
    {#- The customers of the invoice lines int_sales_lines rebuilt since this model's newest
        `watermark` (a column of both: `source_loaded_at` by default; `built_at` for a model that
        keeps no row of some customers' lines, so its newest `source_loaded_at` need not advance),
        and the customers those lines belonged to before (`prior_customer_key`: an invoice moved to
        another customer): what a model incremental by customer rebuilds. int_sales_lines is read
        where it is used, not as a CTE: DuckDB materializes a CTE read more than once (a copy of
        18.6 M lines at 100,000 customers). -#}
    select customer_key from {{ ref('int_sales_lines') }} where {{ loaded_after_watermark(watermark, watermark) }}
    union
    select prior_customer_key from {{ ref('int_sales_lines') }}
    where {{ loaded_after_watermark(watermark, watermark) }} and prior_customer_key is not null
{%- endmacro %}


{% macro select_with_prior_value(built, key_columns, incremental, column='customer_key') -%}
    {#- `select * from built` plus `prior_<column>` (default `prior_customer_key`): in an incremental
        run the value the row had in this model's existing table (null for a new row), else null. -#}
select
    b.*,
    {%- if incremental %}
    t.{{ column }} as prior_{{ column }}
    {%- else %}
    cast(null as {{ dbt.type_string() }}) as prior_{{ column }}
    {%- endif %}
from {{ built }} as b
{%- if incremental %}
-- the existing rows of the rebuilt keys only (a semi-join on the first key column before the join)
left join (
    select * from {{ this }}
    where {{ key_columns[0] }} in (select {{ key_columns[0] }} from {{ built }})
) as t
    on {% for k in key_columns %}b.{{ k }} = t.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endif %}
{%- endmacro %}


{% macro built_at() -%}
    {#- When the dbt invocation that writes the row started (UTC), as a timestamp: every row an
        incremental model writes in a run carries the same value, so the data tests of an
        incremental run can check just those rows (rows_written_this_run, below). -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#- Data tests where the data changed (docs/design.md, "Which tests run where").

    A data test of an incremental model configured with `where: "__rows_written_this_run__"` checks
    only the rows this invocation wrote (`built_at` = this run's start) when the model was built
    incrementally in this `dbt build`; rows written by earlier runs were tested by those runs, and
    dbt's delete+insert replaced every row whose key the run rebuilt, so grain uniqueness among the
    written rows is uniqueness of the table. The filter is left out (the test reads the whole table)
    on a full refresh, in a standalone `dbt test`, when the model is not selected in this build, and
    on Spark (plain tables). A table built in full by this run has this run's `built_at` on every
    row, so its tests read all of it either way. Whole-table identities (sums_match) do not carry
    the placeholder: they stay cheap aggregates over the whole table. -#}

{% macro tests_read_everything() -%}
    {#- True when every data test reads its whole table: a full refresh, a command other than
        `dbt build` (a standalone `dbt test`), and Spark (plain tables, no bookkeeping). -#}
    {{- return(flags.FULL_REFRESH or flags.WHICH != 'build' or target.type == 'spark') -}}
{%- endmacro %}


{% macro rows_written_this_run(tested_node_id) -%}
    {#- The filter for the rows this invocation wrote, or none when the test must read everything. -#}
    {%- if tests_read_everything() -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- if tested_node_id is none or tested_node_id not in (selected_resources or []) -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return('built_at = ' ~ built_at()) -}}
{%- endmacro %}


{% macro raw_loads_tested_through(relation) -%}
    {#- The newest load of raw whose key tests a whole-project build passed (raw._tested_loads,
        written by kansrijk.ingest.raw.mark_tested), as a timestamp literal; none when the test must
        read everything: a full refresh, a standalone `dbt test`, Spark, or no build passed yet. -#}
    {%- if not execute or tests_read_everything() -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set tested = adapter.get_relation(database=relation.database, schema=relation.schema, identifier='_tested_loads') -%}
    {%- if tested is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set through = run_query('select max(tested_through) from ' ~ tested).columns[0].values()[0] -%}
    {%- if through is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return("cast('" ~ through.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)") -}}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's get_where_subquery (the relation a data test reads), plus the placeholder
        `__rows_written_this_run__` in a test's `where` config (see rows_written_this_run). -#}
    {%- set where = config.get('where') -%}
    {%- if where and '__rows_written_this_run__' in where -%}
        {%- set tested = model.get('attached_node') if model is mapping else none -%}
        {%- set written = rows_written_this_run(tested) -%}
        {%- if written is none and where | trim == '__rows_written_this_run__' -%}
            {{- return(relation) -}}
        {%- endif -%}
        {%- set where = where | replace('__rows_written_this_run__', '(' ~ (written or 'true') ~ ')') -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{- return(filtered) -}}
    {%- else -%}
        {{- return(relation) -}}
    {%- endif -%}
{%- endmacro %}


{#- Month-partitioned models (docs/design.md, "Incremental refresh"): the cost allocation and the
    customer P&L are rebuilt only for the months whose inputs changed. int_months_fingerprinted holds,
    per month, a fingerprint of everything such a model reads for that month; each row the model
    writes carries its month's fingerprint (`inputs_fingerprint`, plus a digest of the model's own
    SQL, so a new version of the model rebuilds every month). A run deletes (pre-hook) and rebuilds
    the months whose fingerprint differs from the one their rows carry, or that either side lacks;
    the other months keep their rows. A failed run leaves the old fingerprints in place, so the
    next run rebuilds those months again. On Spark these models are plain tables. -#}

{% macro rows_fingerprint(relation, alias, columns=none, exact_doubles=false) -%}
    {#- An order-independent fingerprint of a group's rows of `relation` (the sum of the row hashes,
        and the count), over `columns` (default: all). A sum, not an xor: two equal rows do not
        cancel. A double is hashed as its 9 significant digits: a sum of doubles differs in its
        last bits from one run to the next with the order of addition (a pool's revenue driver,
        1.2e8 summed over 45,000 customers, by ~1e-7), which must not count as a change (at 12
        digits it did, in 11 of 60 months of the 100k benchmark), while a change of a cent in a
        customer's month (up to 1e7) must; a float (7 digits) hid a cent above 1e5. `exact_doubles`
        hashes doubles as they are, for a relation whose doubles are computed without summation
        noise (formatting them cost 4 of the 5 s of int_months_fingerprinted at 100,000 customers). -#}
    {%- if target.type == 'spark' -%}
    cast(count(*) as string)
    {%- elif not execute -%}
    cast(count(*) as varchar)
    {%- else -%}
    {%- set parts = [] -%}
    {%- for c in adapter.get_columns_in_relation(relation) -%}
        {%- if columns is none or c.name | lower in columns -%}
            {%- if c.dtype | upper in ('DOUBLE', 'FLOAT', 'REAL', 'FLOAT8', 'FLOAT4') and not exact_doubles -%}
                {%- do parts.append("printf('%.8e', " ~ alias ~ '."' ~ c.name ~ '")') -%}
            {%- else -%}
                {%- do parts.append(alias ~ '."' ~ c.name ~ '"') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    cast(sum(cast(hash({{ parts | join(', ') }}) as hugeint)) as varchar) || '/' || cast(count(*) as varchar)
    {%- endif -%}
{%- endmacro %}


{% macro month_inputs_fingerprint(fingerprint_expr, settings=[]) -%}
    {#- The fingerprint a row of this model carries: its month's inputs, this model's SQL and the
        values of the vars named in `settings` (the vars the model's SQL reads). The values are
        read here, when the model runs, never at parse time: a var changes what a run writes, not
        what dbt parses. -#}
    {%- set values = [] -%}
    {%- for name in settings -%}
        {%- do values.append(name ~ '=' ~ tojson(var(name))) -%}
    {%- endfor -%}
    {{ fingerprint_expr }} || ':{{ local_md5(month_partitioned_code() ~ values | join(";")) }}'
{%- endmacro %}


{% macro month_partitioned_code() -%}
    {#- The SQL of every month-partitioned model and of int_months_fingerprinted, in one string: a
        month-partitioned model reads the others (the P&L reads the allocations, the cost center
        sums read them too), so a new version of any of them rebuilds every month of all of them, not only
        of the one that changed. Empty when the graph is not loaded (parsing, dbt unit tests). -#}
    {%- set codes = [] -%}
    {%- if execute -%}
        {%- for node in (graph.get('nodes') or {}).values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type == 'model' and (node.name == 'int_months_fingerprinted' or 'month_partitioned_config(' in node.raw_code) -%}
                {%- do codes.append(node.unique_id ~ '\n' ~ node.raw_code) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(codes | join('\n')) -}}
{%- endmacro %}


{% macro months_to_rebuild(fingerprint_column, settings=[]) -%}
    {#- The months whose inputs changed since this model's rows were built. -#}
    select coalesce(f.month, t.month) as month
    from {{ ref('int_months_fingerprinted') }} as f
    full outer join (select distinct month, inputs_fingerprint from {{ this }}) as t on f.month = t.month
    where f.month is null or t.month is null
       or t.inputs_fingerprint is distinct from {{ month_inputs_fingerprint('f.' ~ fingerprint_column, settings) }}
{%- endmacro %}


{% macro delete_months_to_rebuild(fingerprint_column, settings=[]) -%}
    {#- The pre-hook of a month-partitioned model: in an incremental run, delete the months it rebuilds;
        a table built by an older version (no fingerprint columns) is emptied, and the model then
        selects every month (the append must not land on top of the old rows). -#}
    {%- if incremental_ready(['inputs_fingerprint', 'built_at']) -%}
    delete from {{ this }} where month in ({{ months_to_rebuild(fingerprint_column, settings) }})
    {%- else -%}
    {{ delete_all_unless_incremental_ready(['inputs_fingerprint', 'built_at']) }}
    {%- endif -%}
{%- endmacro %}


{% macro month_partitioned_config(fingerprint_column, settings=[]) -%}
    {#- The config of a month-partitioned model: `{{ config(**month_partitioned_config(...)) }}`.
        `settings` names the vars the model's SQL reads (names only: the hook reads their values
        when it runs, so the parsed config is the same under any var values). -#}
    {{- return({
        'materialized': incremental_materialization(),
        'incremental_strategy': 'append',
        'on_schema_change': 'append_new_columns',
        'pre_hook': "{{ delete_months_to_rebuild('" ~ fingerprint_column ~ "', " ~ tojson(settings | list) ~ ") }}"
    }) -}}
{%- endmacro %}


{% macro in_rebuilt_months(incremental) -%}
    {#- The filter of a month-partitioned model's inputs: in an incremental run the months the pre-hook
        deleted (CTE `rebuild`, month_partitioned_ctes), else every month. -#}
    {{- 'month in (select month from rebuild)' if incremental else 'true' -}}
{%- endmacro %}


{% macro month_partitioned_ctes(fingerprint_column, settings=[]) -%}
    {#- The first CTEs of a month-partitioned model: `fingerprints` (month, the inputs_fingerprint its
        rows carry) and, in an incremental run, `rebuild` (the months the pre-hook deleted and months
        never built). Each is followed by a comma. -#}
fingerprints as (

    select month, {{ month_inputs_fingerprint(fingerprint_column, settings) }} as inputs_fingerprint
    from {{ ref('int_months_fingerprinted') }}

),
{%- if incremental_ready(['inputs_fingerprint', 'built_at']) %}

rebuild as (

    {{ months_to_rebuild(fingerprint_column, settings) }}

),
{%- endif %}
{%- endmacro %}


{#- Models written by month where they changed (docs/design.md, "Written where they changed"): a
    model whose inputs have no month fingerprint at hand (the driver volumes read a dozen inputs,
    several of them views of raw) computes every month, and an incremental run writes only the
    months whose rows differ from its table's. Its config (changed_months_config): dbt
    `incremental`, strategy `delete+insert` with unique_key 'month' (a single key: dbt then deletes
    with `in`, where a list of keys deletes with a join of every old row of a month to every new
    one), and the post-hook `delete_placeholders`. -#}

{% macro select_changed_months(rows, columns) -%}
    {#- The final select of such a model over the CTE `rows` (declared `not materialized`: it is read
        twice) with `columns`, plus `built_at`. In an incremental run: per month the sum of the row
        hashes and the count of `rows` (rows_fingerprint, doubles hashed exactly: each model's doubles
        must be computed without summation noise) against the table's; the rows of the months that
        differ or that only one side has, and one placeholder row per such month (every column
        null but `month`) so that delete+insert empties a month no row of which is selected any
        more. The month filter reaches the sources, so only the fingerprint is a pass over them all.
        A table without one of `columns` (a column this version added) has every month written. -#}
    {%- set listed = columns | join(', ') -%}
    {%- set existing = (adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list)
                       if execute and is_incremental() else [] -%}
    {%- set missing = columns | reject('in', existing) | list -%}
{%- if is_incremental() and execute and missing %}
-- the table lacks {{ missing | join(', ') }} (built by an older version): every month is written
, changed_months as (

    select month from {{ rows }}
    union
    select month from {{ this }}

)
{%- elif is_incremental() %}
, changed_months as (

    select coalesce(s.month, e.month) as month
    from (
        select month, {{ rows_fingerprint(this, 's', columns, exact_doubles=true) }} as fingerprint
        from {{ rows }} as s
        group by month
    ) as s
    full outer join (
        select month, {{ rows_fingerprint(this, 'e', columns, exact_doubles=true) }} as fingerprint
        from {{ this }} as e
        group by month
    ) as e on s.month = e.month
    where s.month is null or e.month is null or s.fingerprint <> e.fingerprint

)
{%- endif %}
{%- if is_incremental() %}

select {{ listed }}, {{ built_at() }} as built_at
from {{ rows }}
where month in (select month from changed_months)
union all
select {% for c in columns %}{{ 'month' if c == 'month' else 'null' }}, {% endfor %}{{ built_at() }}
from changed_months
{%- else %}
select {{ listed }}, {{ built_at() }} as built_at
from {{ rows }}
{%- endif %}
{%- endmacro %}


{% macro changed_months_config(placeholder_column) -%}
    {#- The config of such a model: `{{ config(**changed_months_config('<column>')) }}`, where
        `<column>` is never null in a real row (the post-hook removes the placeholders by it). -#}
    {{- return({
        'materialized': incremental_materialization(),
        'incremental_strategy': 'delete+insert',
        'unique_key': 'month',
        'on_schema_change': 'append_new_columns',
        'post_hook': "{{ delete_placeholders('" ~ placeholder_column ~ "') }}"
    }) -}}
{%- endmacro %}


{% macro delete_placeholders(column) -%}
    {#- The post-hook of a model written with select_changed_months or rebuilt_by_key_config: removes
        the placeholder rows (`column`, one that is never null in a real row, is null). Nothing on
        Spark (plain tables). -#}
    {%- if target.type != 'spark' -%}
    delete from {{ this }} where {{ column }} is null
    {%- endif -%}
{%- endmacro %}


{% macro not_materialized() -%}
    {#- `not materialized` for a CTE read more than once that DuckDB must not copy; Spark has no such keyword. -#}
    {%- if target.type != 'spark' -%}not materialized{%- endif -%}
{%- endmacro %}


{% macro rebuilt_by_key_config(key, placeholder_column, ready_columns, on_schema_change='append_new_columns') -%}
    {#- The config of a model incremental by one `key` (a customer, a company, a year) whose run
        writes every row of each key it recomputes, plus one placeholder row per such key
        (`placeholder_column` null, never null in a real row), so that delete+insert empties a key
        left without rows; the post-hook removes the placeholders. A table without `ready_columns`
        (built by an older version) is emptied by the pre-hook, and the run writes every key:
        `{{ config(**rebuilt_by_key_config('customer_key', '<column>', ['built_at'])) }}`. -#}
    {{- return({
        'materialized': incremental_materialization(),
        'incremental_strategy': 'delete+insert',
        'unique_key': key,
        'on_schema_change': on_schema_change,
        'pre_hook': "{{ delete_all_unless_incremental_ready(" ~ tojson(ready_columns | list) ~ ") }}",
        'post_hook': "{{ delete_placeholders('" ~ placeholder_column ~ "') }}"
    }) -}}
{%- endmacro %}
