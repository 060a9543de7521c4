-- stg_prompts: prompt versions, renamed and typed.
-- grain: one row per prompt version
-- key: project_id, prompt_name, prompt_version

with

source as (
    select * from prompts
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as name,
        null::bigint as version,
        null::varchar as type,
        null::json as prompt,
        null::json as config,
        null::json as labels,
        null::json as tags,
        null::varchar as commit_message,
        null::timestamptz as created_at,
        null::timestamptz as updated_at,
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
        name::varchar as prompt_name,
        version::bigint as prompt_version,
        lower(type) as prompt_type,
        prompt::json as prompt,
        config::json as config,
        labels::json::varchar[] as labels,
        tags::json::varchar[] as tags,
        commit_message::varchar as commit_message,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
