{#- Schemas are named by layer (staging, intermediate, marts, reference), not prefixed
    with the target schema: BI tools and the serving contract rely on `marts.<table>`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
