{#- Run output (severity warn): the landing set has no erp_stock_levels (optional, landing contract
    v1.1); the stock policy is computed, its stock-dependent columns stay null. -#}
{{ config(severity='warn', tags=['run_output']) }}

select
    'Stock: the landing set has no erp_stock_levels; mart_product_stock_policy gives the policy for '
    || cast(count(*) as {{ dbt.type_string() }})
    || ' product(s) but leaves its stock columns (on_hand_qty, days_of_cover, excess_stock_value, ...) null,'
    || ' and mart_segment_stock its stock value.' as sentence
from {{ ref('mart_product_stock_policy') }}
having count(*) > 0 and not {{ dbt.bool_or('has_stock_levels') }}
