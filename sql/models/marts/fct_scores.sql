-- fct_scores: every score with a typed value per data type, what it scores and when that happened.
-- grain: one row per score
-- key: project_id, score_id
-- subject_kind says what was scored: 'observation' (one observation of a trace), 'trace', 'session' or
-- 'experiment'. Trace context (name, user, release) is filled for trace and observation subjects,
-- observation context (type, model, prompt) for observation subjects. subject_date is the UTC day of
-- the scored activity (the trace's start; a session's first trace), so a score annotated days later
-- counts on the day of what it judges; score_date is the day the score itself was recorded. Both are
-- the score's own day for experiment subjects and for traces not synced.


-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = langfuse_warehouse.incremental_by_changed_days('scores', 'timestamp', unique_key='score_date', through_traces=true) %}

with

scores as (
    select * from {{ ref('stg_scores') }}
    where true {{ langfuse_warehouse.changed_days_filter(langfuse_warehouse.utc_date('score_timestamp'), changed_days) }}
),

traces as (
    select * from {{ ref('fct_traces') }}
),

sessions as (
    select * from {{ ref('dim_sessions') }}
),

observations as (
    select * from {{ ref('stg_observations') }}
),

final as (
    select
        scores.project_id,
        scores.score_id,
        scores.score_name,
        scores.data_type,
        scores.source,
        scores.score_timestamp,
        {{ langfuse_warehouse.utc_date('scores.score_timestamp') }} as score_date,
        coalesce(
            traces.trace_date,
            sessions.session_date,
            {{ langfuse_warehouse.utc_date('scores.score_timestamp') }}
        ) as subject_date,
        scores.environment,
        -- Typed values: exactly the column(s) matching data_type are filled.
        case when scores.data_type in ('NUMERIC', 'BOOLEAN') then scores.value_numeric end as numeric_value,
        scores.value_boolean as boolean_value,
        case when scores.data_type = 'CATEGORICAL' then scores.value_string end as categorical_value,
        case when scores.data_type = 'CATEGORICAL' then scores.value_numeric end as categorical_mapped_value,
        case when scores.data_type in ('TEXT', 'CORRECTION') then scores.value_string end as text_value,
        scores.value_numeric,
        scores.value_string,
        scores.comment,
        coalesce(
            scores.subject_kind,
            case
                when scores.observation_id is not null then 'observation'
                when scores.trace_id is not null then 'trace'
                when scores.session_id is not null then 'session'
                when scores.experiment_id is not null then 'experiment'
            end
        ) as subject_kind,
        scores.subject_id,
        scores.trace_id,
        scores.observation_id,
        coalesce(scores.session_id, traces.session_id) as session_id,
        scores.experiment_id,
        scores.config_id,
        scores.author_user_id,
        scores.queue_id,
        traces.trace_name,
        traces.user_id as trace_user_id,
        traces.environment as trace_environment,
        traces.release as trace_release,
        observations.observation_name,
        observations.observation_type,
        observations.model_name,
        observations.prompt_name,
        observations.prompt_version,
        scores.created_at,
        scores.updated_at
    from scores
    left join traces
        on scores.project_id = traces.project_id
        and scores.trace_id = traces.trace_id
    left join sessions
        on scores.project_id = sessions.project_id
        and scores.session_id = sessions.session_id
        and scores.trace_id is null
    left join observations
        on scores.project_id = observations.project_id
        and scores.trace_id = observations.trace_id
        and scores.observation_id = observations.observation_id
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from final
