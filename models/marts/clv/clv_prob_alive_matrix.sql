{#- One row per frequency (repeat purchases, 0 .. var clv_diagnostics_max_frequency) and recency
    (whole weeks from the first to the last purchase, 0 .. the oldest customer's age) that a
    customer can have: the BG/NBD P(alive) at the calibration end of a customer as old as the
    oldest (the matrix lifetimes draws), and how many calibration customers sit in the cell with
    their own average P(alive). A customer without repeat purchases has recency 0 only. No rows
    when the BG/NBD model is not fitted. -#}
{%- set cap = var('clv_alive_matrix_max_frequency') | int %}
with params as (

    select
        max(case when parameter = 'r' then value end) as r,
        max(case when parameter = 'alpha' then value end) as alpha,
        max(case when parameter = 'a' then value end) as a,
        max(case when parameter = 'b' then value end) as b
    from {{ ref('int_clv_parameters_fitted') }}
    where model = 'bg_nbd' and fitted

),

customers as (

    select frequency, recency_weeks, age_weeks, prob_alive
    from {{ ref('mart_customer_clv') }}

),

oldest as (

    select max(age_weeks) as age_weeks from customers

),

frequencies as (

    select {{ integers(0, cap) }} as frequency

),

recencies as (

    select {{ integers(0, 'floor(age_weeks)') }} as recency_weeks
    from oldest
    where age_weeks is not null

),

grid as (

    select f.frequency, r.recency_weeks, o.age_weeks
    from frequencies as f
    cross join recencies as r
    cross join oldest as o
    where f.frequency > 0 or r.recency_weeks = 0

),

cells as (

    select
        frequency,
        floor(recency_weeks) as recency_weeks,
        count(*) as customers,
        -- averaged as a decimal: a sum of doubles differs in its last digits with the order of
        -- addition, so the same data gave another matrix from run to run
        avg(cast(prob_alive as decimal(38, 18))) as avg_prob_alive
    from customers
    where frequency <= {{ cap }}
    group by frequency, floor(recency_weeks)

)

select
    cast(g.frequency as integer) as frequency,
    cast(g.recency_weeks as integer) as recency_weeks,
    cast(g.age_weeks as double) as age_weeks,
    -- P(alive) = 1 / (1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)), in logs against overflow
    cast(1.0 / (1.0 + case when g.frequency > 0 then exp(least(700.0,
        ln(p.a / (p.b + g.frequency - 1))
        + (p.r + g.frequency) * (ln(p.alpha + g.age_weeks) - ln(p.alpha + g.recency_weeks))))
        else 0.0 end) as double) as prob_alive,
    cast(coalesce(c.customers, 0) as bigint) as customers,
    cast(c.avg_prob_alive as double) as avg_prob_alive
from grid as g
inner join params as p on p.r is not null
left join cells as c on g.frequency = c.frequency and g.recency_weeks = c.recency_weeks
