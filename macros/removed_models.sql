{#- Relations of removed models (docs/design.md, "Upgrading a warehouse").

    dbt never drops the table of a model that a new version of the project no longer has: an
    upgraded warehouse would keep it for good, taking disk space, read by nobody and, in `marts`,
    published to BI tools with the figures of its last build. The project's on-run-end hook drops,
    after every `dbt run` and `dbt build` on DuckDB, each table or view in a schema the project
    builds into (staging, intermediate, core, marts, semantic, reference) that no enabled model or
    seed of the project builds, and says so in the log. Schemas the project does not build into
    (raw, written by the ingest) are never read here. -#}

{% macro drop_relations_of_removed_models() -%}
    {%- if not execute or target.type != 'duckdb' or flags.WHICH not in ('run', 'build') -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set built = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed', 'snapshot')
                                           and node.config.materialized != 'ephemeral'
                                           and (node.database or target.database) | lower == target.database | lower -%}
        {%- do built.setdefault(node.schema | lower, []).append((node.alias or node.name) | lower) -%}
    {%- endfor -%}
    {%- if not built -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set schemas = built.keys() | list | sort -%}
    {%- set found = run_query(
        "select schema_name, table_name, 'table' from duckdb_tables()"
        ~ " where database_name = '" ~ target.database ~ "' and lower(schema_name) in ('" ~ schemas | join("', '") ~ "')"
        ~ " union all select schema_name, view_name, 'view' from duckdb_views()"
        ~ " where not internal and database_name = '" ~ target.database ~ "' and lower(schema_name) in ('" ~ schemas | join("', '") ~ "')"
        ~ " order by 1, 2") -%}
    {%- for schema, name, kind in found.rows if name | lower not in built[schema | lower] -%}
        {%- do run_query('drop ' ~ kind ~ ' if exists "' ~ target.database ~ '"."' ~ schema ~ '"."' ~ name ~ '"') -%}
        {%- do log('kansrijk: dropped ' ~ kind ~ ' ' ~ schema ~ '.' ~ name ~ ': no model or seed of this project builds it any more', info=true) -%}
    {%- endfor -%}
    {{- return('') -}}
{%- endmacro %}
