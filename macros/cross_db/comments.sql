{#- Column comments of Spark views. dbt-spark writes each column's description into the view's
    column list (`create or replace view v (col comment '...')`). The Hive metastore keeps a column
    comment in 256 characters; a longer one makes the metastore refuse the view in its own format
    and Spark store it again in its own, which costs about 20 s a view (measured on the session
    method's Derby metastore: 20.4 s with the full descriptions, 0.5 s cut to 250 characters). So on
    Spark a column comment is the description's first 256 characters; the whole text stays in the
    dbt docs and on DuckDB. Same as dbt-spark's macro otherwise; it is not dispatched, so the
    project's version replaces it. -#}
{% macro get_column_comment_sql(column_name, column_dict) -%}
  {% if column_name in column_dict and column_dict[column_name]["description"] -%}
    {% set escaped_description = column_dict[column_name]["description"][:256] | replace("'", "\\'") %}
    {% set column_comment_clause = "comment '" ~ escaped_description ~ "'" %}
  {%- endif -%}
  {{ adapter.quote(column_name) }} {{ column_comment_clause }}
{% endmacro %}
