{#- One row per product (int_product_demand_summarised): ABC class on margin contribution and
    XYZ class on demand variability over the stock window, and who buys the margin: the shares
    bought by the most attractive segments, the top-CLV customers, loss-making customers and
    customers at risk, combined into segment_weight. Definitions: docs blocks abc_product_class,
    xyz_class, product_buyer_shares and segment_weight. -#}
{%- set w_top = var('stock_weight_top_segments') | float -%}
{%- set w_clv = var('stock_weight_top_clv') | float -%}
{%- set w_loss = var('stock_weight_loss_making') | float -%}
{%- set w_risk = var('stock_weight_at_risk') | float -%}
with as_of as (

    select
        as_of_date,
        -- the profitability mart is monthly: the same months as the segment scorecard's window
        segment_window_start_month as window_start_month,
        as_of_month
    from {{ ref('int_window_bounds') }}

),

products as (

    select * from {{ ref('int_product_demand_summarised') }}

),

buyers as (

    select * from {{ ref('int_product_customers_aggregated') }}

),

customers as (

    select customer_key, segment_key, lifecycle_status
    from {{ ref('dim_customer') }}

),

top_segments as (

    select segment_key
    from {{ ref('mart_segment_attractiveness') }}
    where attractiveness_rank <= {{ var('stock_top_segments') }}

),

clv_ranked as (

    select
        customer_key,
        prob_alive,
        row_number() over (order by clv desc, customer_key) as clv_position,
        count(*) over () as clv_customers
    from {{ ref('mart_customer_clv') }}
    where clv is not null

),

window_profit as (

    select p.customer_key, sum(p.net_profit) as net_profit
    from {{ ref('mart_customer_profitability') }} as p
    cross join as_of as a
    where p.month > a.window_start_month and p.month <= a.as_of_month
    group by p.customer_key

),

flagged as (

    select
        b.product_id,
        b.customer_key,
        -- shares are of the margin the product earns on the customers it earns margin on, so
        -- every share lies in 0..100 % (a customer on whom it loses money adds nothing)
        -- a decimal, summed exactly below (a sum of doubles differs in its last digits from run to run)
        case when b.gross_margin > 0 then b.gross_margin else 0 end as positive_margin,
        t.segment_key is not null as is_top_segment,
        coalesce(r.clv_position <= greatest(1, ceiling(r.clv_customers * {{ var('stock_top_clv_pct') }} / 100.0)), false)
            as is_top_clv,
        coalesce(w.net_profit < 0, false) as is_loss_making,
        coalesce(c.lifecycle_status in ('lapsed', 'ex_customer'), false)
            or coalesce(r.prob_alive < {{ var('stock_at_risk_prob_alive') }}, false) as is_at_risk
    from buyers as b
    left join customers as c on b.customer_key = c.customer_key
    left join top_segments as t on c.segment_key = t.segment_key
    left join clv_ranked as r on b.customer_key = r.customer_key
    left join window_profit as w on b.customer_key = w.customer_key

),

shares as (

    select
        product_id,
        sum(positive_margin) as positive_margin,
        sum(case when is_top_segment then positive_margin else 0 end) as top_segment_margin,
        sum(case when is_top_clv then positive_margin else 0 end) as top_clv_margin,
        sum(case when is_loss_making then positive_margin else 0 end) as loss_making_margin,
        sum(case when is_at_risk then positive_margin else 0 end) as at_risk_margin
    from flagged
    group by product_id

),

share_pct as (

    select
        product_id,
        case when positive_margin > 0 then 100.0 * cast(top_segment_margin as double) / cast(positive_margin as double) end as top_segment_margin_pct,
        case when positive_margin > 0 then 100.0 * cast(top_clv_margin as double) / cast(positive_margin as double) end as top_clv_margin_pct,
        case when positive_margin > 0 then 100.0 * cast(loss_making_margin as double) / cast(positive_margin as double) end as loss_making_margin_pct,
        case when positive_margin > 0 then 100.0 * cast(at_risk_margin as double) / cast(positive_margin as double) end as at_risk_margin_pct
    from shares

),

-- ABC: rank by window margin; the share of margin ranked before a product decides its class,
-- so the product that crosses stock_abc_a_share is still A (macros abc_*, as the customer ABC)
abc_cumulative as (

    select
        product_id,
        {{ abc_share_before_pct('margin_window', 'product_id') }} as margin_share_before_pct
    from products
    where margin_window > 0

),

classified as (

    select
        p.*,
        a.margin_share_before_pct,
        {{ abc_class('a.margin_share_before_pct', 'stock_abc_a_share', 'stock_abc_b_share') }} as abc_class,
        case
            when p.demand_cv is null then 'Z'
            when p.demand_cv <= {{ var('stock_xyz_x_max_cv') }} then 'X'
            when p.demand_cv <= {{ var('stock_xyz_y_max_cv') }} then 'Y'
            else 'Z'
        end as xyz_class,
        s.top_segment_margin_pct,
        s.top_clv_margin_pct,
        s.loss_making_margin_pct,
        s.at_risk_margin_pct
    from products as p
    left join abc_cumulative as a on p.product_id = a.product_id
    left join share_pct as s on p.product_id = s.product_id

)

select
    product_id,
    product_name,
    product_group,
    abc_class,
    xyz_class,
    abc_class || xyz_class as abc_xyz_class,
    cast(revenue_window as decimal(18, 2)) as revenue_window,
    cast(margin_window as decimal(18, 2)) as margin_window,
    cast(margin_share_before_pct as double) as margin_share_before_pct,
    cast(demand_qty_window as decimal(18, 2)) as demand_qty_window,
    cast(periods as bigint) as periods,
    cast(periods_with_demand as bigint) as periods_with_demand,
    cast(demand_per_period as double) as demand_per_period,
    cast(demand_sd_per_period as double) as demand_sd_per_period,
    cast(demand_cv as double) as demand_cv,
    cast(customers as bigint) as customers,
    cast(invoice_lines as bigint) as invoice_lines_window,
    cast(top_segment_margin_pct as double) as top_segment_margin_pct,
    cast(top_clv_margin_pct as double) as top_clv_margin_pct,
    cast(loss_making_margin_pct as double) as loss_making_margin_pct,
    cast(at_risk_margin_pct as double) as at_risk_margin_pct,
    -- 0.5 + 0.5 x (pull of the valuable buyers - pull of the costly ones), each a weighted mean of
    -- its shares: 1 = all margin from top segments and top-CLV customers, 0 = all from loss-making
    -- customers at risk, 0.5 = neutral (docs block segment_weight)
    cast(case when top_segment_margin_pct is not null then
        0.5 + 0.5 * (
            {% if w_top + w_clv > 0 -%}
            ({{ w_top }} * top_segment_margin_pct + {{ w_clv }} * top_clv_margin_pct) / ({{ w_top + w_clv }} * 100.0)
            {%- else %}0.0{% endif %}
            - {% if w_loss + w_risk > 0 -%}
            ({{ w_loss }} * loss_making_margin_pct + {{ w_risk }} * at_risk_margin_pct) / ({{ w_loss + w_risk }} * 100.0)
            {%- else %}0.0{% endif %}
        )
    end as double) as segment_weight
from classified
