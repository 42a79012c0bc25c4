{#- One row per month × cost center × customer_key × allocation_type: every ledger cent that
    reached a customer, either directly (`ledger_customer_line`, `shipment_freight`) or spread by
    the cost center's driver (`driver`). Ledger cost that reached no customer is in
    int_cost_pools_prepared.unallocated_amount. -#}
select month, cost_center, customer_key, cost_category, direct_type as allocation_type, amount
from {{ ref('int_cost_direct_assigned') }}
where amount <> 0
union all
select month, cost_center, customer_key, cost_category, 'driver' as allocation_type, amount
from {{ ref('int_cost_pools_spread') }}
where amount <> 0
