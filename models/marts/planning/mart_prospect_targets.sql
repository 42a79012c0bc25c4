{#- One row per target rank: the companies sales should work to close the revenue gap of the
    planning period, most promising first (order: see int_prospect_candidates_ranked), cut at
    addresses_needed (int_planning_addresses_computed). When addresses_needed cannot be
    computed (no target, no won new-business orders) the whole ranked candidate list is
    given uncut; mart_prospect_targets_summary says why. expected_value is what working the
    company is expected to bring (its segment's new-business value per address), and
    cumulative_expected_value the running total down the list: the list ends where it first
    reaches the gap (docs block planning_addresses_needed). -#}
with candidates as (

    select * from {{ ref('int_prospect_candidates_ranked') }}

),

needed as (

    select addresses_needed from {{ ref('int_planning_addresses_computed') }}

)

select
    cast(c.candidate_rank as bigint) as target_rank,
    cast(c.customer_key as string) as customer_key,
    cast(c.company_name as string) as company_name,
    cast(c.lifecycle_status as string) as lifecycle_status,
    cast(c.segment_key as string) as segment_key,
    cast(c.attractiveness_rank as bigint) as attractiveness_rank,
    cast(c.lifetime_revenue as decimal(18, 2)) as lifetime_revenue,
    cast(c.employee_count as bigint) as employee_count,
    cast(c.expected_value as decimal(18, 2)) as expected_value,
    cast(c.cumulative_expected_value as decimal(18, 2)) as cumulative_expected_value,
    cast(
        case c.lifecycle_status when 'ex_customer' then 'ex-customer' when 'lapsed' then 'lapsed customer' else 'prospect' end
        || ' in segment ' || c.segment_key
        || case when c.attractiveness_rank is null then ' (segment not ranked)'
                else ' ranked ' || cast(c.attractiveness_rank as string) end
        || '; '
        -- thousands separator and year-month per engine (macros/cross_db); the reason is text for people
        || case when c.last_invoice_month is not null
                then 'bought ' || {{ thousands_text('cast(round(c.lifetime_revenue, 0) as bigint)') }} || ' EUR until '
                     || {{ year_month_text('c.last_invoice_month') }}
                when c.employee_count is not null
                then 'no purchases yet; ' || cast(c.employee_count as string) || ' employees'
                else 'no purchases yet' end
    as string) as reason
from candidates as c
cross join needed as n
where n.addresses_needed is null or c.candidate_rank <= n.addresses_needed
