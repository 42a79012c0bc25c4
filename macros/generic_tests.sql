{#- Generic data tests of the project (dbt's hub cannot be reached here, and these are small). -#}

{#- Every row satisfies a SQL boolean expression, e.g.
    `gross_margin = revenue - cost_of_goods`. Model level or column level. -#}
{% test expression_is_true(model, expression, where=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% if where %} and ({{ where }}) {% endif %}
{% endtest %}


{#- Values lie within [min_value, max_value]; nulls are left to not_null. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }} as out_of_range
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }} {% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }} {% endif %}
  )
{% endtest %}


{#- No two rows share the same combination of the given columns (a compound key). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}


{#- The sum of an expression over this model equals the sum over another relation, to the cent.
    Used for reconciliations: revenue in = revenue out. -#}
{% test sums_match(model, expression, compare_model, compare_expression, tolerance=0.005, where=none, compare_where=none) %}
with a as (
    select coalesce(sum({{ expression }}), 0) as total from {{ model }}
    {% if where %} where {{ where }} {% endif %}
), b as (
    select coalesce(sum({{ compare_expression }}), 0) as total from {{ compare_model }}
    {% if compare_where %} where {{ compare_where }} {% endif %}
)
select a.total as model_total, b.total as compare_total
from a cross join b
where abs(a.total - b.total) > {{ tolerance }}
{% endtest %}


{#- Every value of a column is present in a column of another relation (referential
    integrity that tolerates nulls), like dbt's `relationships`, with an optional filter. -#}
{% test exists_in(model, column_name, to, field, where=none) %}
select m.{{ column_name }}
from {{ model }} as m
left join {{ to }} as t on m.{{ column_name }} = t.{{ field }}
where m.{{ column_name }} is not null and t.{{ field }} is null
{% if where %} and ({{ where }}) {% endif %}
{% endtest %}
