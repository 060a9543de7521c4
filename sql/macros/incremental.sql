{#
  Incremental models rebuild whole UTC days: each run deletes and recomputes the days holding a raw row
  that changed since the model was last built. A raw row's change time is the newest of its created_at,
  updated_at and deleted_at (reconcile marks deletions by setting deleted_at), so new rows, late updates
  and upstream deletions all reach the model. The watermark is data, not a clock: every row the model
  writes carries `_changed_through`, the newest change time in the raw tables it reads at build time;
  the next run looks `langfuse_incremental_lookback_hours` (default 1, like the sync's --lookback)
  further back, for rows Langfuse makes visible a little after their updated_at.

  A model opts in with
    {% set changed_days = langfuse_warehouse.incremental_by_changed_days('<raw table>', '<its raw day column>',
                                                                          unique_key='<day column>') %}
  filters its rows with `changed_days_filter(<day expression>, changed_days)` and selects
  `changed_through(changed_days) as _changed_through`. `through_traces` also rebuilds the days of rows whose trace
  changed (scores carry trace attributes). A row whose day itself changed leaves its old day stale
  until `--full-refresh`.
#}

{# The model's config (incremental, this strategy, keyed on its day column); returns the settings the
   filter and watermark macros take. #}
{% macro incremental_by_changed_days(table, day, unique_key, through_traces=false) -%}
    {%- set settings = {'table': table, 'day': day, 'through_traces': through_traces} -%}
    {%- do config(materialized='incremental', incremental_strategy='replace_changed_days', unique_key=unique_key,
                  on_schema_change='fail', meta={'changed_days': settings}) -%}
    {{- return(settings) -}}
{%- endmacro %}

{% macro _change_time() -%}
    greatest(coalesce(updated_at, created_at), coalesce(deleted_at, updated_at, created_at))
{%- endmacro %}

{% macro _raw_changes(table, extra_columns={}) -%}
    {%- set columns = {'created_at': 'timestamp', 'updated_at': 'timestamp', 'deleted_at': 'timestamp'} -%}
    {%- do columns.update(extra_columns) -%}
    {{ langfuse_warehouse.select_raw_columns(table, columns) }}
{%- endmacro %}

{# Rows changed at or after this are rebuilt: the model's watermark minus the lookback. #}
{% macro _rebuild_since() -%}
    {{ dbt.dateadd('hour', -1 * var('langfuse_incremental_lookback_hours', 1), '(select max(_changed_through) from ' ~ this ~ ')') }}
{%- endmacro %}

{# The UTC days to rebuild (a subquery's select). Rows without any change time count as changed. #}
{% macro changed_days_sql(settings) -%}
    {%- set day = settings['day'] -%}
    select distinct {{ langfuse_warehouse.utc_date(adapter.quote(day)) }} as changed_day
    from ({{ langfuse_warehouse._raw_changes(settings['table'], {day: 'timestamp', 'trace_id': 'string'}) }}) as raw_rows
    where {{ langfuse_warehouse._change_time() }} is null
        or {{ langfuse_warehouse._change_time() }} >= {{ langfuse_warehouse._rebuild_since() }}
    {%- if settings.get('through_traces') %}
        or trace_id in (
            select trace_id
            from ({{ langfuse_warehouse._raw_changes('observations', {'trace_id': 'string'}) }}) as raw_observations
            where {{ langfuse_warehouse._change_time() }} is null
                or {{ langfuse_warehouse._change_time() }} >= {{ langfuse_warehouse._rebuild_since() }}
        )
    {%- endif %}
{%- endmacro %}

{# `and <day> in (<changed days>)` on incremental runs; nothing on full builds. #}
{% macro changed_days_filter(day_expression, settings) -%}
    {%- if is_incremental() %}
        and {{ day_expression }} in ({{ langfuse_warehouse.changed_days_list(settings) }})
    {%- endif %}
{%- endmacro %}

{#
  The days to rebuild as a list of date literals, queried once as the model compiles and kept in the
  model's config for the strategy, which deletes exactly these days: with a subquery in each place, a
  sync committing between the model's insert and the delete (PostgreSQL has no single-writer lock) could
  delete a day that was not rebuilt. (It was also meant to let DuckDB filter the days under the staging
  view; DuckDB 1.x still applies it above the view's projection, so the view is computed for every row.)
#}
{% macro changed_days_list(settings) -%}
    {%- if not execute -%}{{ return('null') }}{%- endif -%}
    {%- set literals = [] -%}
    {%- for day in run_query(langfuse_warehouse.changed_days_sql(settings)).columns[0].values() if day is not none -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {%- set days = literals | join(', ') if literals else 'null' -%}
    {%- do config.get('meta')['changed_days'].update({'days': days}) -%}
    {{ return(days) }}
{%- endmacro %}

{# The watermark column's value: the newest change time in the raw tables the model reads. #}
{% macro changed_through(settings) -%}
    {%- set tables = [settings['table']] + (['observations'] if settings.get('through_traces') else []) -%}
    greatest(
    {%- for table in tables | unique %}
        (select max({{ langfuse_warehouse._change_time() }}) from ({{ langfuse_warehouse._raw_changes(table) }}) as raw_rows)
        {{- "," if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{# The strategy: delete the changed days (including days left with no rows), insert the rebuilt ones. #}
{% macro get_incremental_replace_changed_days_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set settings = config.get('meta')['changed_days'] %}
    delete from {{ target }}
    where {{ adapter.quote(config.get('unique_key')) }} in ({{ settings.get('days') or langfuse_warehouse.changed_days_sql(settings) }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
