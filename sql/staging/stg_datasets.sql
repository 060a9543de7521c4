-- stg_datasets: datasets, renamed and typed.
-- grain: one row per dataset
-- key: project_id, dataset_id

with

source as (
    select * from datasets
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as name,
        null::varchar as description,
        null::json as metadata,
        null::json as input_schema,
        null::json as expected_output_schema,
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
        id::varchar as dataset_id,
        name::varchar as dataset_name,
        description::varchar as dataset_description,
        metadata::json as metadata,
        input_schema::json as input_schema,
        expected_output_schema::json as expected_output_schema,
        created_at::timestamptz as created_at,
        updated_at::timestamptz as updated_at,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
