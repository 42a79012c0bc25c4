{#- One row per week from the first purchase in the data (week 1) to the end of the CLV window (the
    holdout end, else the calibration end): BG/NBD expected against actual repeat purchases of the
    calibration customers, per week and cumulative (docs block clv_tracking). The expected curve is
    Σ over customers of E[X(age at the week's end)], read from int_clv_repeat_purchases_expected by
    age in days; everything else is plain SQL. -#}
with settings as (

    select * from {{ ref('int_clv_settings_resolved') }}

),

summary as (

    select customer_key, first_purchase_date from {{ ref('int_clv_customer_summary') }}

),

curve as (

    select age_days, expected_repeat_purchases from {{ ref('int_clv_repeat_purchases_expected') }}

),

has_curve as (

    select count(*) > 0 as fitted from curve

),

bounds as (

    select
        min(s.first_purchase_date) as data_start,
        st.calibration_end,
        coalesce(st.holdout_end, st.calibration_end) as window_end
    from summary as s
    cross join settings as st
    group by st.calibration_end, coalesce(st.holdout_end, st.calibration_end)

),

spine as (

    select {{ integers(1, 'floor(' ~ datediff('data_start', 'window_end', 'day') ~ ' / 7) + 1') }} as week
    from bounds

),

weeks as (

    select
        cast(w.week as integer) as week,
        cast({{ dateadd('day', 'cast(7 * (w.week - 1) as integer)', 'b.data_start') }} as date) as week_start,
        -- the last week may end after the window: its figures run through the window end
        cast(least({{ dateadd('day', 'cast(7 * w.week - 1 as integer)', 'b.data_start') }}, b.window_end) as date) as week_end,
        b.calibration_end
    from spine as w
    cross join bounds as b

),

cohort as (

    select first_purchase_date, count(*) as customers
    from summary
    group by first_purchase_date

),

expected as (

    select
        w.week,
        sum(c.customers) as customers,
        sum(c.customers * e.expected_repeat_purchases) as expected_cumulative
    from weeks as w
    inner join cohort as c on c.first_purchase_date <= w.week_end
    left join curve as e on e.age_days = {{ datediff('c.first_purchase_date', 'w.week_end', 'day') }}
    group by w.week

),

repeat_purchases as (

    -- repeat purchase days of the calibration customers, after their first purchase, to the window end
    select
        cast(floor({{ datediff('b.data_start', 'p.invoice_date', 'day') }} / 7) + 1 as integer) as week,
        count(*) as purchases
    from {{ ref('int_clv_purchase_days') }} as p
    inner join summary as s on p.customer_key = s.customer_key
    cross join bounds as b
    where p.invoice_date > s.first_purchase_date
      and p.invoice_date <= b.window_end
    group by cast(floor({{ datediff('b.data_start', 'p.invoice_date', 'day') }} / 7) + 1 as integer)

),

combined as (

    select
        w.week,
        w.week_start,
        w.week_end,
        w.week_end > w.calibration_end as is_holdout,
        coalesce(x.customers, 0) as customers,
        case when h.fitted then coalesce(x.expected_cumulative, 0) end as expected_cumulative,
        sum(coalesce(r.purchases, 0)) over (order by w.week rows between unbounded preceding and current row)
            as actual_cumulative,
        coalesce(r.purchases, 0) as actual_week
    from weeks as w
    cross join has_curve as h
    left join expected as x on w.week = x.week
    left join repeat_purchases as r on w.week = r.week

)

select
    cast(week as integer) as week,
    cast(week_start as date) as week_start,
    cast(week_end as date) as week_end,
    cast(is_holdout as boolean) as is_holdout,
    cast(customers as bigint) as customers,
    cast(expected_cumulative - coalesce(lag(expected_cumulative) over (order by week), 0) as double)
        as expected_repeat_purchases,
    cast(actual_week as bigint) as actual_repeat_purchases,
    cast(expected_cumulative as double) as expected_cumulative_repeat_purchases,
    cast(actual_cumulative as bigint) as actual_cumulative_repeat_purchases
from combined
