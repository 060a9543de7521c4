{#
  What differs between engines, one small dispatched macro each. duckdb__ and postgres__ are the
  engines tested here; default__ is the ANSI-ish form most warehouses accept, where one is obvious.
#}

{# A JSON object's field as text. #}
{% macro json_text(json_expr, key) -%}
    {{ return(adapter.dispatch('json_text', 'langfuse_warehouse')(json_expr, key)) }}
{%- endmacro %}
{% macro default__json_text(json_expr, key) %}json_extract_scalar({{ json_expr }}, '$.{{ key }}'){% endmacro %}
{% macro duckdb__json_text(json_expr, key) %}({{ json_expr }} ->> '{{ key }}'){% endmacro %}
{% macro postgres__json_text(json_expr, key) %}({{ json_expr }} ->> '{{ key }}'){% endmacro %}

{# A JSON array of strings as the engine's array of text. #}
{% macro json_string_array(json_expr) -%}
    {{ return(adapter.dispatch('json_string_array', 'langfuse_warehouse')(json_expr)) }}
{%- endmacro %}
{% macro duckdb__json_string_array(json_expr) %}cast(cast({{ json_expr }} as json) as varchar[]){% endmacro %}
{% macro postgres__json_string_array(json_expr) -%}
    case when jsonb_typeof({{ json_expr }}) = 'array'
        then array(select jsonb_array_elements_text({{ json_expr }})) end
{%- endmacro %}

{# Text (or JSON text) to a number, null when it is not one, instead of failing the whole model. #}
{% macro safe_number(expr, type) -%}
    {{ return(adapter.dispatch('safe_number', 'langfuse_warehouse')(expr, type)) }}
{%- endmacro %}
{% macro default__safe_number(expr, type) %}{{ dbt.safe_cast(expr, type) }}{% endmacro %}
{% macro duckdb__safe_number(expr, type) %}try_cast({{ expr }} as {{ type }}){% endmacro %}
{% macro postgres__safe_number(expr, type) -%}
    case when ({{ expr }}) ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
        then cast(cast({{ expr }} as double precision) as {{ type }}) end
{%- endmacro %}

{# A JSON object's numeric field (kind 'bigint' or 'float'), null when absent or not a number. #}
{% macro json_number(json_expr, key, kind) -%}
    {{ langfuse_warehouse.safe_number(langfuse_warehouse.json_text(json_expr, key), langfuse_warehouse.raw_type(kind)) }}
{%- endmacro %}

{# Seconds from `start` to `end` (timestamps), as a double. #}
{% macro seconds_between(start, end) -%}
    {{ return(adapter.dispatch('seconds_between', 'langfuse_warehouse')(start, end)) }}
{%- endmacro %}
{% macro default__seconds_between(start, end) %}cast(extract(epoch from ({{ end }}) - ({{ start }})) as {{ langfuse_warehouse.type_double() }}){% endmacro %}
{% macro duckdb__seconds_between(start, end) %}epoch(({{ end }}) - ({{ start }})){% endmacro %}

{# The UTC calendar day of a timestamp with time zone. #}
{% macro utc_date(ts) -%}
    {{ return(adapter.dispatch('utc_date', 'langfuse_warehouse')(ts)) }}
{%- endmacro %}
{% macro default__utc_date(ts) %}cast(({{ ts }}) at time zone 'UTC' as date){% endmacro %}

{# Continuous percentile (linear interpolation, like numpy's default). #}
{% macro percentile(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'langfuse_warehouse')(expr, fraction)) }}
{%- endmacro %}
{% macro default__percentile(expr, fraction) %}percentile_cont({{ fraction }}) within group (order by {{ expr }}){% endmacro %}
{% macro duckdb__percentile(expr, fraction) %}quantile_cont({{ expr }}, {{ fraction }}){% endmacro %}

{# Rows where `condition` holds. #}
{% macro count_where(condition) -%}
    {{ return(adapter.dispatch('count_where', 'langfuse_warehouse')(condition)) }}
{%- endmacro %}
{% macro default__count_where(condition) %}sum(case when {{ condition }} then 1 else 0 end){% endmacro %}
{% macro duckdb__count_where(condition) %}count(*) filter (where {{ condition }}){% endmacro %}
{% macro postgres__count_where(condition) %}count(*) filter (where {{ condition }}){% endmacro %}

{# One value of `expr` among the rows where `condition` holds (the smallest, so every engine agrees). #}
{% macro any_value_where(expr, condition) -%}
    {{ return(adapter.dispatch('any_value_where', 'langfuse_warehouse')(expr, condition)) }}
{%- endmacro %}
{% macro default__any_value_where(expr, condition) %}min(case when {{ condition }} then {{ expr }} end){% endmacro %}
{% macro duckdb__any_value_where(expr, condition) %}min({{ expr }}) filter (where {{ condition }}){% endmacro %}
{% macro postgres__any_value_where(expr, condition) %}min({{ expr }}) filter (where {{ condition }}){% endmacro %}

{# One value of `expr` in the group: used where every row holds the same value. #}
{% macro any_value(expr) -%}
    {{ return(adapter.dispatch('any_value', 'langfuse_warehouse')(expr)) }}
{%- endmacro %}
{% macro default__any_value(expr) %}min({{ expr }}){% endmacro %}
{% macro duckdb__any_value(expr) %}any_value({{ expr }}){% endmacro %}

{# The value of `expr` on the row with the smallest `order_by`, among the rows where `condition` holds. #}
{% macro arg_min_where(expr, order_by, condition) -%}
    {{ return(adapter.dispatch('arg_min_where', 'langfuse_warehouse')(expr, order_by, condition)) }}
{%- endmacro %}
{% macro duckdb__arg_min_where(expr, order_by, condition) %}arg_min({{ expr }}, {{ order_by }}) filter (where {{ condition }}){% endmacro %}
{% macro postgres__arg_min_where(expr, order_by, condition) %}(array_agg({{ expr }} order by {{ order_by }}) filter (where {{ condition }}))[1]{% endmacro %}

{# The most frequent value, ties broken by the smallest value. #}
{% macro mode_of(expr) -%}
    {{ return(adapter.dispatch('mode_of', 'langfuse_warehouse')(expr)) }}
{%- endmacro %}
{% macro duckdb__mode_of(expr) %}mode({{ expr }} order by {{ expr }}){% endmacro %}
{% macro postgres__mode_of(expr) %}mode() within group (order by {{ expr }}){% endmacro %}

{# A map (DuckDB MAP, PostgreSQL jsonb object) from `key` to `value`, over the rows where value is set. #}
{% macro map_agg_where_not_null(key, value) -%}
    {{ return(adapter.dispatch('map_agg_where_not_null', 'langfuse_warehouse')(key, value)) }}
{%- endmacro %}
{% macro duckdb__map_agg_where_not_null(key, value) -%}
    map_from_entries(list(({{ key }}, {{ value }}) order by {{ key }}) filter (where {{ value }} is not null))
{%- endmacro %}
{% macro postgres__map_agg_where_not_null(key, value) -%}
    jsonb_object_agg({{ key }}, {{ value }}) filter (where {{ value }} is not null)
{%- endmacro %}

{# Division that is never integer division and is null (not an error) for a zero divisor. #}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ langfuse_warehouse.type_double() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
