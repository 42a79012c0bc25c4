{#- Business rules of the stock subject (models/*/stock). Definitions: docs blocks in
    models/marts/stock/_stock__docs.md. -#}

{#- The standard normal quantile z for a probability p in [0.5, 1) (a service level as a
    fraction): the safety factor of the safety-stock formula. Abramowitz & Stegun 26.2.23,
    absolute error below 4.5e-4 (z(0.95) = 1.6452 against 1.6449); plain sqrt and ln, so it
    compiles on DuckDB and Spark alike. p = 0.5 gives z = 0 (no safety stock). -#}
{% macro normal_quantile(p) -%}
(case when ({{ p }}) <= 0.5 then 0.0 else
    sqrt(-2.0 * ln(1.0 - ({{ p }})))
    - (2.515517 + 0.802853 * sqrt(-2.0 * ln(1.0 - ({{ p }}))) + 0.010328 * (-2.0 * ln(1.0 - ({{ p }}))))
      / (1.0 + 1.432788 * sqrt(-2.0 * ln(1.0 - ({{ p }}))) + 0.189269 * (-2.0 * ln(1.0 - ({{ p }})))
         + 0.001308 * power(sqrt(-2.0 * ln(1.0 - ({{ p }}))), 3))
end)
{%- endmacro %}

