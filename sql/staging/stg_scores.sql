-- stg_scores: scores as synced, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per score
-- key: project_id, score_id

with

source as (
    select * from scores
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as name,
        null::varchar as data_type,
        null::varchar as source,
        null::timestamptz as "timestamp",
        null::timestamptz as created_at,
        null::timestamptz as updated_at,
        null::varchar as environment,
        null::double as value_numeric,
        null::varchar as value_string,
        null::boolean as value_boolean,
        null::varchar as comment,
        null::varchar as config_id,
        null::json as metadata,
        null::varchar as subject_kind,
        null::varchar as subject_id,
        null::varchar as trace_id,
        null::varchar as observation_id,
        null::varchar as session_id,
        null::varchar as experiment_id,
        null::varchar as author_user_id,
        null::varchar as queue_id,
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
        id::varchar as score_id,
        name::varchar as score_name,
        upper(data_type) as data_type,
        upper(source) as source,
        "timestamp"::timestamptz as score_timestamp,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        coalesce(environment, 'default') as environment,
        value_numeric::double as value_numeric,
        value_string::varchar as value_string,
        case
            when upper(data_type) = 'BOOLEAN'
                then coalesce(value_boolean::boolean, value_numeric::double = 1, lower(value_string) = 'true')
        end as value_boolean,
        comment::varchar as comment,
        config_id::varchar as config_id,
        metadata::json as metadata,
        lower(subject_kind) as subject_kind,
        subject_id::varchar as subject_id,
        trace_id::varchar as trace_id,
        observation_id::varchar as observation_id,
        session_id::varchar as session_id,
        experiment_id::varchar as experiment_id,
        author_user_id::varchar as author_user_id,
        queue_id::varchar as queue_id,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
    where deleted_at is null
)

select * from renamed
