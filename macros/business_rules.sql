{#- Business definitions used by more than one model live here, once. -#}

{#- Size class from an employee count; thresholds are vars (see dbt_project.yml). -#}
{% macro size_class(employee_count) -%}
case
    when {{ employee_count }} is null then 'unknown'
    when {{ employee_count }} >= {{ var('size_class_large_from') }} then 'large'
    when {{ employee_count }} >= {{ var('size_class_medium_from') }} then 'medium'
    when {{ employee_count }} >= {{ var('size_class_small_from') }} then 'small'
    else 'micro'
end
{%- endmacro %}

{#- The segment key: the configured segment dimensions joined by '-'. -#}
{% macro segment_key(industry_code, size_class, country) -%}
coalesce(nullif(trim({{ industry_code }}), ''), 'unknown') || '-' || {{ size_class }}
{%- if var('segment_by_region') %} || '-' || coalesce(nullif(upper(trim({{ country }})), ''), 'XX'){% endif %}
{%- endmacro %}

{#- Lifecycle status at the as-of date from the last (non-credit) invoice date. -#}
{% macro lifecycle_status(last_invoice_date, as_of_date) -%}
case
    when {{ last_invoice_date }} is null then 'prospect'
    when {{ datediff(last_invoice_date, as_of_date, 'day') }} <= {{ var('lifecycle_active_days') }} then 'active'
    when {{ datediff(last_invoice_date, as_of_date, 'day') }} <= {{ var('lifecycle_lapsed_days') }} then 'lapsed'
    else 'ex_customer'
end
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro month_of(date_expr) -%}
cast({{ date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{#- A chamber-of-commerce number reduced to its digits, for matching. -#}
{% macro clean_coc(coc) -%}
nullif({{ regexp_replace_all("coalesce(" ~ coc ~ ", '')", "'[^0-9]'", "''") }}, '')
{%- endmacro %}
