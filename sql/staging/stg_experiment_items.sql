-- stg_experiment_items: experiment items (Langfuse dataset run items), renamed and typed.
-- grain: one row per experiment item (one dataset item run once in one experiment)
-- key: project_id, experiment_id, experiment_item_id
-- The API's `experiment_item_id` is the dataset item id; it is renamed dataset_item_id here so that
-- experiment_item_id can name the run item itself (the API's `id`).

with

source as (
    select * from experiment_items
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as trace_id,
        null::timestamptz as start_time,
        null::timestamptz as end_time,
        null::varchar as level,
        null::varchar as environment,
        null::varchar as experiment_id,
        null::varchar as experiment_name,
        null::varchar as experiment_item_id,
        null::varchar as experiment_dataset_id,
        null::varchar as experiment_item_version,
        null::json as input,
        null::json as output,
        null::json as expected_output,
        null::json as metadata,
        null::json as experiment_item_metadata,
        null::json as experiment_metadata,
        null::varchar as experiment_description,
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
        experiment_id::varchar as experiment_id,
        id::varchar as experiment_item_id,
        experiment_item_id::varchar as dataset_item_id,
        experiment_dataset_id::varchar as dataset_id,
        experiment_item_version::varchar as dataset_item_version,
        experiment_name::varchar as experiment_name,
        experiment_description::varchar as experiment_description,
        trace_id::varchar as trace_id,
        start_time::timestamptz as start_time,
        end_time::timestamptz as end_time,
        coalesce(upper(level), 'DEFAULT') as level,
        coalesce(environment, 'default') as environment,
        input::json as input,
        output::json as output,
        expected_output::json as expected_output,
        metadata::json as metadata,
        experiment_item_metadata::json as dataset_item_metadata,
        experiment_metadata::json as experiment_metadata,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
