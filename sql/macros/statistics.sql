{#
  Student's t critical value for a two-sided 95 % interval with `df` degrees of freedom. Exact to three
  decimals for df 1-30, 40, 60 and 120; between those, the value of the next smaller tabulated df (a
  slightly wider, conservative interval); 1.960 beyond 120. Plain SQL, the same on every engine.
#}
{% macro t_critical_95(df) -%}
    {%- set table = [
        (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306),
        (9, 2.262), (10, 2.228), (11, 2.201), (12, 2.179), (13, 2.160), (14, 2.145), (15, 2.131),
        (16, 2.120), (17, 2.110), (18, 2.101), (19, 2.093), (20, 2.086), (21, 2.080), (22, 2.074),
        (23, 2.069), (24, 2.064), (25, 2.060), (26, 2.056), (27, 2.052), (28, 2.048), (29, 2.045),
        (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980)
    ] -%}
    case
        when {{ df }} > 120 then 1.960
    {%- for limit, value in table | reverse %}
        when {{ df }} >= {{ limit }} then {{ value }}
    {%- endfor %}
    end
{%- endmacro %}
