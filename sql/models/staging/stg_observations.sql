-- stg_observations: observations as synced, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per observation (span, generation, event, ...)
-- key: project_id, trace_id, observation_id
-- Observation ids are unique only within a trace (Langfuse v4), hence trace_id in the key.

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('observations', {
        'project_id': 'string',
        'id': 'string',
        'trace_id': 'string',
        'parent_observation_id': 'string',
        'type': 'string',
        'name': 'string',
        'level': 'string',
        'status_message': 'string',
        'version': 'string',
        'environment': 'string',
        'bookmarked': 'boolean',
        'public': 'boolean',
        'user_id': 'string',
        'session_id': 'string',
        'trace_name': 'string',
        'tags': 'json',
        'release': 'string',
        'is_root_observation': 'boolean',
        'start_time': 'timestamp',
        'end_time': 'timestamp',
        'completion_start_time': 'timestamp',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'input': 'string',
        'output': 'string',
        'metadata': 'json',
        'model': 'string',
        'internal_model_id': 'string',
        'model_id': 'string',
        'model_parameters': 'json',
        'usage_details': 'json',
        'cost_details': 'json',
        'input_usage': 'bigint',
        'output_usage': 'bigint',
        'total_usage': 'bigint',
        'input_cost': 'float',
        'output_cost': 'float',
        'total_cost': 'float',
        'input_price': 'float',
        'output_price': 'float',
        'total_price': 'float',
        'usage_pricing_tier_name': 'string',
        'prompt_id': 'string',
        'prompt_name': 'string',
        'prompt_version': 'bigint',
        'latency': 'float',
        'time_to_first_token': 'float',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        trace_id,
        id as observation_id,
        parent_observation_id,
        upper(type) as observation_type,
        name as observation_name,
        coalesce(upper(level), 'DEFAULT') as level,
        status_message,
        version,
        -- Langfuse files rows sent without an environment under 'default'.
        coalesce(environment, 'default') as environment,
        coalesce(is_root_observation, parent_observation_id is null) as is_root_observation,
        user_id,
        session_id,
        trace_name,
        {{ langfuse_warehouse.json_string_array('tags') }} as tags,
        release,
        bookmarked as is_bookmarked,
        public as is_public,
        start_time,
        end_time,
        completion_start_time,
        created_at,
        updated_at,
        model as model_name,
        coalesce(internal_model_id, model_id) as internal_model_id,
        model_parameters,
        usage_details,
        cost_details,
        -- The flat columns are Langfuse's own totals; the detail maps are the fallback for older rows.
        -- Langfuse's input total counts cached input too (every `input*` key), so the fallback does.
        coalesce(
            input_usage,
            {{ langfuse_warehouse.json_number('usage_details', 'input', 'bigint') }}
            + {{ langfuse_warehouse.cached_input_tokens('usage_details') }}
        ) as input_tokens,
        coalesce(output_usage, {{ langfuse_warehouse.json_number('usage_details', 'output', 'bigint') }}) as output_tokens,
        coalesce(
            total_usage,
            {{ langfuse_warehouse.json_number('usage_details', 'total', 'bigint') }},
            coalesce(
                input_usage,
                {{ langfuse_warehouse.json_number('usage_details', 'input', 'bigint') }}
                + {{ langfuse_warehouse.cached_input_tokens('usage_details') }}
            )
            + coalesce(output_usage, {{ langfuse_warehouse.json_number('usage_details', 'output', 'bigint') }})
        ) as total_tokens,
        coalesce(input_cost, {{ langfuse_warehouse.json_number('cost_details', 'input', 'float') }}) as input_cost_usd,
        coalesce(output_cost, {{ langfuse_warehouse.json_number('cost_details', 'output', 'float') }}) as output_cost_usd,
        coalesce(
            total_cost,
            {{ langfuse_warehouse.json_number('cost_details', 'total', 'float') }},
            coalesce(input_cost, {{ langfuse_warehouse.json_number('cost_details', 'input', 'float') }})
            + coalesce(output_cost, {{ langfuse_warehouse.json_number('cost_details', 'output', 'float') }})
        ) as total_cost_usd,
        -- Part of input_tokens read from the provider's prompt cache; part of output_tokens spent reasoning.
        {{ langfuse_warehouse.cached_input_tokens('usage_details') }} as cached_input_tokens,
        {{ langfuse_warehouse.reasoning_tokens('usage_details') }} as reasoning_tokens,
        input_price as input_price_usd,
        output_price as output_price_usd,
        total_price as total_price_usd,
        usage_pricing_tier_name,
        prompt_id,
        prompt_name,
        prompt_version,
        coalesce(latency, {{ langfuse_warehouse.seconds_between('start_time', 'end_time') }}) as latency_seconds,
        coalesce(
            time_to_first_token,
            {{ langfuse_warehouse.seconds_between('start_time', 'completion_start_time') }}
        ) as time_to_first_token_seconds,
        input,
        output,
        metadata,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
