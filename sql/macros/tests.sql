{#
  A model's key: its columns are never null and unique together. One query per model, where a
  `not_null` on each key column plus a uniqueness test would scan the model once per column (at 1M
  rows, and on staging views that recompute their rows, those scans were a fifth of the build).
  Every key is a combination of columns (project_id is part of each); dbt's own `unique` takes one
  column, and dbt_utils (which has a combination test) is a hub package that cannot be installed
  offline. Fails with one row per repeated key and one per key with a null column.
#}
{% test primary_key(model, columns) %}
    {%- set key = columns | join(', ') %}
    select {{ key }}, count(*) as repeated
    from {{ model }}
    group by {{ key }}
    having count(*) > 1
        {%- for column in columns %}
        or {{ column }} is null
        {%- endfor %}
{% endtest %}
