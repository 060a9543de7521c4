{#
  dbt-postgres 1.11 reports an array column's type as 'ARRAY' (information_schema's data_type), which
  is not a type PostgreSQL accepts: a unit test whose given model has an array column (stg_observations'
  tags, stg_prompts' labels) renders `cast(null as ARRAY)` for it and fails. This is dbt-postgres's own
  query with one change: an array reports its element type and [] (udt_name '_text' → 'text[]').
  dbt looks for adapter macros in the root project first, so this applies when this project is built
  on its own (where its unit tests run), not when it is installed as a package.
#}
{% macro postgres__get_columns_in_relation(relation) -%}
  {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          case when data_type = 'ARRAY' then substr(udt_name, 2) || '[]' else data_type end as data_type,
          character_maximum_length,
          numeric_precision,
          numeric_scale

      from {{ relation.information_schema('columns') }}
      where table_name = '{{ relation.identifier }}'
        {% if relation.schema %}
        and table_schema = '{{ relation.schema }}'
        {% endif %}
      order by ordinal_position

  {% endcall %}
  {% set table = load_result('get_columns_in_relation').table %}
  {{ return(sql_convert_columns_in_relation(table)) }}
{% endmacro %}
