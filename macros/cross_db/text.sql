{#- Text functions that differ between DuckDB and Spark. Each DuckDB version is the SQL the
    models had before (so the DuckDB build is unchanged); Spark gets its own function. -#}

{#- An integer as text with a comma thousands separator: 1234567 -> '1,234,567'. -#}
{% macro thousands_text(expr) -%}
    {{ return(adapter.dispatch('thousands_text', 'kansrijk')(expr)) }}
{%- endmacro %}
{% macro default__thousands_text(expr) -%}
    format('{:,}', {{ expr }})
{%- endmacro %}
{% macro spark__thousands_text(expr) -%}
    format_number({{ expr }}, 0)
{%- endmacro %}

{#- A date as 'YYYY-MM' text. -#}
{% macro year_month_text(expr) -%}
    {{ return(adapter.dispatch('year_month_text', 'kansrijk')(expr)) }}
{%- endmacro %}
{% macro default__year_month_text(expr) -%}
    strftime({{ expr }}, '%Y-%m')
{%- endmacro %}
{% macro spark__year_month_text(expr) -%}
    date_format({{ expr }}, 'yyyy-MM')
{%- endmacro %}

{#- Replace every match of a regular expression (DuckDB needs the 'g' flag, Spark always does). -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'kansrijk')(expr, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}
