{#- One row per company known to the ERP or the CRM (see int_customer_identity). ERP master data
    wins over CRM data where both describe a company. Lifecycle status and purchase rhythm come from
    int_customer_rhythm (docs block lifecycle_status); a company without a purchase is a prospect. -#}
with identity as (

    select * from {{ ref('int_customer_identity') }}

),

keys as (

    select
        customer_key,
        min(case when source_system = 'erp' then source_id end) as erp_customer_id,
        min(case when source_system = 'crm' then source_id end) as crm_account_id,
        count(case when source_system = 'crm' then 1 end) as crm_accounts
    from identity
    group by customer_key

    -- the 'unknown' member carries invoice lines whose invoice never arrived
    union all
    select 'unknown', null, null, 0
    where exists (select 1 from {{ ref('int_invoices_totalled') }} where is_orphan)

),

erp as (

    select * from {{ ref('stg_erp__customers') }}

),

crm as (

    select * from {{ ref('stg_crm__accounts') }}

),

orders as (

    select * from {{ ref('int_customer_orders') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

rhythm as (

    select * from {{ ref('int_customer_rhythm') }}

),

data_start as (

    -- the data's first month: the month of the earliest invoice
    select min({{ month_of('first_invoice_date') }}) as first_data_month from orders

),

joined as (

    select
        k.customer_key,
        k.erp_customer_id,
        k.crm_account_id,
        k.crm_accounts,
        coalesce(e.coc_number, c.coc_number) as coc_number,
        coalesce(e.customer_name, c.account_name,
                 case when k.customer_key = 'unknown' then '(unknown customer: orphan invoice lines)' end,
                 k.customer_key) as company_name,
        coalesce(nullif(trim(e.industry_code), ''), nullif(trim(c.industry_code), '')) as industry_code,
        coalesce(e.employee_count, c.employee_count) as employee_count,
        upper(coalesce(nullif(trim(e.country), ''), nullif(trim(c.country), ''))) as country,
        coalesce(e.postcode, c.postcode) as postcode,
        e.account_manager,
        c.owner as crm_owner,
        c.lead_source,
        least(e.created_date, c.created_date) as created_date,
        coalesce(e.is_blocked, false) as is_blocked,
        coalesce(e.is_deleted, false) as is_archived_in_erp,
        e.payment_terms_days,
        o.first_invoice_date,
        o.last_invoice_date,
        coalesce(o.invoices, 0) as invoices,
        r.purchase_days,
        r.purchase_interval_days,
        r.rhythm_interval_days,
        r.days_silent,
        r.lapsed_after_days,
        r.ex_customer_after_days,
        r.lifecycle_status as rhythm_status,
        d.first_data_month,
        a.as_of_date
    from keys as k
    left join erp as e on k.erp_customer_id = e.customer_id
    left join crm as c on k.crm_account_id = c.account_id
    left join orders as o on k.customer_key = o.customer_key
    left join rhythm as r on k.customer_key = r.customer_key
    cross join as_of as a
    cross join data_start as d

),

with_status as (

    select
        *,
        coalesce(rhythm_status, 'prospect') as lifecycle_status
    from joined

)

select
    customer_key,
    erp_customer_id,
    crm_account_id,
    coc_number,
    company_name,
    lifecycle_status,
    {{ is_customer('lifecycle_status') }} as is_customer,
    {{ segment_key('industry_code', size_class('employee_count'), 'country') }} as segment_key,
    industry_code,
    {{ size_class('employee_count') }} as size_class,
    country,
    employee_count,
    postcode,
    account_manager,
    crm_owner,
    lead_source,
    created_date,
    first_invoice_date,
    last_invoice_date,
    invoices,
    case when last_invoice_date is null then null
         else {{ datediff('last_invoice_date', 'as_of_date', 'day') }} end as days_since_last_invoice,
    coalesce(purchase_days, 0) as purchase_days,
    purchase_interval_days,
    rhythm_interval_days,
    days_silent,
    lapsed_after_days,
    ex_customer_after_days,
    coalesce(first_invoice_date is not null
             and (created_date < first_data_month
                  or {{ month_of('first_invoice_date') }}
                     < {{ dateadd('month', var('clv_left_censored_months'), 'first_data_month') }}),
             false) as existed_before_data,
    is_blocked,
    is_archived_in_erp,
    payment_terms_days,
    crm_accounts,
    as_of_date
from with_status
