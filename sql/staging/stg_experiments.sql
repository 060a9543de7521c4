-- stg_experiments: experiments (Langfuse dataset runs), renamed and typed.
-- grain: one row per experiment
-- key: project_id, experiment_id

with

source as (
    select * from experiments
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as name,
        null::varchar as description,
        null::varchar as dataset_id,
        null::timestamptz as start_time,
        null::timestamptz as end_time,
        null::bigint as item_count,
        null::json as metadata,
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
        id::varchar as experiment_id,
        name::varchar as experiment_name,
        description::varchar as experiment_description,
        dataset_id::varchar as dataset_id,
        start_time::timestamptz as start_time,
        end_time::timestamptz as end_time,
        item_count::bigint as item_count,
        metadata::json as metadata,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
