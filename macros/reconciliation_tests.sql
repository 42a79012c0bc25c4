{#- Reconciliation of a mart to the raw invoice lines (severity error, as every data test here).

    The sums of expressions over the model equal the sums of raw invoice-line amounts in EUR, to
    the cent (tolerance 0.005), and the sum of `lines_expression` equals the number of raw lines.
    `amounts` maps each model expression to the raw line column it must equal, e.g.
    {revenue: net_amount, cost_of_goods: cost_amount}. The raw side is worked out on its own, from
    the sources and seed currency_rates only, apart from the staging and intermediate models that
    convert: a line of an invoice in another currency at its invoice month's rate, else the
    currency's rate without a month, rounded to the cent; EUR, an empty currency and a line whose
    invoice never arrived at 1 (amount as it is). A mistake in the conversion, or a line the models
    lose or count twice, fails it. Every identity comes from ONE pass over the raw lines (a pass per
    identity read the 18.6 M lines of the 100k benchmark three times, 16 s of every build). Returns
    one row per identity that does not hold: (amount, model_total, raw_total); the test's name
    says what it proves (revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines). -#}
{% test sums_match_raw_invoice_lines(model, amounts, lines_expression=none, tolerance=0.005) %}
with lines as (

    select
        {%- for raw_amount in amounts.values() | unique %}
        l.{{ raw_amount }},
        {%- endfor %}
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

raw_totals as (

    select
        {%- for raw_amount in amounts.values() | unique %}
        coalesce(sum(
            case
                when rate = 1 then cast({{ raw_amount }} as decimal(18,2))
                else cast(round(cast({{ raw_amount }} as decimal(18,4)) * rate, 2) as decimal(18,2))
            end), 0) as {{ raw_amount }},
        {%- endfor %}
        count(*) as line_count
    from lines

),

model_totals as (

    select
        {%- for expression in amounts.keys() %}
        coalesce(sum({{ expression }}), 0) as model_{{ loop.index }},
        {%- endfor %}
        coalesce(sum({{ lines_expression if lines_expression is not none else 0 }}), 0) as model_lines
    from {{ model }}

),

compared as (

    {%- for expression, raw_amount in amounts.items() %}
    select '{{ expression }}' as amount, cast(m.model_{{ loop.index }} as decimal(38,2)) as model_total, cast(r.{{ raw_amount }} as decimal(38,2)) as raw_total
    from model_totals as m cross join raw_totals as r
    {%- if not loop.last or lines_expression is not none %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if lines_expression is not none %}
    select 'lines', cast(m.model_lines as decimal(38,2)), cast(r.line_count as decimal(38,2))
    from model_totals as m cross join raw_totals as r
    {%- endif %}

)

select amount, model_total, raw_total
from compared
where abs(model_total - raw_total) > {{ tolerance }}
{% endtest %}
