{#- One row: the bounds of every window that ends at the as-of date (int_as_of_date), computed once
    so every model that looks back over the same window counts the same days. Day windows are
    half-open, (start, as_of_date]: a 365-day window holds exactly 365 days; a model over monthly
    facts counts the months after the start's month up to the as-of month. Month windows of N
    months are [start month, as-of month], the as-of month included.
    - segment_window_*: var segment_window_days (the scorecard, ABC, CRM figures) and the window
      before it (growth);
    - rfm_window_start: var rfm_window_days (null: 0 = the whole history);
    - penetration_window_start: var penetration_window_days;
    - whale_curve_window_start_month: var whale_curve_window_months (null: 0 = the whole history);
    - clv_acquisition_window_start_month: var clv_acquisition_window_months;
    - stock_periods, stock_window_days: the whole demand periods of var stock_period_days that fit in
      var segment_window_days (52 weeks = 364 days with the defaults), the stock window ending on the
      as-of date. -#}
{%- set whale_months = var('whale_curve_window_months') | int %}
{%- set stock_periods = (var('segment_window_days') | int) // (var('stock_period_days') | int) %}
select
    as_of_date,
    {{ month_of('as_of_date') }} as as_of_month,
    cast({{ dateadd('day', -1 * var('segment_window_days'), 'as_of_date') }} as date) as segment_window_start,
    cast({{ dateadd('day', -2 * var('segment_window_days'), 'as_of_date') }} as date) as segment_prior_window_start,
    {{ month_of(dateadd('day', -1 * var('segment_window_days'), 'as_of_date')) }} as segment_window_start_month,
    {% if var('rfm_window_days') | int > 0 -%}
    cast({{ dateadd('day', -1 * var('rfm_window_days'), 'as_of_date') }} as date)
    {%- else -%}
    cast(null as date)
    {%- endif %} as rfm_window_start,
    cast({{ dateadd('day', -1 * var('penetration_window_days'), 'as_of_date') }} as date) as penetration_window_start,
    {% if whale_months > 0 -%}
    cast({{ dateadd('month', 1 - whale_months, month_of('as_of_date')) }} as date)
    {%- else -%}
    cast(null as date)
    {%- endif %} as whale_curve_window_start_month,
    cast({{ dateadd('month', 1 - var('clv_acquisition_window_months'), month_of('as_of_date')) }} as date)
        as clv_acquisition_window_start_month,
    cast({{ stock_periods }} as bigint) as stock_periods,
    cast({{ stock_periods * (var('stock_period_days') | int) }} as bigint) as stock_window_days
from {{ ref('int_as_of_date') }}
