{#- Spark only (target type spark): the dbt Python model of the same name cannot run on dbt-spark's
    session method, so kansrijk/spark.py runs its model() on int_clv_customer_summary beside the
    build and writes clv_fit.int_clv_parameters_fitted; this model takes the Python model's place
    (same name, same columns) so the CLV marts are unchanged. Disabled on every other target. -#}
{{ config(enabled=target.type == 'spark', materialized='table') }}
-- depends_on: {{ ref('int_clv_customer_summary') }}
-- depends_on: {{ ref('int_clv_settings_resolved') }}
select
    cast(model as string) as model,
    cast(parameter as string) as parameter,
    cast(value as double) as value,
    cast(log_likelihood as double) as log_likelihood,
    cast(converged as boolean) as converged,
    cast(fitted as boolean) as fitted,
    cast(customers_used as bigint) as customers_used,
    cast(message as string) as message
from clv_fit.int_clv_parameters_fitted
