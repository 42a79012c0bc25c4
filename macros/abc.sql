{#- ABC classification (Pareto), one definition for the customer ABC (mart_customer_segments, on
    window revenue; docs block customer_segments) and the product ABC (mart_product_classification,
    on window margin; docs block abc_product_class). Each keeps its own thresholds (vars abc_* and
    stock_abc_*). -#}

{#- The share (0-100 %) of the total of `value_expr` held by the rows ranked before this one, ranked
    by `value_expr` descending (ties: `tiebreak_expr`). A window function over the rows that are
    ranked: select only those (value > 0). The row that crosses a threshold has a share before it
    below the threshold, so it still belongs to the class it completes. -#}
{% macro abc_share_before_pct(value_expr, tiebreak_expr) -%}
100.0 * coalesce(sum({{ value_expr }}) over (
            order by {{ value_expr }} desc, {{ tiebreak_expr }}
            rows between unbounded preceding and 1 preceding), 0)
            / sum({{ value_expr }}) over ()
{%- endmacro %}

{#- The ABC class from that share before the row: A below var `a_var` %, B below var `b_var` %,
    C the rest; D when the row is not ranked (share null: no or negative value, prospects). -#}
{% macro abc_class(share_before_pct_expr, a_var, b_var) -%}
case
            when {{ share_before_pct_expr }} is null then 'D'
            when {{ share_before_pct_expr }} < {{ var(a_var) }} then 'A'
            when {{ share_before_pct_expr }} < {{ var(b_var) }} then 'B'
            else 'C'
        end
{%- endmacro %}
