-- mart_latency_daily: observation latency percentiles per day, model and observation type.
-- grain: one row per project, UTC day, model and observation type
-- key: project_id, observation_date, model_name, observation_type
-- model_name is '(none)' for observations without a model (spans, events, tools, ...). Percentiles do
-- not add up across rows: filter, never sum or average them.

-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = {'table': 'observations', 'day': 'start_time'} %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_changed_days',
    unique_key='observation_date',
    on_schema_change='fail',
    meta={'changed_days': changed_days},
) }}

with

observations as (
    select * from {{ ref('stg_observations') }}
    where true {{ langfuse_warehouse.changed_days_filter(langfuse_warehouse.utc_date('start_time'), changed_days) }}
),

daily as (
    select
        project_id,
        {{ langfuse_warehouse.utc_date('start_time') }} as observation_date,
        coalesce(model_name, '(none)') as model_name,
        observation_type,
        count(*) as observation_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        count(latency_seconds) as timed_observation_count,
        avg(latency_seconds) as avg_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.75) }} as p75_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.99) }} as p99_latency_seconds,
        max(latency_seconds) as max_latency_seconds,
        {{ langfuse_warehouse.percentile('time_to_first_token_seconds', 0.5) }} as p50_time_to_first_token_seconds,
        {{ langfuse_warehouse.percentile('time_to_first_token_seconds', 0.95) }} as p95_time_to_first_token_seconds
    from observations
    where start_time is not null
        and observation_type is not null
    group by project_id, observation_date, coalesce(model_name, '(none)'), observation_type
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from daily
