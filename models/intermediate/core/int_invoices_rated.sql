{#- One row per invoice: its rate to EUR from seed currency_rates. `eur_rate` is 1 for EUR, else
    the seed's rate for the month of the invoice date, else the currency's rate without a month;
    null when the seed has none (the ingest refuses such a file, and a test on this model stops the
    build if the seed loses the rate later). A view: no data is copied. -#}
{{ config(materialized='view') }}
with invoices as (

    select invoice_id, invoice_date, currency_code from {{ ref('stg_erp__sales_invoices') }}

),

rates as (

    select upper(trim(currency)) as currency, month, eur_per_unit
    from {{ ref('currency_rates') }}

)

select
    i.invoice_id,
    i.currency_code,
    cast(case when i.currency_code = 'EUR' then 1 else coalesce(m.eur_per_unit, d.eur_per_unit) end as decimal(18, 6)) as eur_rate
from invoices as i
left join rates as m
    on i.currency_code = m.currency and m.month = {{ month_of('i.invoice_date') }}
left join rates as d
    on i.currency_code = d.currency and d.month is null
