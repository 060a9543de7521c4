-- stg_score_configs: score configurations (ranges and categories of scores), renamed and typed.
-- grain: one row per score config
-- key: project_id, score_config_id

with

source as (
    select * from score_configs
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as name,
        null::varchar as data_type,
        null::boolean as is_archived,
        null::double as min_value,
        null::double as max_value,
        null::json as categories,
        null::varchar as description,
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
        id::varchar as score_config_id,
        name::varchar as score_name,
        upper(data_type) as data_type,
        coalesce(is_archived::boolean, false) as is_archived,
        min_value::double as min_value,
        max_value::double as max_value,
        categories::json as categories,
        description::varchar as description,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
