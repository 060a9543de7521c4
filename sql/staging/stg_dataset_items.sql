-- stg_dataset_items: dataset items, renamed and typed.
-- grain: one row per dataset item
-- key: project_id, dataset_item_id

with

source as (
    select * from dataset_items
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as dataset_id,
        null::varchar as dataset_name,
        null::varchar as status,
        null::json as input,
        null::json as expected_output,
        null::json as metadata,
        null::varchar as source_trace_id,
        null::varchar as source_observation_id,
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
        id::varchar as dataset_item_id,
        dataset_id::varchar as dataset_id,
        dataset_name::varchar as dataset_name,
        upper(status) as status,
        input::json as input,
        expected_output::json as expected_output,
        metadata::json as metadata,
        source_trace_id::varchar as source_trace_id,
        source_observation_id::varchar as source_observation_id,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
