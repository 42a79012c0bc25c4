{#- Run output (severity warn): segments the seed market_universe has no figures for. -#}
{{ config(severity='warn', tags=['run_output']) }}

select
    'Segments: ' || cast(count(*) as {{ dbt.type_string() }})
    || ' segment(s) have no market figures in seed market_universe; their market penetration is null.' as sentence
from {{ ref('mart_segment_scorecard') }}
where market_companies is null
having count(*) > 0
