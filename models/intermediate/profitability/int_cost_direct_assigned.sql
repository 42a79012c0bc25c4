{#- One row per month × cost center × customer_key × direct_type: ledger cost that goes straight
    to one customer before any driver is applied.
    - `ledger_customer_line`: a ledger line with a customer_id (commission, bonus, bad debt). Its
      cost category is that of its cost center in seed cost_center_drivers, `overhead` when the
      cost center is not in the seed.
    - `shipment_freight`: a shipment's own freight_cost (customer from the shipment, else from
      its invoice), taken OUT of the freight cost center's ledger pool of the ship month. The
      ledger is the book of record: freight is only allocated as far as that pool (its lines
      without a customer_id) covers it; when the month's freight exceeds the pool, the pool is
      split over the shipments' customers in proportion to their freight (cents, rounding
      remainder on the largest) and `requested_amount - amount` is the freight the ledger does
      not hold (reported in mart_cost_reconciliation).
    The freight cost center is var `profitability_freight_cost_center`; empty = the first cost
    center of the seed with cost_category logistics and driver shipments (else any logistics one).
    Every run computes every month; an incremental one writes only the months whose rows differ
    from the table's (macros/incremental.sql, select_changed_months), each row with the `built_at`
    of the run that wrote it. -#}
{{ config(**changed_months_config('direct_type')) }}
with drivers as (

    select * from {{ ref('cost_center_drivers') }}

),

ledger as (

    select month, cost_center, customer_key, amount
    from {{ ref('int_gl_entries') }}
    where not is_deleted

),

direct_ledger as (

    select
        l.month,
        l.cost_center,
        l.customer_key,
        coalesce(d.cost_category, 'overhead') as cost_category,
        'ledger_customer_line' as direct_type,
        cast(round(sum(l.amount), 2) as decimal(18, 2)) as requested_amount
    from ledger as l
    left join drivers as d on l.cost_center = d.cost_center
    where l.customer_key is not null
    group by 1, 2, 3, 4

),

freight_cost_center as (

    select
        {% if var('profitability_freight_cost_center') %}
        cast('{{ var("profitability_freight_cost_center") }}' as string) as cost_center
        {% else %}
        coalesce(
            min(case when cost_category = 'logistics' and driver = 'shipments' then cost_center end),
            min(case when cost_category = 'logistics' then cost_center end)
        ) as cost_center
        from drivers
        {% endif %}

),

freight_pool as (

    -- what the ledger holds for the freight cost center, net of lines already sent to a customer
    select l.month, l.cost_center, cast(round(sum(l.amount), 2) as decimal(18, 2)) as pool_amount
    from ledger as l
    inner join freight_cost_center as f on l.cost_center = f.cost_center
    where l.customer_key is null
    group by l.month, l.cost_center

),

freight as (

    -- each shipment's freight on the customer it is charged to (int_shipments: its own, else its
    -- invoice's customer), per customer-month as built incrementally
    select
        o.month,
        f.cost_center,
        o.customer_key,
        cast(round(o.freight_cost, 2) as decimal(18, 2)) as requested_amount
    from {{ ref('int_customer_months_operations_aggregated') }} as o
    cross join freight_cost_center as f
    where o.freight_cost is not null
      and f.cost_center is not null

),

-- per month: total and largest requested freight, by aggregation (no window sort over customers)
freight_months as (

    select month, sum(requested_amount) as month_freight, max(requested_amount) as largest_amount
    from freight
    group by month

),

freight_shares as (

    select
        fr.*,
        greatest(coalesce(p.pool_amount, 0), 0) as available_amount,
        m.month_freight,
        m.largest_amount
    from freight as fr
    inner join freight_months as m on fr.month = m.month
    left join freight_pool as p on fr.month = p.month and fr.cost_center = p.cost_center

),

freight_capped as (

    select
        *,
        case
            when month_freight <= available_amount then requested_amount
            else cast(round(available_amount * requested_amount / nullif(month_freight, 0), 2) as decimal(18, 2))
        end as rounded_amount
    from freight_shares

),

-- a month whose freight exceeds the pool: the rounding remainder goes to the largest freight
-- (ties: lowest customer_key)
freight_remainders as (

    select
        month,
        min(case when requested_amount = largest_amount then customer_key end) as customer_key,
        min(available_amount) - sum(rounded_amount) as remainder
    from freight_capped
    where month_freight > available_amount
    group by month

),

freight_assigned as (

    select
        c.month,
        c.cost_center,
        c.customer_key,
        'logistics' as cost_category,
        'shipment_freight' as direct_type,
        c.requested_amount,
        cast(c.rounded_amount + coalesce(r.remainder, 0) as decimal(18, 2)) as amount
    from freight_capped as c
    left join freight_remainders as r on c.month = r.month and c.customer_key = r.customer_key

),

assigned as {{ not_materialized() }} (

    select month, cost_center, customer_key, cost_category, direct_type, requested_amount, requested_amount as amount
    from direct_ledger
    union all
    select month, cost_center, customer_key, cost_category, direct_type, requested_amount, amount
    from freight_assigned

)

{{ select_changed_months('assigned', ['month', 'cost_center', 'customer_key', 'cost_category', 'direct_type', 'requested_amount', 'amount']) }}
