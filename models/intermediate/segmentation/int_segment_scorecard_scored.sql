{#- One row per segment in dim_segment: the historical key figures of method 1 (methodology §2):
    market penetration, margin, cost of sales and sales effort against the company average, the
    opportunity hit rate and who wins the lost deals, combined into historical_score and
    historical_rank. Figures cover the recent window (var segment_window_days up to the as-of date).
    Definitions: docs block `segment_scorecard`. -#}
{#- (name, column, higher is better, scored by): method 1's four figures by their distance from the
    company average (their index, 100 = average; macro distance_score), the others by percent rank
    among the segments with customers. -#}
{%- set metrics = [
    ('margin', 'margin_index', true, 'distance'),
    ('cost_of_sales', 'cost_of_sales_index', false, 'distance'),
    ('sales_effort', 'sales_effort_index', false, 'distance'),
    ('market_penetration', 'market_penetration_index', true, 'distance'),
    ('hit_rate', 'hit_rate_pct', true, 'rank'),
    ('growth', 'revenue_growth_pct', true, 'rank'),
    ('miss', 'lost_to_competitor_value_pct', false, 'rank'),
    ('whitespace', 'whitespace_room_pct', true, 'rank'),
] %}
with as_of as (

    -- the customer P&L is monthly: the window is the months after the window start's month
    select as_of_date, segment_window_start_month as window_start_month, as_of_month
    from {{ ref('int_window_bounds') }}

),

customers as (

    select customer_key, segment_key
    from {{ ref('dim_customer') }}

),

-- companies by lifecycle status and the addressable market, counted once for every subject
-- (int_market_penetration_counted: customers are dim_customer.is_customer; the 'unknown' member,
-- orphan invoice lines, is no company and is not counted)
counts as (

    select
        segment_key,
        sum(customers) as customers,
        sum(active_customers) as active_customers,
        sum(ex_customers) as ex_customers,
        sum(prospects) as prospects,
        sum(market_companies) as market_companies
    from {{ ref('int_market_penetration_counted') }}
    group by segment_key

),

sales as (

    select
        c.segment_key,
        sum(s.revenue_window) as revenue,
        sum(s.cost_of_goods_window) as cost_of_goods,
        sum(s.revenue_prior_window) as revenue_prior_window
    from {{ ref('int_customer_sales_aggregated') }} as s
    inner join customers as c on s.customer_key = c.customer_key
    group by c.segment_key

),

-- cost of sales (macro cost_of_sales_expr: commission + sales effort + marketing) on the segment's
-- customers, from the month of their first invoice on; all cost on accounts before their first
-- invoice is acquisition spend, apart (macro acquisition_spend_expr, as in mart_segment_clv)
cost_of_sales as (

    select
        c.segment_key,
        sum(p.revenue) as revenue,
        sum(case when not {{ is_acquisition_month('p.month', 'o.first_invoice_date') }}
                 then {{ cost_of_sales_expr('p') }} else 0 end) as cost_of_sales,
        sum(case when {{ is_acquisition_month('p.month', 'o.first_invoice_date') }}
                 then {{ acquisition_spend_expr('p') }} else 0 end) as acquisition_spend,
        sum(p.net_profit) as net_profit
    from {{ ref('fct_customer_pnl_monthly') }} as p
    inner join customers as c on p.customer_key = c.customer_key
    left join {{ ref('int_customer_orders') }} as o on p.customer_key = o.customer_key
    cross join as_of as a
    where p.month > a.window_start_month and p.month <= a.as_of_month
    group by c.segment_key

),

crm as (

    select * from {{ ref('int_segment_crm_aggregated') }}

),

-- up- and cross-sell room: the white space of the segment's customers against what they spend
whitespace as (

    select
        segment_key,
        sum(cross_sell_value + up_sell_value) as whitespace_value,
        sum(spend) as whitespace_spend
    from {{ ref('int_customer_whitespace_valued') }}
    group by segment_key

),

joined as (

    select
        d.segment_key,
        coalesce(n.customers, 0) as customers,
        coalesce(n.active_customers, 0) as active_customers,
        coalesce(n.ex_customers, 0) as ex_customers,
        coalesce(n.prospects, 0) as prospects,
        n.market_companies,
        coalesce(s.revenue, 0) as revenue,
        coalesce(s.cost_of_goods, 0) as cost_of_goods,
        coalesce(s.revenue_prior_window, 0) as revenue_prior_window,
        cs.revenue as cost_of_sales_revenue,
        cs.cost_of_sales,
        cs.acquisition_spend,
        cs.net_profit,
        coalesce(r.activity_minutes, 0) as activity_minutes,
        coalesce(r.acquisition_minutes, 0) as acquisition_minutes,
        coalesce(r.opportunities, 0) as opportunities,
        coalesce(r.won, 0) as won,
        coalesce(r.lost, 0) as lost,
        coalesce(r.lost_to_competitor, 0) as lost_to_competitor,
        coalesce(r.won_value, 0) as won_value,
        coalesce(r.lost_value, 0) as lost_value,
        coalesce(r.lost_to_competitor_value, 0) as lost_to_competitor_value,
        w.whitespace_value,
        w.whitespace_spend,
        r.top_competitor,
        -- is there any CRM activity in the data at all? (an ERP-only landing set has none)
        (select count(*) from crm) > 0 as has_crm
    from {{ ref('dim_segment') }} as d
    left join counts as n on d.segment_key = n.segment_key
    left join sales as s on d.segment_key = s.segment_key
    left join cost_of_sales as cs on d.segment_key = cs.segment_key
    left join crm as r on d.segment_key = r.segment_key
    left join whitespace as w on d.segment_key = w.segment_key

),

company as (

    select
        100.0 * (sum(revenue) - sum(cost_of_goods)) / nullif(sum(revenue), 0) as gross_margin_pct,
        100.0 * sum(cost_of_sales) / nullif(sum(cost_of_sales_revenue), 0) as cost_of_sales_pct,
        100.0 * sum(net_profit) / nullif(sum(cost_of_sales_revenue), 0) as net_margin_pct,
        1.0 * sum(activity_minutes) / nullif(sum(customers), 0) as sales_effort_minutes_per_customer,
        100.0 * sum(case when market_companies > 0 then customers end)
            / nullif(sum(case when market_companies > 0 then market_companies end), 0) as market_penetration_pct
    from joined

),

metrics as (

    select
        j.*,
        j.customers > 0 as has_customers,
        100.0 * j.customers / nullif(j.market_companies, 0) as market_penetration_pct,
        case when j.revenue > 0 then 100.0 * (j.revenue - j.cost_of_goods) / j.revenue end as gross_margin_pct,
        case when j.cost_of_sales_revenue > 0
             then 100.0 * j.cost_of_sales / j.cost_of_sales_revenue end as cost_of_sales_pct,
        case when j.cost_of_sales_revenue > 0
             then 100.0 * j.net_profit / j.cost_of_sales_revenue end as net_margin_pct,
        case when j.has_crm and j.customers > 0
             then 1.0 * j.activity_minutes / j.customers end as sales_effort_minutes_per_customer,
        100.0 * j.won / nullif(j.won + j.lost, 0) as hit_rate_pct,
        100.0 * j.lost_to_competitor / nullif(j.lost, 0) as lost_to_competitor_pct,
        -- miss analysis: the share of the value of closed deals that went to a competitor
        case when j.won_value + j.lost_value > 0
             then 100.0 * j.lost_to_competitor_value / (j.won_value + j.lost_value) end as lost_to_competitor_value_pct,
        case when j.whitespace_spend > 0 then 100.0 * j.whitespace_value / j.whitespace_spend end as whitespace_room_pct,
        case when j.revenue_prior_window > 0
             then 100.0 * (j.revenue - j.revenue_prior_window) / j.revenue_prior_window end as revenue_growth_pct,
        c.gross_margin_pct as company_gross_margin_pct,
        c.cost_of_sales_pct as company_cost_of_sales_pct,
        c.net_margin_pct as company_net_margin_pct,
        c.sales_effort_minutes_per_customer as company_sales_effort_minutes_per_customer,
        c.market_penetration_pct as company_market_penetration_pct
    from joined as j
    cross join company as c

),

indexed as (

    select
        *,
        -- method 1's figures as an index of the company average (100 = average)
        100.0 * gross_margin_pct / nullif(company_gross_margin_pct, 0) as margin_index,
        100.0 * cost_of_sales_pct / nullif(company_cost_of_sales_pct, 0) as cost_of_sales_index,
        100.0 * sales_effort_minutes_per_customer / nullif(company_sales_effort_minutes_per_customer, 0)
            as sales_effort_index,
        100.0 * market_penetration_pct / nullif(company_market_penetration_pct, 0) as market_penetration_index
    from metrics

),

-- each key figure becomes a 0-100 score by its percent rank among the segments with customers
-- (turned round where low is good); a segment lacking a figure scores the neutral 50, and a
-- figure no segment has (no CRM, no profitability) drops out of the weights
scores as (

    select
        *,
        {%- for name, column, higher_is_better, method in metrics %}
        {%- if method == 'distance' %}
        case when has_customers then coalesce({{ distance_score(column, higher_is_better) }}, 50) end
        {%- else %}
        case when has_customers then coalesce({{ rank_score(percent_rank_of(column, 'has_customers'), higher_is_better) }}, 50) end
        {%- endif %}
            as {{ name }}_score,
        case when count(case when has_customers then {{ column }} end) over () > 0
             then {{ var('scorecard_weight_' ~ name) }} else 0 end as {{ name }}_weight{{ ',' if not loop.last }}
        {%- endfor %}
    from indexed

),

combined as (

    select
        *,
        case when has_customers then
            ({% for name, column, h, m in metrics %}{{ name }}_weight * {{ name }}_score{{ ' + ' if not loop.last }}{% endfor %})
            / nullif({% for name, column, h, m in metrics %}{{ name }}_weight{{ ' + ' if not loop.last }}{% endfor %}, 0)
        end as raw_score
    from scores

),

-- a score from few customers is pulled toward the neutral 50 (credibility weighting):
-- customers / (customers + var scorecard_credibility_customers) of the distance is kept
credible as (

    select
        *,
        50 + (raw_score - 50) * customers / (customers + {{ var('scorecard_credibility_customers') }}) as historical_score
    from combined

)

select
    segment_key,
    cast(customers as bigint) as customers,
    cast(active_customers as bigint) as active_customers,
    cast(ex_customers as bigint) as ex_customers,
    cast(prospects as bigint) as prospects,
    cast(market_companies as bigint) as market_companies,
    cast(market_penetration_pct as double) as market_penetration_pct,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(cost_of_goods as decimal(18, 2)) as cost_of_goods,
    cast(revenue - cost_of_goods as decimal(18, 2)) as gross_margin,
    cast(revenue_prior_window as decimal(18, 2)) as revenue_prior_window,
    cast(revenue_growth_pct as double) as revenue_growth_pct,
    cast(gross_margin_pct as double) as gross_margin_pct,
    cast(100.0 * gross_margin_pct / nullif(company_gross_margin_pct, 0) as double) as margin_vs_avg,
    cast(net_profit as decimal(18, 2)) as net_profit,
    cast(net_margin_pct as double) as net_margin_pct,
    cast(net_margin_pct - company_net_margin_pct as double) as net_margin_vs_avg_pts,
    cast(cost_of_sales as decimal(18, 2)) as cost_of_sales,
    cast(cost_of_sales_pct as double) as cost_of_sales_pct,
    cast(acquisition_spend as decimal(18, 2)) as acquisition_spend,
    cast(acquisition_minutes as bigint) as acquisition_minutes,
    cast(100.0 * cost_of_sales_pct / nullif(company_cost_of_sales_pct, 0) as double) as cost_of_sales_vs_avg,
    cast(activity_minutes as bigint) as sales_effort_minutes,
    cast(sales_effort_minutes_per_customer as double) as sales_effort_minutes_per_customer,
    cast(100.0 * sales_effort_minutes_per_customer / nullif(company_sales_effort_minutes_per_customer, 0) as double)
        as sales_effort_vs_avg,
    cast(opportunities as bigint) as opportunities,
    cast(won as bigint) as won,
    cast(lost as bigint) as lost,
    cast(hit_rate_pct as double) as hit_rate_pct,
    cast(lost_to_competitor_pct as double) as lost_to_competitor_pct,
    cast(lost_value as decimal(18, 2)) as lost_value,
    cast(lost_to_competitor_value as decimal(18, 2)) as lost_to_competitor_value,
    cast(lost_to_competitor_value_pct as double) as lost_to_competitor_value_pct,
    top_competitor,
    cast(whitespace_value as decimal(18, 2)) as whitespace_value,
    cast(whitespace_room_pct as double) as whitespace_room_pct,
    cast(market_penetration_index as double) as market_penetration_vs_avg,
    {%- for name, column, h, m in metrics %}
    cast({{ name }}_score as double) as {{ name }}_score,
    {%- endfor %}
    cast(historical_score as double) as historical_score,
    cast(row_number() over (
        order by case when has_customers then 0 else 1 end, historical_score desc nulls last,
                 revenue desc, prospects desc, segment_key
    ) as bigint) as historical_rank,
    cast(raw_score as double) as historical_score_raw,
    has_customers
from credible
