{#- Run output (severity warn): ledger cost that no driver could spread to customers. -#}
{{ config(severity='warn', tags=['run_output']) }}

select
    'Cost allocation: ' || cast(count(*) as {{ dbt.type_string() }})
    || ' month × cost-center pool(s) stay (partly) unallocated;'
    || ' see marts.mart_cost_reconciliation.unallocated_reason.' as sentence
from {{ ref('mart_cost_reconciliation') }}
where unallocated_amount <> 0
having count(*) > 0
