{#- Generic data tests of the project (dbt's hub cannot be reached here, and these are small). -#}

{#- Every row satisfies a SQL boolean expression, e.g.
    `gross_margin = revenue - cost_of_goods`. Model level or column level. -#}
{% test expression_is_true(model, expression, where=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% if where %} and ({{ where }}) {% endif %}
{% endtest %}


{#- The key of a raw table is unique. On an incremental `dbt build` only the keys of the rows loaded
    after the last whole-project build that passed (macros/incremental.sql,
    raw_loads_tested_through) are checked, each against the whole table: a duplicate needs a row
    loaded after its twin, and every earlier load passed this test in that build. A full refresh, a
    standalone `dbt test` and Spark check every key. -#}
{% test unique_raw_key(model, column_name) %}
{%- set since = raw_loads_tested_through(model) %}
select {{ column_name }}, count(*) as n
from {{ model }}
{%- if since is not none %}
where {{ column_name }} in (select {{ column_name }} from {{ model }} where _loaded_at > {{ since }})
{%- endif %}
group by {{ column_name }}
having count(*) > 1
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


{#- Every row obeys the model's row rules, all checked in one pass over the model: one test node
    per model instead of one per column and rule (each node costs dbt about 55 ms of its own work,
    whatever the table's size, and each scans the table; docs/design.md, "Which tests run where").

        not_null:         [column, ...] or {column, where}
        accepted_values:  [{column, values, quote (default true), where}, ...]; nulls pass
        accepted_range:   [{column, min_value, max_value, where}, ...]; bounds inclusive; nulls pass
        expressions:      ["<SQL boolean>", ...] or {expression, where}; a null result fails

    A rule's own `where` limits it to the rows that match; the test's `where` config limits all of
    them. A failure returns one row per broken rule: the rule, as it reads, and how many rows break
    it (kansrijk.dbt_cli reads these rows into the refresh's error message). -#}
{% test row_rules(model, not_null=[], accepted_values=[], accepted_range=[], expressions=[]) %}
{%- set rules = [] -%}
{%- for r in not_null -%}
    {%- set r = r if r is mapping else {'column': r} -%}
    {%- do rules.append((r.column ~ ' is not null', r.column ~ ' is null', r.get('where'))) -%}
{%- endfor -%}
{%- for r in accepted_values -%}
    {%- set quoted = [] -%}
    {%- for v in r['values'] -%}
        {%- do quoted.append("'" ~ (v | string | replace("'", "''")) ~ "'" if r.get('quote', true) else v | string) -%}
    {%- endfor -%}
    {%- set listed = quoted | join(', ') -%}
    {%- do rules.append((r.column ~ ' in (' ~ listed ~ ')',
                         r.column ~ ' is not null and ' ~ r.column ~ ' not in (' ~ listed ~ ')', r.get('where'))) -%}
{%- endfor -%}
{%- for r in accepted_range -%}
    {%- set bounds, broken = [], [] -%}
    {%- if r.get('min_value') is not none -%}
        {%- do bounds.append(r.column ~ ' >= ' ~ r.min_value) -%}{%- do broken.append(r.column ~ ' < ' ~ r.min_value) -%}
    {%- endif -%}
    {%- if r.get('max_value') is not none -%}
        {%- do bounds.append(r.column ~ ' <= ' ~ r.max_value) -%}{%- do broken.append(r.column ~ ' > ' ~ r.max_value) -%}
    {%- endif -%}
    {%- do rules.append((bounds | join(' and '),
                         r.column ~ ' is not null and (' ~ broken | join(' or ') ~ ')', r.get('where'))) -%}
{%- endfor -%}
{%- for r in expressions -%}
    {%- set r = r if r is mapping else {'expression': r} -%}
    {%- do rules.append((r.expression, 'not coalesce((' ~ r.expression ~ '), false)', r.get('where'))) -%}
{%- endfor -%}
with counted as (
    select
    {%- for label, broken, where in rules %}
        sum(case when {% if where %}({{ where }}) and {% endif %}({{ broken }}) then 1 else 0 end) as rule_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
),

-- the rules as rows, crossed with the one row of counts: `counted` is read once, also on engines
-- that inline a CTE at every reference (Spark)
rules as (
    {%- for label, broken, where in rules %}
    select {{ loop.index }} as rule_no, '{{ (label ~ (' where ' ~ where if where else '')) | replace("'", "''") }}' as rule
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

broken as (
    select
        rules.rule,
        case rules.rule_no
        {%- for label, broken, where in rules %}
            when {{ loop.index }} then counted.rule_{{ loop.index }}
        {%- endfor %}
        end as failing_rows
    from rules
    cross join counted
)

select rule, failing_rows
from broken
where failing_rows > 0
{% endtest %}
