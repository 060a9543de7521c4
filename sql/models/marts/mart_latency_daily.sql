-- mart_latency_daily: observation latency percentiles per day, environment, model and observation type.
-- grain: one row per project, UTC day, environment, model and observation type
-- key: project_id, observation_date, environment, model_name, observation_type
-- model_name is '(none)' for observations without a model (spans, events, tools, ...). Each percentile
-- comes with the number of values it was computed from (timed_observation_count, ttft_observation_count,
-- throughput_observation_count): a p99 over five rows is not a p99. observation_count, error_count and
-- the *_observation_count columns add up across rows; averages and percentiles do not (filter, never
-- sum or average them). output_tokens_per_second is output tokens over the time spent generating
-- (latency less time to first token), for observations with output tokens. Trace-level latency (what a
-- user waited) is in mart_traces_daily.


-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = langfuse_warehouse.incremental_by_changed_days('observations', 'start_time', unique_key='observation_date') %}

with

observations as (
    select * from {{ ref('stg_observations') }}
    where true {{ langfuse_warehouse.changed_days_filter(langfuse_warehouse.utc_date('start_time'), changed_days) }}
),

timed as (
    select
        project_id,
        {{ langfuse_warehouse.utc_date('start_time') }} as observation_date,
        environment,
        coalesce(model_name, '(none)') as model_name,
        observation_type,
        level,
        latency_seconds,
        time_to_first_token_seconds,
        case when output_tokens > 0 and latency_seconds - coalesce(time_to_first_token_seconds, 0) > 0
            then {{ langfuse_warehouse.ratio(
                'output_tokens', 'latency_seconds - coalesce(time_to_first_token_seconds, 0)'
            ) }}
        end as output_tokens_per_second
    from observations
    where start_time is not null
        and observation_type is not null
),

daily as (
    select
        project_id,
        observation_date,
        environment,
        model_name,
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
        count(time_to_first_token_seconds) as ttft_observation_count,
        {{ langfuse_warehouse.percentile('time_to_first_token_seconds', 0.5) }} as p50_time_to_first_token_seconds,
        {{ langfuse_warehouse.percentile('time_to_first_token_seconds', 0.95) }} as p95_time_to_first_token_seconds,
        count(output_tokens_per_second) as throughput_observation_count,
        {{ langfuse_warehouse.percentile('output_tokens_per_second', 0.5) }} as p50_output_tokens_per_second
    from timed
    group by project_id, observation_date, environment, model_name, observation_type
),

final as (
    select
        *,
        {{ langfuse_warehouse.ratio('error_count', 'observation_count') }} as error_rate
    from daily
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from final
