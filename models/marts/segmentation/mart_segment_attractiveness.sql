{#- One row per segment in dim_segment: the attractiveness ranking, as served. The figures are computed in the intermediate model int_segment_attractiveness_ranked (which other models read: docs/design.md "Layers"); this mart serves it unchanged. -#}
select * from {{ ref('int_segment_attractiveness_ranked') }}
