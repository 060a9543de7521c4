-- fct_traces: traces rolled up from their observations (Langfuse v4 has no trace rows of its own).
-- grain: one row per trace
-- key: project_id, trace_id
-- Trace attributes (name, user, session, tags, release) are copied onto every v4 observation row;
-- the root observation's copy wins, any other row's copy fills in when the root was not synced.

with

observations as (
    select * from stg_observations
),

traces as (
    select
        project_id,
        trace_id,
        coalesce(
            any_value(trace_name) filter (where is_root_observation),
            max(trace_name),
            any_value(observation_name) filter (where is_root_observation)
        ) as trace_name,
        coalesce(any_value(user_id) filter (where is_root_observation), max(user_id)) as user_id,
        coalesce(any_value(session_id) filter (where is_root_observation), max(session_id)) as session_id,
        coalesce(any_value(environment) filter (where is_root_observation), max(environment)) as environment,
        coalesce(any_value(release) filter (where is_root_observation), max(release)) as release,
        coalesce(any_value(tags) filter (where is_root_observation), max(tags)) as tags,
        any_value(observation_id) filter (where is_root_observation) as root_observation_id,
        min(start_time) as start_time,
        max(coalesce(end_time, start_time)) as end_time,
        count(*) as observation_count,
        count(*) filter (where observation_type = 'GENERATION') as generation_count,
        count(*) filter (where level = 'ERROR') as error_count,
        count(*) filter (where level = 'WARNING') as warning_count,
        count(distinct model_name) as distinct_model_count,
        sum(input_tokens)::bigint as input_tokens,
        sum(output_tokens)::bigint as output_tokens,
        sum(total_tokens)::bigint as total_tokens,
        sum(input_cost_usd) as input_cost_usd,
        sum(output_cost_usd) as output_cost_usd,
        sum(total_cost_usd) as total_cost_usd
    from observations
    group by project_id, trace_id
),

final as (
    select
        project_id,
        trace_id,
        trace_name,
        user_id,
        session_id,
        environment,
        release,
        tags,
        root_observation_id,
        start_time,
        end_time,
        cast(start_time at time zone 'UTC' as date) as trace_date,
        -- A trace lasts from its first observation's start to its last observation's end.
        epoch(end_time - start_time) as latency_seconds,
        observation_count,
        generation_count,
        error_count,
        warning_count,
        error_count > 0 as has_error,
        distinct_model_count,
        coalesce(input_tokens, 0) as input_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        coalesce(total_tokens, 0) as total_tokens,
        coalesce(input_cost_usd, 0) as input_cost_usd,
        coalesce(output_cost_usd, 0) as output_cost_usd,
        coalesce(total_cost_usd, 0) as total_cost_usd
    from traces
)

select * from final
