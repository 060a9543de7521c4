{#
  What `langfuse-warehouse marts` reads back from a dbt run (logged at debug level as
  `langfuse_warehouse.<key>=<json>`; transforms/dbt.py collects them). Both do nothing unless the
  var `langfuse_warehouse_report` is true, so a team's own dbt project that installs this package
  pays nothing for them.
#}

{# The raw tables (sources) of this package that exist in the warehouse: models reading a missing one are skipped. #}
{% macro log_existing_raw_tables() %}
    {%- set present = [] -%}
    {%- for source in graph.sources.values() if source.package_name == 'langfuse_warehouse' -%}
        {%- set relation = adapter.get_relation(database=source.database, schema=source.schema, identifier=source.identifier) -%}
        {%- if relation is not none -%}{%- do present.append(source.name) -%}{%- endif -%}
    {%- endfor -%}
    {%- do log('langfuse_warehouse.existing_raw_tables=' ~ tojson(present | sort), info=false) -%}
{% endmacro %}

{# Row counts of the models this run built, in one query. #}
{% macro log_built_rows(results) %}
    {%- if execute and var('langfuse_warehouse_report', false) -%}
        {%- set built = [] -%}
        {%- for result in results if result.node.resource_type == 'model' and result.status == 'success' -%}
            {%- do built.append(result.node) -%}
        {%- endfor -%}
        {%- if built -%}
            {%- set query -%}
                {%- for node in built %}
                select '{{ node.unique_id }}' as model, count(*) as row_count from {{ api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) }}
                {{ 'union all' if not loop.last }}
                {%- endfor %}
            {%- endset -%}
            {%- set counts = {} -%}
            {%- for row in run_query(query).rows -%}
                {%- do counts.update({row[0]: row[1] | int}) -%}
            {%- endfor -%}
            {%- do log('langfuse_warehouse.built_rows=' ~ tojson(counts), info=false) -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
