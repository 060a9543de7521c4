-- dim_sessions: sessions (groups of traces sharing a session_id) with their activity, failures and spend.
-- grain: one row per session
-- key: project_id, session_id
-- Counts, tokens and cost add up across sessions (a trace belongs to one session); duration does not.
-- duration_seconds is null while a trace of the session is unfinished.

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
        {{ langfuse_warehouse.count_where('is_complete') }} as complete_trace_count,
        {{ langfuse_warehouse.count_where('is_failed') }} as failed_trace_count,
        {{ langfuse_warehouse.count_where('has_errored_observation') }} as traces_with_error_count,
        sum(observation_count) as observation_count,
        sum(generation_count) as generation_count,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(total_tokens) as total_tokens,
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
        complete_trace_count = trace_count as is_complete,
        case when complete_trace_count = trace_count
            then {{ langfuse_warehouse.seconds_between('first_trace_at', 'last_trace_end_at') }} end as duration_seconds,
        trace_count,
        failed_trace_count,
        traces_with_error_count,
        cast(observation_count as bigint) as observation_count,
        cast(generation_count as bigint) as generation_count,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(total_tokens as bigint) as total_tokens,
        total_cost_usd
    from sessions
)

select * from final
