-- int_generations: observations that called a model (generations, embeddings, or any observation
-- carrying a model name, tokens or cost), with the labels the cost and prompt marts group by.
-- grain: one row per model-calling observation
-- key: project_id, trace_id, observation_id

-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = {'table': 'observations', 'day': 'start_time'} %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_changed_days',
    unique_key='generation_date',
    on_schema_change='fail',
    meta={'changed_days': changed_days},
) }}

with

observations as (
    select * from {{ ref('stg_observations') }}
    where true {{ langfuse_warehouse.changed_days_filter(langfuse_warehouse.utc_date('start_time'), changed_days) }}
),

generations as (
    select
        project_id,
        trace_id,
        observation_id,
        observation_type,
        observation_name,
        {{ langfuse_warehouse.utc_date('start_time') }} as generation_date,
        start_time,
        environment,
        -- Placeholders keep these usable as mart keys (never null) and visible in dashboards.
        coalesce(model_name, '(none)') as model_name,
        coalesce(user_id, '(none)') as user_id,
        session_id,
        prompt_id,
        prompt_name,
        prompt_version,
        level,
        latency_seconds,
        time_to_first_token_seconds,
        input_tokens,
        output_tokens,
        total_tokens,
        input_cost_usd,
        output_cost_usd,
        total_cost_usd
    from observations
    where observation_type in ('GENERATION', 'EMBEDDING')
        or model_name is not null
        or total_tokens is not null
        or total_cost_usd is not null
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from generations
