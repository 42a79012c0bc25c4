{#- Contract constraints on Spark. dbt-spark applies `not_null` (ALTER COLUMN ... SET NOT NULL)
    and `check` constraints whenever file_format is unset, treating that as Delta; the session
    method's Hive tables (Parquet) cannot take them and fail with UNSUPPORTED_FEATURE. Here they
    are applied only to tables whose file_format is delta. The contracts' column names and types
    are still enforced (dbt compares them before the table is built), and every primary_key /
    not_null column of a contract is in the not_null of its model's row_rules test, which runs on
    Spark too (mart_customer_profitability, a view of fct_customer_pnl_monthly row for row: in the
    fact's). -#}
{% macro spark__persist_constraints(relation, model) %}
  {%- set contract_config = config.get('contract') -%}
  {% if contract_config.enforced and config.get('file_format') == 'delta' %}
    {% do alter_table_add_constraints(relation, model.constraints) %}
    {% do alter_column_set_constraints(relation, model.columns) %}
  {% endif %}
{% endmacro %}
