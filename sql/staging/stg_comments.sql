-- stg_comments: comments on traces, observations, sessions and prompts, renamed and typed.
-- grain: one row per comment
-- key: project_id, comment_id

with

source as (
    select * from comments
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as object_type,
        null::varchar as object_id,
        null::varchar as content,
        null::varchar as author_user_id,
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
        id::varchar as comment_id,
        upper(object_type) as object_type,
        object_id::varchar as object_id,
        content::varchar as content,
        author_user_id::varchar as author_user_id,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
