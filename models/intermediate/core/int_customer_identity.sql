{#- Maps every source record that names a company to one customer_key.
    ERP customers (and customer ids that only appear on invoices) are `erp:<id>`. A CRM account
    joins its ERP customer by erp_customer_id, else by a chamber-of-commerce number that exactly
    one ERP customer has; any other account is `crm:<account_id>`. -#}
with erp_customers as (

    select customer_id, {{ clean_coc('coc_number') }} as coc
    from {{ ref('stg_erp__customers') }}

),

invoice_only_customers as (

    select distinct i.customer_id
    from {{ ref('stg_erp__sales_invoices') }} as i
    left join erp_customers as c on i.customer_id = c.customer_id
    where c.customer_id is null and i.customer_id is not null

),

coc_unique as (

    select coc, min(customer_id) as customer_id
    from erp_customers
    where coc is not null
    group by coc
    having count(*) = 1

),

crm as (

    select
        a.account_id,
        case
            when a.erp_customer_id is not null then 'erp:' || a.erp_customer_id
            when cu.customer_id is not null then 'erp:' || cu.customer_id
            else 'crm:' || a.account_id
        end as customer_key,
        case
            when a.erp_customer_id is not null then 'erp_customer_id'
            when cu.customer_id is not null then 'coc_number'
            else 'none'
        end as matched_on
    from {{ ref('stg_crm__accounts') }} as a
    left join coc_unique as cu on {{ clean_coc('a.coc_number') }} = cu.coc

)

select 'erp' as source_system, customer_id as source_id, 'erp:' || customer_id as customer_key, 'self' as matched_on
from erp_customers
union all
select 'erp', customer_id, 'erp:' || customer_id, 'invoice_only'
from invoice_only_customers
union all
select 'crm', account_id, customer_key, matched_on
from crm
