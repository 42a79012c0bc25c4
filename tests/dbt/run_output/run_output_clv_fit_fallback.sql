{#- Run output (severity warn): a CLV model that could not be fitted on this data. The refresh
    prints the row's sentence (kansrijk.refresh.gaps); the marts are built with the fallback. -#}
{{ config(severity='warn', tags=['run_output']) }}

with not_fitted as (

    select distinct model, message
    from {{ ref('clv_model_fit') }}
    where not fitted

)

select
    'CLV: model(s) could not be fitted: '
    || {{ dbt.listagg("model || ' (' || message || ')'", "'; '", "order by model") }}
    || '; mart_customer_clv uses the fallback estimates instead'
    || ' (purchases_estimate ''shrunk_rate'', spend_estimate ''shrunk_mean'').' as sentence
from not_fitted
having count(*) > 0
