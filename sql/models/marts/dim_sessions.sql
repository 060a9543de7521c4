-- dim_sessions: sessions (groups of traces sharing a session_id) with their activity and spend.
-- grain: one row per session
-- key: project_id, session_id

with

traces as (
    select * from {{ ref('fct_traces') }}
),

sessions as (
    select
        project_id,
        session_id,
        -- The user of the session's first trace that names one.
        {{ langfuse_warehouse.arg_min_where('user_id', 'start_time', 'user_id is not null') }} as user_id,
        {{ langfuse_warehouse.arg_min_where('environment', 'start_time', 'true') }} as environment,
        min(start_time) as first_trace_at,
        max(end_time) as last_trace_end_at,
        count(*) as trace_count,
        {{ langfuse_warehouse.count_where("has_error") }} as traces_with_error_count,
        sum(observation_count)::bigint as observation_count,
        sum(generation_count)::bigint as generation_count,
        sum(input_tokens)::bigint as input_tokens,
        sum(output_tokens)::bigint as output_tokens,
        sum(total_tokens)::bigint as total_tokens,
        sum(total_cost_usd) as total_cost_usd
    from traces
    where session_id is not null
    group by project_id, session_id
),

final as (
    select
        project_id,
        session_id,
        user_id,
        environment,
        first_trace_at,
        last_trace_end_at,
        {{ langfuse_warehouse.utc_date('first_trace_at') }} as session_date,
        {{ langfuse_warehouse.seconds_between('first_trace_at', 'last_trace_end_at') }} as duration_seconds,
        trace_count,
        traces_with_error_count,
        observation_count,
        generation_count,
        input_tokens,
        output_tokens,
        total_tokens,
        total_cost_usd
    from sessions
)

select * from final
