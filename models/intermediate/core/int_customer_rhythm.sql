{#- One row per customer_key with a purchase (a distinct date of a non-credit invoice) on or before
    the as-of date: its purchase rhythm, the silences after which it counts as lapsed and as an
    ex-customer, and so its lifecycle status (docs block lifecycle_status; dim_customer adds the
    prospects). Purchases after the as-of date are not known then. -#}
with as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

purchase_days as (

    select distinct
        'erp:' || i.customer_id as customer_key,
        i.invoice_date
    from {{ ref('stg_erp__sales_invoices') }} as i
    cross join as_of as a
    where not coalesce(i.is_credit_note, false)
      and i.customer_id is not null
      and i.invoice_date <= a.as_of_date

),

per_customer as (

    select
        customer_key,
        count(*) as purchase_days,
        min(invoice_date) as first_purchase_date,
        max(invoice_date) as last_purchase_date
    from purchase_days
    group by customer_key

),

own as (

    select
        *,
        -- average days between consecutive purchase days: the span over the gaps in it
        case when purchase_days > 1
             then cast({{ datediff('first_purchase_date', 'last_purchase_date', 'day') }} as double) / (purchase_days - 1)
        end as purchase_interval_days
    from per_customer

),

typical as (

    -- the population's typical rhythm: the median of the repeat buyers' own intervals
    select median(purchase_interval_days) as typical_interval_days
    from own
    where purchase_interval_days is not null

),

rhythm as (

    select
        o.customer_key,
        o.purchase_days,
        o.first_purchase_date,
        o.last_purchase_date,
        o.purchase_interval_days,
        cast(coalesce(o.purchase_interval_days, t.typical_interval_days) as double) as rhythm_interval_days,
        cast({{ datediff('o.last_purchase_date', 'a.as_of_date', 'day') }} as bigint) as days_silent
    from own as o
    cross join typical as t
    cross join as_of as a

)

select
    customer_key,
    purchase_days,
    first_purchase_date,
    last_purchase_date,
    purchase_interval_days,
    rhythm_interval_days,
    days_silent,
    cast({{ lifecycle_lapsed_after_days('rhythm_interval_days') }} as double) as lapsed_after_days,
    cast({{ lifecycle_ex_customer_after_days('rhythm_interval_days') }} as double) as ex_customer_after_days,
    {{ lifecycle_status('days_silent', lifecycle_lapsed_after_days('rhythm_interval_days'),
                        lifecycle_ex_customer_after_days('rhythm_interval_days')) }} as lifecycle_status
from rhythm
