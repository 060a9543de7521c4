{#
  Columns a raw table may lack. dlt creates a column only once some row has a value, so an optional
  field (bookmarked, prices, queue_id, ...) can be absent from a warehouse that never saw it. Every
  staging model selects its raw table through `select_raw_columns`, which lists the columns the sync's
  contract defines and fills those the table lacks with typed nulls. Types are portable names
  (string, bigint, float, boolean, timestamp, json) mapped per engine by `raw_type`.
#}

{% macro select_raw_columns(table_name, columns) -%}
    {%- set relation = source('langfuse', table_name) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif %}
    select
    {%- for name, kind in columns.items() %}
        cast({{ adapter.quote(name) if name in present else 'null' }} as {{ langfuse_warehouse.raw_type(kind) }}) as {{ adapter.quote(name) }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ relation }}
{%- endmacro %}


{% macro raw_type(kind) -%}
    {{ return(adapter.dispatch('raw_type', 'langfuse_warehouse')(kind)) }}
{%- endmacro %}

{% macro default__raw_type(kind) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'bigint': dbt.type_bigint(),
        'float': langfuse_warehouse.type_double(),
        'boolean': dbt.type_boolean(),
        'timestamp': langfuse_warehouse.type_timestamptz(),
        'json': langfuse_warehouse.type_json(),
    } -%}
    {%- if kind not in types -%}
        {{ exceptions.raise_compiler_error("raw_type: unknown kind " ~ kind ~ "; use one of " ~ (types.keys() | join(', '))) }}
    {%- endif -%}
    {{ types[kind] }}
{%- endmacro %}


{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'langfuse_warehouse')()) }}
{%- endmacro %}
{% macro default__type_double() %}double precision{% endmacro %}
{% macro duckdb__type_double() %}double{% endmacro %}

{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz', 'langfuse_warehouse')()) }}
{%- endmacro %}
{% macro default__type_timestamptz() %}{{ dbt.type_timestamp() }}{% endmacro %}
{% macro duckdb__type_timestamptz() %}timestamptz{% endmacro %}
{% macro postgres__type_timestamptz() %}timestamptz{% endmacro %}

{# dlt writes JSON columns as JSON on DuckDB and as jsonb on PostgreSQL. #}
{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'langfuse_warehouse')()) }}
{%- endmacro %}
{% macro default__type_json() %}{{ dbt.type_string() }}{% endmacro %}
{% macro duckdb__type_json() %}json{% endmacro %}
{% macro postgres__type_json() %}jsonb{% endmacro %}
