-- mart_score_daily: score volume and value distribution per day, for score-over-time dashboards.
-- grain: one row per project, UTC day, score name, source and data type
-- key: project_id, score_date, score_name, source, data_type
-- Percentiles do not add up across rows: filter to one score name, never sum or average them.

-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = {'table': 'scores', 'day': 'timestamp', 'through_traces': true} %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_changed_days',
    unique_key='score_date',
    on_schema_change='fail',
    meta={'changed_days': changed_days},
) }}

with

scores as (
    select * from {{ ref('fct_scores') }}
    where true {{ langfuse_warehouse.changed_days_filter('score_date', changed_days) }}
),

daily as (
    select
        project_id,
        score_date,
        score_name,
        source,
        data_type,
        count(*) as score_count,
        count(distinct trace_id) as trace_count,
        -- Numeric statistics cover NUMERIC and BOOLEAN (1/0) scores and CATEGORICAL mapped values.
        count(value_numeric) as numeric_value_count,
        avg(value_numeric) as avg_value,
        min(value_numeric) as min_value,
        max(value_numeric) as max_value,
        {{ langfuse_warehouse.percentile('value_numeric', 0.5) }} as p50_value,
        stddev_samp(value_numeric) as stddev_value,
        {{ langfuse_warehouse.count_where("boolean_value") }} as true_count,
        {{ langfuse_warehouse.count_where("not boolean_value") }} as false_count,
        avg(case when boolean_value then 1.0 when not boolean_value then 0.0 end) as true_rate
    from scores
    group by project_id, score_date, score_name, source, data_type
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from daily
