{#- Acquisition (methodology §3, §4): what is spent on an account before its first order. A month
    of an account is an acquisition month when the account has no first invoice (a prospect) or the
    month lies before the month of its first invoice; from that month on the account is served. One
    definition, used by the scorecard, the CRM effort split and CLV / acquisition cost. -#}
{% macro is_acquisition_month(month_expr, first_invoice_date_expr) -%}
    ({{ first_invoice_date_expr }} is null or {{ month_expr }} < {{ month_of(first_invoice_date_expr) }})
{%- endmacro %}

{#- The cost categories that are spent winning an account (sales effort and marketing). -#}
{% macro acquisition_cost_expr(alias) -%}
    ({{ alias }}.sales_effort + {{ alias }}.marketing)
{%- endmacro %}
