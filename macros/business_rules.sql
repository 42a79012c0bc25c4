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

{#- Lifecycle: a customer's silence judged against its own purchase rhythm (docs block
    lifecycle_status). rhythm_interval_days is its average days between purchase days (the
    population's typical interval for a one-time buyer); null when nothing is known, then the
    ceilings apply. The thresholds are vars lifecycle_* (see dbt_project.yml). -#}
{% macro lifecycle_lapsed_after_days(rhythm_interval_days) -%}
least(greatest({{ var('lifecycle_lapsed_intervals') }} * coalesce({{ rhythm_interval_days }}, {{ var('lifecycle_lapsed_max_days') }}),
               {{ var('lifecycle_lapsed_min_days') }}), {{ var('lifecycle_lapsed_max_days') }})
{%- endmacro %}

{% macro lifecycle_ex_customer_after_days(rhythm_interval_days) -%}
least(greatest({{ var('lifecycle_ex_customer_intervals') }} * coalesce({{ rhythm_interval_days }}, {{ var('lifecycle_ex_customer_max_days') }}),
               {{ var('lifecycle_ex_customer_min_days') }}), {{ var('lifecycle_ex_customer_max_days') }})
{%- endmacro %}

{#- Lifecycle status at the as-of date from the days since the last purchase on or before it and
    the customer's two thresholds (macros above); no purchase by then: prospect. -#}
{% macro lifecycle_status(days_silent, lapsed_after_days, ex_customer_after_days) -%}
case
    when {{ days_silent }} is null then 'prospect'
    when {{ days_silent }} > {{ ex_customer_after_days }} then 'ex_customer'
    when {{ days_silent }} > {{ lapsed_after_days }} then 'lapsed'
    else 'active'
end
{%- endmacro %}

{#- Whether a company counts as a customer (docs block is_customer): lifecycle active or lapsed. -#}
{% macro is_customer(lifecycle_status) -%}
coalesce({{ lifecycle_status }} in ('active', 'lapsed'), false)
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro month_of(date_expr) -%}
cast({{ date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{#- A chamber-of-commerce number reduced to its digits, for matching. -#}
{% macro clean_coc(coc) -%}
nullif({{ regexp_replace_all("coalesce(" ~ coc ~ ", '')", "'[^0-9]'", "''") }}, '')
{%- endmacro %}

{#- The two cohort flags both cohort marts carry (docs blocks cohort_partial_period and
    cohort_left_censored): `s` has period_start, customers; `b` has first_data_month, as_of_date;
    `c` has left_censored_customers. -#}
{% macro cohort_flags(grain) -%}
    coalesce(s.period_start < b.first_data_month
             or {{ dateadd(grain, 1, 's.period_start') }} > {{ dateadd('day', 1, 'b.as_of_date') }}, false)
        as is_partial_period,
    cast(coalesce(c.left_censored_customers, 0) as bigint) as left_censored_customers,
    coalesce(100.0 * coalesce(c.left_censored_customers, 0) / nullif(s.customers, 0)
             >= {{ var('cohort_left_censored_pct') }}, false) as is_left_censored
{%- endmacro %}

{#- Invoice lines in EUR (the SELECT of int_invoice_lines_converted, see its header): `invoice_ids`,
    a query of invoice ids, limits lines and rates to those invoices before they are joined, as
    int_sales_lines does for the invoices a daily run rebuilds (filtering the view's result instead
    joined all 18.6 M lines to their rates first, at 100,000 customers). -#}
{% macro invoice_lines_in_eur(invoice_ids=none) -%}
with lines as (

    select * from {{ ref('stg_erp__sales_invoice_lines') }}
    {%- if invoice_ids %}
    where invoice_id in ({{ invoice_ids }})
    {%- endif %}

),

rates as (

    select invoice_id, eur_rate from {{ ref('int_invoices_rated') }}
    {%- if invoice_ids %}
    where invoice_id in ({{ invoice_ids }})
    {%- endif %}

),

rated as (

    select
        l.*,
        case when r.invoice_id is null then cast(1 as decimal(18, 6)) else r.eur_rate end as eur_rate
    from lines as l
    left join rates as r on l.invoice_id = r.invoice_id

)

select
    invoice_id,
    line_no,
    product_id,
    quantity,
    case when eur_rate = 1 then unit_price else cast(round(unit_price * eur_rate, 4) as decimal(18,4)) end as unit_price,
    discount_pct,
    case when eur_rate = 1 then net_amount else cast(round(net_amount * eur_rate, 2) as decimal(18,4)) end as net_amount,
    case when eur_rate = 1 then cost_amount else cast(round(cost_amount * eur_rate, 2) as decimal(18,4)) end as cost_amount,
    eur_rate,
    is_deleted,
    delivery,
    delivery_date,
    loaded_at
from rated
{%- endmacro %}
