{#- One row per segment with new-business funnel history, plus segment_key 'all' for the company:
    the new-business figures the address calculation uses (docs block planning_new_business_rates),
    from the segment × quarter rows of mart_sales_funnel whose window is complete (a quarter
    whose companies are still inside their window would count orders that have not happened
    yet as misses).
    - address_to_order_rate: new-business orders / new-business companies called (addresses);
    - order_value: new-business won order value / orders;
    - value_per_address = address_to_order_rate × order_value = won value / addresses.
    A segment's figures are blended with the company's (credibility weighting): as if var
    funnel_shrinkage_addresses (k) more addresses had been worked in the segment at the company
    figures. With n addresses, o orders and won value w in the segment, company rate p, order
    value v and value per address p·v:
        rate  = (o + k·p) / (n + k)
        value = (w + k·p·v) / (o + k·p)
        value_per_address = rate × value = (w + k·p·v) / (n + k)
    credibility = n / (n + k) is the weight of the segment's own figures. -#}
{%- set k = var('funnel_shrinkage_addresses') -%}
with detail as (

    select
        segment_key,
        new_business_calls as addresses,
        new_business_orders as orders,
        new_business_won_order_value as won_value,
        new_business_call_activities as call_activities
    from {{ ref('int_sales_funnel_counted') }}
    where segment_key <> 'all' and period <> 'all' and window_complete

),

by_segment as (

    select
        segment_key,
        sum(addresses) as addresses,
        sum(orders) as orders,
        sum(won_value) as won_value,
        sum(call_activities) as call_activities
    from detail
    group by segment_key

),

company as (

    select
        coalesce(sum(addresses), 0) as addresses,
        coalesce(sum(orders), 0) as orders,
        coalesce(sum(won_value), 0) as won_value,
        coalesce(sum(call_activities), 0) as call_activities
    from by_segment

),

company_rates as (

    select
        addresses,
        orders,
        won_value,
        call_activities,
        1.0 * orders / nullif(addresses, 0) as rate,
        1.0 * won_value / nullif(orders, 0) as order_value,
        1.0 * won_value / nullif(addresses, 0) as value_per_address
    from company

),

blended as (

    select
        s.segment_key,
        s.addresses,
        s.orders,
        s.won_value,
        s.call_activities,
        1.0 * s.addresses / (s.addresses + {{ k }}) as credibility,
        (s.orders + {{ k }} * c.rate) / (s.addresses + {{ k }}) as rate,
        (s.won_value + {{ k }} * c.value_per_address) / nullif(s.orders + {{ k }} * c.rate, 0) as order_value,
        (s.won_value + {{ k }} * c.value_per_address) / (s.addresses + {{ k }}) as value_per_address
    from by_segment as s
    cross join company_rates as c
    where s.addresses > 0

    union all

    select 'all', addresses, orders, won_value, call_activities, 1.0,
           rate, order_value, value_per_address
    from company_rates

)

select
    cast(segment_key as string) as segment_key,
    cast(addresses as bigint) as addresses,
    cast(orders as bigint) as orders,
    cast(won_value as decimal(18, 2)) as won_value,
    cast(call_activities as bigint) as call_activities,
    cast(credibility as double) as credibility,
    cast(100.0 * rate as double) as address_to_order_pct,
    cast(order_value as decimal(18, 2)) as order_value,
    cast(value_per_address as decimal(18, 2)) as value_per_address
from blended
