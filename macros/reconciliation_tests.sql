{#- Reconciliation of a mart to the raw invoice lines (severity error, as every data test here).

    The sums of expressions over the model equal the sums of raw invoice-line amounts in EUR, to
    the cent (tolerance 0.005), and the sum of `lines_expression` equals the number of raw lines.
    `amounts` maps each model expression to the raw line column it must equal, e.g.
    {revenue: net_amount, cost_of_goods: cost_amount}. The raw side is worked out on its own, from
    the sources and seed currency_rates only, apart from the staging and intermediate models that
    convert: a line of an invoice in another currency at its invoice month's rate, else the
    currency's rate without a month, rounded to the cent; EUR, an empty currency and a line whose
    invoice never arrived at 1 (amount as it is). A mistake in the conversion, or a line the models
    lose or count twice, fails it. Returns one row per identity that does not hold: (amount,
    model_total, raw_total); the test's name says what it proves
    (revenue_cost_of_goods_and_lines_of_mart_customer_profitability_equal_raw_invoice_lines).

    The raw total is the sum of every line at 1, corrected for the lines of invoices in another
    currency: their amount at 1 taken off, their converted amount added. Only those lines are
    joined to their invoice and the rates (none in a company that invoices in euros only); the rest
    is one pass over the lines' amount columns. Joining all 18.6 M lines of the 100k benchmark to
    their invoices cost 6.9 s of every build; a pass per identity, 16 s. -#}
{% test sums_match_raw_invoice_lines(model, amounts, lines_expression=none, tolerance=0.005) %}
{%- set raw_amounts = amounts.values() | unique | list %}
with other_currency_invoices as (

    select invoice_id, currency, invoice_date
    from {{ source('erp', 'erp_sales_invoices') }}
    where upper(coalesce(nullif(trim(currency), ''), 'EUR')) <> 'EUR'

),

-- the lines of those invoices, each joined to its rates as in the conversion (a line whose
-- currency has no rate gets none and counts 0)
converted as (

    select
        {%- for raw_amount in raw_amounts %}
        l.{{ raw_amount }},
        {%- endfor %}
        coalesce(m.eur_per_unit, d.eur_per_unit) as rate
    from {{ source('erp', 'erp_sales_invoice_lines') }} as l
    inner join other_currency_invoices as i on l.invoice_id = i.invoice_id
    left join {{ ref('currency_rates') }} as m
        on upper(m.currency) = upper(trim(i.currency))
        and m.month = cast({{ dbt.date_trunc('month', 'i.invoice_date') }} as date)
    left join {{ ref('currency_rates') }} as d
        on upper(d.currency) = upper(trim(i.currency)) and d.month is null

),

converted_totals as (

    select
        {%- for raw_amount in raw_amounts %}
        coalesce(sum(
            case
                when rate = 1 then cast({{ raw_amount }} as decimal(18,2))
                else cast(round(cast({{ raw_amount }} as decimal(18,4)) * rate, 2) as decimal(18,2))
            end), 0) as {{ raw_amount }},
        {%- endfor %}
        count(*) as line_count
    from converted

),

-- every line at 1, and the part of it that belongs to invoices in another currency
at_one as (

    select
        {%- for raw_amount in raw_amounts %}
        coalesce(sum(cast(l.{{ raw_amount }} as decimal(18,2))), 0) as {{ raw_amount }},
        coalesce(sum(case when o.invoice_id is not null then cast(l.{{ raw_amount }} as decimal(18,2)) end), 0)
            as other_{{ raw_amount }},
        {%- endfor %}
        count(*) as line_count,
        count(o.invoice_id) as other_line_count
    from {{ source('erp', 'erp_sales_invoice_lines') }} as l
    -- invoice_id is the key of raw invoices: one row or none per line
    left join (select invoice_id from other_currency_invoices) as o on l.invoice_id = o.invoice_id

),

raw_totals as (

    select
        {%- for raw_amount in raw_amounts %}
        a.{{ raw_amount }} - a.other_{{ raw_amount }} + c.{{ raw_amount }} as {{ raw_amount }},
        {%- endfor %}
        a.line_count - a.other_line_count + c.line_count as line_count
    from at_one as a
    cross join converted_totals as c

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
