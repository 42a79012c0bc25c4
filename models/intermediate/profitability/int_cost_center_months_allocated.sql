{#- One row per month × cost center that reached customers: the amount allocated to customers
    (directly and by driver), the part spread by the driver, and the number of customers charged,
    from int_cost_allocations_unioned. mart_cost_reconciliation reads this instead of the 22 M
    allocation rows (at 100,000 customers). Month-partitioned (macros/incremental.sql): a run
    rebuilds only the months whose pools, driver volumes or direct cost changed. -#}
{{ config(**month_partitioned_config('costs_fingerprint')) }}
{%- set incremental = incremental_ready(['inputs_fingerprint', 'built_at']) %}
with {{ month_partitioned_ctes('costs_fingerprint') }}

allocated as (

    select
        month,
        cost_center,
        sum(amount) as allocated_amount,
        sum(case when allocation_type = 'driver' then amount else 0 end) as driver_amount,
        count(distinct customer_key) as customers
    from {{ ref('int_cost_allocations_unioned') }}
    where {{ in_rebuilt_months(incremental) }}
    group by month, cost_center

)

select
    a.month,
    a.cost_center,
    cast(a.allocated_amount as decimal(18, 2)) as allocated_amount,
    cast(a.driver_amount as decimal(18, 2)) as driver_amount,
    a.customers,
    f.inputs_fingerprint,
    {{ built_at() }} as built_at
from allocated as a
left join fingerprints as f on a.month = f.month
