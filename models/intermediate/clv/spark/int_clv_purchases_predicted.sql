{#- Spark only (target type spark): takes the place of the dbt Python model of the same name,
    reading the predictions kansrijk/spark.py computed with that model's own code beside the build
    (clv_fit.int_clv_purchases_predicted). Disabled on every other target. -#}
{{ config(enabled=target.type == 'spark', materialized='table') }}
-- depends_on: {{ ref('int_clv_customer_summary') }}
-- depends_on: {{ ref('int_clv_settings_resolved') }}
-- depends_on: {{ ref('int_clv_parameters_fitted') }}
select
    cast(customer_key as string) as customer_key,
    cast(expected_purchases as double) as expected_purchases,
    cast(discounted_expected_purchases as double) as discounted_expected_purchases,
    cast(holdout_expected_purchases as double) as holdout_expected_purchases,
    cast(expected_cumulative_repeat_purchases as double) as expected_cumulative_repeat_purchases
from clv_fit.int_clv_purchases_predicted
