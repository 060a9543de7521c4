-- int_generations: observations that called a model, with the labels the cost, latency and prompt
-- marts group by.
-- grain: one row per model call (generation)
-- key: project_id, trace_id, observation_id
-- A generation is an observation of type GENERATION or EMBEDDING, or one that names a model or
-- carries tokens or cost > 0. Spans, tools and events report usage and cost 0, not null: they are not
-- generations. A span whose child observations carry cost is a roll-up (an SDK pattern that copies the
-- children's usage onto the parent): it is left out, so its cost is counted once, on the children.
-- model_name is what the SDK sent; internal_model_id the model Langfuse matched and priced it as
-- (mart_cost_daily names it from the models table). A generation is *unpriced* when no model matched
-- and no cost was sent: its cost 0 means "no price", not "free".
-- user_id and session_id are the trace's (root observation first, as in fct_traces).


-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = langfuse_warehouse.incremental_by_changed_days('observations', 'start_time', unique_key='generation_date') %}

with

observations as (
    select * from {{ ref('stg_observations') }}
    where true {{ langfuse_warehouse.changed_days_filter(langfuse_warehouse.utc_date('start_time'), changed_days) }}
),

-- Unfiltered: a roll-up span's children may start on another day than the span. (Narrowing it to the
-- rebuilt traces made DuckDB materialize `observations` for two readers: twice as slow.)
all_observations as (
    select * from {{ ref('stg_observations') }}
),

traces as (
    select * from {{ ref('int_traces') }}
),

cost_rollups as (
    select distinct
        project_id,
        trace_id,
        parent_observation_id as observation_id
    from all_observations
    where parent_observation_id is not null
        and total_cost_usd > 0
),

generations as (
    select
        observations.project_id,
        observations.trace_id,
        observations.observation_id,
        observations.observation_type,
        observations.observation_name,
        {{ langfuse_warehouse.utc_date('observations.start_time') }} as generation_date,
        observations.start_time,
        observations.environment,
        traces.trace_name,
        traces.release,
        -- Placeholders keep these usable as mart keys (never null) and visible in dashboards.
        coalesce(observations.model_name, '(none)') as model_name,
        observations.internal_model_id,
        coalesce(traces.user_id, '(none)') as user_id,
        traces.session_id,
        observations.prompt_id,
        observations.prompt_name,
        observations.prompt_version,
        observations.level,
        observations.latency_seconds,
        observations.time_to_first_token_seconds,
        -- Output tokens per second of generating (after the first token when that time is known).
        case when observations.output_tokens > 0
            and observations.latency_seconds - coalesce(observations.time_to_first_token_seconds, 0) > 0
            then {{ langfuse_warehouse.ratio(
                'observations.output_tokens',
                'observations.latency_seconds - coalesce(observations.time_to_first_token_seconds, 0)'
            ) }}
        end as output_tokens_per_second,
        observations.input_tokens,
        observations.cached_input_tokens,
        observations.output_tokens,
        observations.reasoning_tokens,
        observations.total_tokens,
        observations.input_cost_usd,
        observations.output_cost_usd,
        observations.total_cost_usd,
        observations.internal_model_id is null
            and coalesce(observations.total_cost_usd, 0) = 0 as is_unpriced
    from observations
    left join traces
        on observations.project_id = traces.project_id
        and observations.trace_id = traces.trace_id
    left join cost_rollups
        on observations.project_id = cost_rollups.project_id
        and observations.trace_id = cost_rollups.trace_id
        and observations.observation_id = cost_rollups.observation_id
    where cost_rollups.observation_id is null
        and (
            observations.observation_type in ('GENERATION', 'EMBEDDING')
            or observations.model_name is not null
            or observations.total_tokens > 0
            or observations.total_cost_usd > 0
        )
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from generations
