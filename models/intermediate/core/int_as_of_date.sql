{#- The date "now" means for every model: var as_of_date, else the latest business date in
    the data (so an old public log is judged at its own end), else today. -#}
with latest as (

    select max(d) as latest_date
    from (
        select max(invoice_date) as d from {{ ref('stg_erp__sales_invoices') }}
        union all
        select max(activity_date) from {{ ref('stg_crm__activities') }}
    ) as dates

)

select
    {% if var('as_of_date') %}
    cast('{{ var("as_of_date") }}' as date) as as_of_date
    {% else %}
    coalesce(latest_date, current_date) as as_of_date
    {% endif %}
from latest
