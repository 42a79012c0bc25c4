{#- dbt.datediff on Spark with DuckDB's meaning: the number of period boundaries crossed.
    dbt-spark's month and quarter versions go through months_between and a day-of-year
    correction that gives 2 quarters from 1 January to 1 April; cohort periods
    (int_customer_periods_aggregated, int_cohort_retention_segmented) need 1. Other date parts:
    dbt-spark's own macro. Always bigint, DuckDB's type for date_diff (Spark's datediff is int),
    so the contracts' bigint columns hold on both. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set part = datepart | lower | replace("'", "") -%}
    cast(
    {%- if part == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif part == 'month' -%}
        ((year({{ second_date }}) * 12 + month({{ second_date }})) - (year({{ first_date }}) * 12 + month({{ first_date }})))
    {%- elif part == 'quarter' -%}
        ((year({{ second_date }}) * 4 + quarter({{ second_date }})) - (year({{ first_date }}) * 4 + quarter({{ first_date }})))
    {%- elif part == 'year' -%}
        (year({{ second_date }}) - year({{ first_date }}))
    {%- else -%}
        {{ dbt_spark.spark__datediff(first_date, second_date, datepart) }}
    {%- endif %} as bigint)
{%- endmacro %}
