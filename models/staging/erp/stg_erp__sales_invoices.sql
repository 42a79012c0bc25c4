{#- Invoice headers, plus the invoice's currency and its rate to EUR (seed currency_rates): an
    invoice in another currency than EUR is converted, never summed as-is. `currency_code` is the
    currency in capitals, EUR when empty (the contract: money is EUR unless a currency column says
    otherwise); `eur_rate` is 1 for EUR, else the seed's rate for the month of the invoice date,
    else its rate without a month; null when the seed has none (the ingest refuses such a file,
    and a test on this model stops the build if the seed loses the rate later). -#}
with source as (

    select * from {{ source('erp', 'erp_sales_invoices') }}

),

rates as (

    select upper(trim(currency)) as currency, month, eur_per_unit
    from {{ ref('currency_rates') }}

),

renamed as (

    select
        invoice_id,
        customer_id,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        currency,
        upper(coalesce(nullif(trim(currency), ''), 'EUR')) as currency_code,
        order_channel,
        cast(is_credit_note as boolean) as is_credit_note,
        sales_rep,
        coalesce(_is_deleted, false) as is_deleted,
        _delivery as delivery,
        cast(substr(_delivery, 1, 10) as date) as delivery_date,
        _loaded_at as loaded_at
    from source

)

select
    i.invoice_id,
    i.customer_id,
    i.invoice_date,
    i.due_date,
    i.currency,
    i.currency_code,
    cast(case when i.currency_code = 'EUR' then 1 else coalesce(m.eur_per_unit, d.eur_per_unit) end as decimal(18, 6)) as eur_rate,
    i.order_channel,
    i.is_credit_note,
    i.sales_rep,
    i.is_deleted,
    i.delivery,
    i.delivery_date,
    i.loaded_at
from renamed as i
left join rates as m
    on i.currency_code = m.currency and m.month = {{ month_of('i.invoice_date') }}
left join rates as d
    on i.currency_code = d.currency and d.month is null
