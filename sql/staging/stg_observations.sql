-- stg_observations: observations as synced, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per observation (span, generation, event, ...)
-- key: project_id, trace_id, observation_id
-- Observation ids are unique only within a trace (Langfuse v4), hence trace_id in the key.

with

source as (
    select * from observations
),

-- dlt creates a column only once some row has a value, so optional columns may be missing. Unioning
-- by name with this empty, fully typed row set gives every column below, null where never synced.
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as trace_id,
        null::varchar as parent_observation_id,
        null::varchar as type,
        null::varchar as name,
        null::varchar as level,
        null::varchar as status_message,
        null::varchar as version,
        null::varchar as environment,
        null::boolean as bookmarked,
        null::boolean as public,
        null::varchar as user_id,
        null::varchar as session_id,
        null::varchar as trace_name,
        null::json as tags,
        null::varchar as release,
        null::boolean as is_root_observation,
        null::timestamptz as start_time,
        null::timestamptz as end_time,
        null::timestamptz as completion_start_time,
        null::timestamptz as created_at,
        null::timestamptz as updated_at,
        null::varchar as input,
        null::varchar as output,
        null::json as metadata,
        null::varchar as model,
        null::varchar as internal_model_id,
        null::varchar as model_id,
        null::json as model_parameters,
        null::json as usage_details,
        null::json as cost_details,
        null::bigint as input_usage,
        null::bigint as output_usage,
        null::bigint as total_usage,
        null::double as input_cost,
        null::double as output_cost,
        null::double as total_cost,
        null::double as input_price,
        null::double as output_price,
        null::double as total_price,
        null::varchar as usage_pricing_tier_name,
        null::varchar as prompt_id,
        null::varchar as prompt_name,
        null::bigint as prompt_version,
        null::double as latency,
        null::double as time_to_first_token,
        null::timestamptz as deleted_at,
        null::varchar as _dlt_load_id
    limit 0
),

all_columns as (
    select * from expected_columns
    union all by name
    select * from source
),

renamed as (
    select
        project_id::varchar as project_id,
        trace_id::varchar as trace_id,
        id::varchar as observation_id,
        parent_observation_id::varchar as parent_observation_id,
        upper(type) as observation_type,
        name::varchar as observation_name,
        coalesce(upper(level), 'DEFAULT') as level,
        status_message::varchar as status_message,
        version::varchar as version,
        -- Langfuse files rows sent without an environment under 'default'.
        coalesce(environment, 'default') as environment,
        coalesce(is_root_observation, parent_observation_id is null) as is_root_observation,
        user_id::varchar as user_id,
        session_id::varchar as session_id,
        trace_name::varchar as trace_name,
        tags::json::varchar[] as tags,
        release::varchar as release,
        bookmarked::boolean as is_bookmarked,
        public::boolean as is_public,
        start_time::timestamptz as start_time,
        end_time::timestamptz as end_time,
        completion_start_time::timestamptz as completion_start_time,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        model::varchar as model_name,
        coalesce(internal_model_id, model_id)::varchar as internal_model_id,
        model_parameters::json as model_parameters,
        usage_details::json as usage_details,
        cost_details::json as cost_details,
        -- The flat columns are Langfuse's own totals; the detail maps are the fallback for older rows.
        coalesce(input_usage, try_cast(usage_details::json ->> 'input' as bigint)) as input_tokens,
        coalesce(output_usage, try_cast(usage_details::json ->> 'output' as bigint)) as output_tokens,
        coalesce(
            total_usage,
            try_cast(usage_details::json ->> 'total' as bigint),
            coalesce(input_usage, try_cast(usage_details::json ->> 'input' as bigint))
            + coalesce(output_usage, try_cast(usage_details::json ->> 'output' as bigint))
        ) as total_tokens,
        coalesce(input_cost, try_cast(cost_details::json ->> 'input' as double)) as input_cost_usd,
        coalesce(output_cost, try_cast(cost_details::json ->> 'output' as double)) as output_cost_usd,
        coalesce(
            total_cost,
            try_cast(cost_details::json ->> 'total' as double),
            coalesce(input_cost, try_cast(cost_details::json ->> 'input' as double))
            + coalesce(output_cost, try_cast(cost_details::json ->> 'output' as double))
        ) as total_cost_usd,
        input_price::double as input_price_usd,
        output_price::double as output_price_usd,
        total_price::double as total_price_usd,
        usage_pricing_tier_name::varchar as usage_pricing_tier_name,
        prompt_id::varchar as prompt_id,
        prompt_name::varchar as prompt_name,
        prompt_version::bigint as prompt_version,
        coalesce(latency, epoch(end_time::timestamptz - start_time::timestamptz)) as latency_seconds,
        coalesce(
            time_to_first_token,
            epoch(completion_start_time::timestamptz - start_time::timestamptz)
        ) as time_to_first_token_seconds,
        input::varchar as input,
        output::varchar as output,
        metadata::json as metadata,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
    where deleted_at is null
)

select * from renamed
