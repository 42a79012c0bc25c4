{#- Contract data types on Spark. The model ymls say `varchar` (DuckDB's name, kept so the DuckDB
    build and docs stay as they are); Spark 4 only knows `varchar(n)` and calls it `string`.
    dbt builds a contract's expected schema with cast(null as <data_type>) through dbt.cast, so
    this Spark override of dbt's cast translates the type name. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ kansrijk_spark_type(type) }})
{%- endmacro %}

{#- The Spark name of a type written the DuckDB way: varchar/text (without length) -> string. -#}
{% macro kansrijk_spark_type(type) -%}
    {%- set t = (type | string).strip() -%}
    {{- 'string' if t.lower() in ('varchar', 'text', 'character varying') else t -}}
{%- endmacro %}
