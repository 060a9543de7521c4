{#
  Every model's key is a combination of columns (project_id is part of each); dbt's own `unique` takes
  one column, and dbt_utils (which has this test) is a hub package that cannot be installed offline.
  Fails with one row per repeated key.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select {{ columns }}, count(*) as repeated
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
