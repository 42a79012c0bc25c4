{#- Spark only (target type spark): takes the place of the dbt Python model of the same name,
    reading the curve kansrijk/spark.py computed with that model's own code beside the build
    (clv_fit.int_clv_repeat_purchases_expected). Disabled on every other target. -#}
{{ config(enabled=target.type == 'spark', materialized='table') }}
-- depends_on: {{ ref('int_clv_customer_summary') }}
-- depends_on: {{ ref('int_clv_settings_resolved') }}
-- depends_on: {{ ref('int_clv_parameters_fitted') }}
select
    cast(age_days as bigint) as age_days,
    cast(age_weeks as double) as age_weeks,
    cast(expected_repeat_purchases as double) as expected_repeat_purchases
from clv_fit.int_clv_repeat_purchases_expected
