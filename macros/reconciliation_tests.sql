{#- Reconciliation of a mart to the raw invoice lines (severity error, as every data test here).

    The sum of an expression over the model equals the sum of a raw invoice-line amount in EUR, to
    the cent (tolerance 0.005). The raw side is worked out on its own, from the sources and seed
    currency_rates only, apart from the staging and intermediate models that convert: a line of an
    invoice in another currency at its invoice month's rate, else the currency's rate without a
    month, rounded to the cent; EUR, an empty currency and a line whose invoice never arrived at
    1 (amount as it is). A mistake in the conversion, or a line the models lose or count twice,
    fails it; the test's name says which identity (e.g.
    revenue_of_mart_customer_profitability_equals_raw_invoice_lines). Returns one row
    (model_total, raw_total) when they differ. -#}
{% test sums_match_raw_invoice_lines(model, expression, raw_amount, tolerance=0.005) %}
with lines as (

    select
        l.{{ raw_amount }} as amount,
        case
            when i.invoice_id is null or upper(coalesce(nullif(trim(i.currency), ''), 'EUR')) = 'EUR' then 1
            else coalesce(m.eur_per_unit, d.eur_per_unit)
        end as rate
    from {{ source('erp', 'erp_sales_invoice_lines') }} as l
    left join {{ source('erp', 'erp_sales_invoices') }} as i on l.invoice_id = i.invoice_id
    left join {{ ref('currency_rates') }} as m
        on upper(m.currency) = upper(trim(i.currency))
        and m.month = cast({{ dbt.date_trunc('month', 'i.invoice_date') }} as date)
    left join {{ ref('currency_rates') }} as d
        on upper(d.currency) = upper(trim(i.currency)) and d.month is null

),

raw_total as (

    select coalesce(sum(
        case
            when rate = 1 then cast(amount as decimal(18,2))
            else cast(round(cast(amount as decimal(18,4)) * rate, 2) as decimal(18,2))
        end), 0) as total
    from lines

),

model_total as (

    select coalesce(sum({{ expression }}), 0) as total from {{ model }}

)

select m.total as model_total, r.total as raw_total
from model_total as m
cross join raw_total as r
where abs(m.total - r.total) > {{ tolerance }}
{% endtest %}
