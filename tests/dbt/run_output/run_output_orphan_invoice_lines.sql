{#- Run output (severity warn): invoice lines whose invoice never arrived sit under customer_key
    'unknown'; their revenue is counted there, not lost. -#}
{{ config(severity='warn', tags=['run_output']) }}

select
    'Orphan invoice lines: ' || cast(coalesce(sum(p.revenue), 0) as {{ dbt.type_string() }})
    || ' EUR revenue sits under customer_key ''unknown'' (their invoice never arrived);'
    || ' see marts.dim_customer and marts.mart_customer_profitability.' as sentence
from {{ ref('mart_customer_profitability') }} as p
where p.customer_key = 'unknown'
  and exists (select 1 from {{ ref('dim_customer') }} as d where d.customer_key = 'unknown')
having count(*) > 0
