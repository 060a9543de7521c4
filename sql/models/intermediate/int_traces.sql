-- int_traces: each trace's attributes and shape, from its observation rows (Langfuse v4 has no trace
-- rows of its own): the one place that says whose trace it is, whether it finished and whether it failed.
-- grain: one row per trace
-- key: project_id, trace_id
-- Trace attributes (name, user, session, environment, release, tags) are copied onto every v4
-- observation row; the root observation's copy wins, any other row's copy fills in when the root was
-- not synced. A trace *failed* when its root observation is at level ERROR; an error deeper down that
-- the trace recovered from only sets has_errored_observation.

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
        {{ langfuse_warehouse.any_value_where('level', 'is_root_observation') }} as root_level,
        min(start_time) as start_time,
        max(end_time) as last_end_time,
        count(*) as observation_count,
        count(end_time) as ended_observation_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        {{ langfuse_warehouse.count_where("level = 'WARNING'") }} as warning_count
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
        root_level,
        start_time,
        -- Complete: the root was synced and every observation has ended. An unfinished trace has no end
        -- and no latency (its last end so far would understate it).
        root_observation_id is not null and ended_observation_count = observation_count as is_complete,
        case when root_observation_id is not null and ended_observation_count = observation_count
            then last_end_time end as end_time,
        {{ langfuse_warehouse.utc_date('start_time') }} as trace_date,
        case when root_observation_id is not null and ended_observation_count = observation_count
            then {{ langfuse_warehouse.seconds_between('start_time', 'last_end_time') }} end as latency_seconds,
        observation_count,
        error_count,
        warning_count,
        root_level = 'ERROR' as is_failed,
        error_count > 0 as has_errored_observation
    from traces
)

select * from final
