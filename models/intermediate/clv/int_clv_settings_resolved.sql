{#- One row: the CLV settings (vars) resolved into dates and model periods, so the Python models
    read them from a table instead of re-implementing var defaults. The model period is the week.
    Windows (docs block clv_holdout_window): var clv_calibration_end / clv_holdout_end when set;
    else, with var clv_holdout_weeks > 0, calibration ends that many weeks before the as-of date and
    the holdout runs to the as-of date; else calibration ends at the as-of date, without holdout. -#}
{%- set holdout_weeks = var('clv_holdout_weeks') | int %}
with as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

)

select
    {% if var('clv_calibration_end') -%}
    cast('{{ var("clv_calibration_end") }}' as date)
    {%- elif holdout_weeks > 0 -%}
    cast({{ dateadd('day', -7 * holdout_weeks, 'as_of_date') }} as date)
    {%- else -%}
    as_of_date
    {%- endif %} as calibration_end,
    {% if var('clv_holdout_end') -%}
    cast('{{ var("clv_holdout_end") }}' as date)
    {%- elif holdout_weeks > 0 and not var('clv_calibration_end') -%}
    as_of_date
    {%- else -%}
    cast(null as date)
    {%- endif %} as holdout_end,
    cast({{ var('clv_min_customers') }} as integer) as min_customers,
    cast({{ var('clv_min_repeat_buyers') }} as integer) as min_repeat_buyers,
    cast({{ var('clv_discount_rate') }} as double) as annual_discount_rate,
    power(1 + cast({{ var('clv_discount_rate') }} as double), cast(1 as double) / 52) - 1 as weekly_discount_rate,
    cast({{ var('clv_horizon_months') }} as integer) as horizon_months,
    -- 52 weeks per 12 months
    cast(round({{ var('clv_horizon_months') }} * 52.0 / 12) as integer) as horizon_weeks,
    '{{ var("clv_margin") }}' as margin_basis
from as_of
