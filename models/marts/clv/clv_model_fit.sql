{#- One row per model and parameter: the fitted BG/NBD and Gamma-Gamma parameters, published under
    an enforced contract (the fit itself is the Python model int_clv_parameters_fitted). -#}
select
    cast(model as string) as model,
    cast(parameter as string) as parameter,
    cast(value as double) as value,
    cast(log_likelihood as double) as log_likelihood,
    cast(converged as boolean) as converged,
    cast(fitted as boolean) as fitted,
    cast(customers_used as bigint) as customers_used,
    cast(message as string) as message
from {{ ref('int_clv_parameters_fitted') }}
