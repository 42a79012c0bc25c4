{#- dbt.listagg on Spark with its order by honoured. dbt-spark's own spark__listagg ignores the
    order_by_clause (collect_list order is arbitrary), which would change texts such as
    mart_segment_attractiveness.strengths. Here the values are collected with their sort keys,
    sorted by a comparator built from the clause ('order by strength desc, label'), limited and
    joined. Sort keys are plain column expressions without commas; null keys sort last, as in
    DuckDB's default (NULLS LAST, ascending or descending). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if not order_by_clause -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- else -%}
        {%- set keys = [] -%}
        {%- for part in modules.re.sub('(?i)^\\s*order\\s+by\\s+', '', order_by_clause).split(',') -%}
            {%- set words = part.strip().split() -%}
            {%- set descending = words | length > 1 and words[-1] | lower == 'desc' -%}
            {%- set expr = (words[:-1] if (words | length > 1 and words[-1] | lower in ('asc', 'desc')) else words) | join(' ') -%}
            {%- do keys.append((expr, descending)) -%}
        {%- endfor -%}
        {%- set fields = [] -%}
        {%- for k in keys -%}
            {%- do fields.append(k[0] ~ ' as k' ~ loop.index0) -%}
        {%- endfor -%}
        {%- set comparator -%}
            (l, r) -> case
            {%- for k in keys %}
                {%- set f = 'k' ~ loop.index0 %}
                when l.{{ f }} is null and r.{{ f }} is not null then 1
                when l.{{ f }} is not null and r.{{ f }} is null then -1
                when l.{{ f }} < r.{{ f }} then {{ 1 if k[1] else -1 }}
                when l.{{ f }} > r.{{ f }} then {{ -1 if k[1] else 1 }}
            {%- endfor %}
                else 0 end
        {%- endset -%}
        {%- set collected -%}
            transform(array_sort(collect_list(struct({{ fields | join(', ') }}, {{ measure }} as m)), {{ comparator }}), x -> x.m)
        {%- endset -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    nullif(array_join({{ collected }}, {{ delimiter_text }}), '')
{%- endmacro %}
