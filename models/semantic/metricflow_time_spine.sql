{#- One row per day from 1990-01-01 up to (not including) 2060-01-01: the daily time spine
    MetricFlow joins metrics to (declared with the dbt 1.9+ `time_spine` config). The range is
    wide on purpose: public logs such as CDNOW are from 1997, plans run decades ahead. -#}
{{ config(materialized='table', schema='semantic') }}

select {{ days("'1990-01-01'", "'2059-12-31'") }} as date_day
