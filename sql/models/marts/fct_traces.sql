-- fct_traces: traces rolled up from their observations (Langfuse v4 has no trace rows of its own).
-- grain: one row per trace
-- key: project_id, trace_id
-- Trace attributes (name, user, session, tags, release) are copied onto every v4 observation row;
-- the root observation's copy wins, any other row's copy fills in when the root was not synced.

with

observations as (
    select * from {{ ref('stg_observations') }}
),

traces as (
    select
        project_id,
        trace_id,
        coalesce(
            {{ langfuse_warehouse.any_value_where('trace_name', 'is_root_observation') }},
            max(trace_name),
            {{ langfuse_warehouse.any_value_where('observation_name', 'is_root_observation') }}
        ) as trace_name,
        coalesce({{ langfuse_warehouse.any_value_where('user_id', 'is_root_observation') }}, max(user_id)) as user_id,
        coalesce({{ langfuse_warehouse.any_value_where('session_id', 'is_root_observation') }}, max(session_id)) as session_id,
        coalesce({{ langfuse_warehouse.any_value_where('environment', 'is_root_observation') }}, max(environment)) as environment,
        coalesce({{ langfuse_warehouse.any_value_where('release', 'is_root_observation') }}, max(release)) as release,
        coalesce({{ langfuse_warehouse.any_value_where('tags', 'is_root_observation') }}, max(tags)) as tags,
        {{ langfuse_warehouse.any_value_where('observation_id', 'is_root_observation') }} as root_observation_id,
        min(start_time) as start_time,
        max(coalesce(end_time, start_time)) as end_time,
        count(*) as observation_count,
        {{ langfuse_warehouse.count_where("observation_type = 'GENERATION'") }} as generation_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        {{ langfuse_warehouse.count_where("level = 'WARNING'") }} as warning_count,
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
        {{ langfuse_warehouse.utc_date('start_time') }} as trace_date,
        -- A trace lasts from its first observation's start to its last observation's end.
        {{ langfuse_warehouse.seconds_between('start_time', 'end_time') }} as latency_seconds,
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
