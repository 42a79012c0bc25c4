{#- Cost of sales and acquisition (methodology §3, §4; docs blocks cost_of_sales and
    acquisition_spend), one definition each for the segment scorecard (cost_of_sales,
    acquisition_spend), CLV / acquisition cost (mart_segment_clv), the whale curve
    (acquisition_cost) and the what-if scenarios (mart_scenario_profitability). -#}

{#- The cost categories that are the cost of sales: what is spent selling to and winning accounts
    (sales commission, sales effort, marketing). On a customer from the month of its first invoice
    on they are its cost of sales. -#}
{% macro cost_of_sales_categories() -%}
{{ return(['commission', 'sales_effort', 'marketing']) }}
{%- endmacro %}

{#- The cost of sales of a customer-month row with one column per cost category (the P&L of
    fct_customer_pnl_monthly, mart_segment_profitability): the sum of those columns. -#}
{% macro cost_of_sales_expr(alias) -%}
    ({% for c in cost_of_sales_categories() %}{{ alias }}.{{ c }}{{ ' + ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- True for a cost line whose cost_category is a cost-of-sales category. -#}
{% macro is_cost_of_sales_category(category_expr) -%}
    {{ category_expr }} in ({% for c in cost_of_sales_categories() %}'{{ c }}'{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- Acquisition (methodology §3, §4): what is spent on an account before its first order. A month
    of an account is an acquisition month when the account has no first invoice (a prospect) or the
    month lies before the month of its first invoice; from that month on the account is served. One
    definition, used by the scorecard, the CRM effort split, the whale curve and CLV / acquisition
    cost. -#}
{% macro is_acquisition_month(month_expr, first_invoice_date_expr) -%}
    ({{ first_invoice_date_expr }} is null or {{ month_expr }} < {{ month_of(first_invoice_date_expr) }})
{%- endmacro %}

{#- Acquisition spend of a customer-month row of the P&L (fct_customer_pnl_monthly) in an
    acquisition month: all cost the allocation charged the account that month, whatever the
    category (methodology §3: cost spent on an account before its first order is acquisition cost;
    a service case or a campaign on a prospect is part of winning it). -#}
{% macro acquisition_spend_expr(alias) -%}
    {{ alias }}.cost_to_serve
{%- endmacro %}
