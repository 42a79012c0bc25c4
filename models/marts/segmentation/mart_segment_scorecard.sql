{#- One row per segment in dim_segment: the historical key figures of method 1, as served. The figures are computed in the intermediate model int_segment_scorecard_scored (which other models read: docs/design.md "Layers"); this mart serves it unchanged. -#}
select * from {{ ref('int_segment_scorecard_scored') }}
