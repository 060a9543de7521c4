-- stg_experiment_items: experiment items (Langfuse dataset run items), renamed and typed; rows deleted upstream are dropped.
-- grain: one row per experiment item (one dataset item run once in one experiment)
-- key: project_id, experiment_id, experiment_item_id
-- deleted_at is null until the sync records a deletion in this table (the column is filled with nulls
-- when absent), so rows deleted upstream leave the marts as soon as it does.
-- The API's `experiment_item_id` is the dataset item id; it is renamed dataset_item_id here so that
-- experiment_item_id can name the run item itself (the API's `id`).

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('experiment_items', {
        'project_id': 'string',
        'id': 'string',
        'trace_id': 'string',
        'start_time': 'timestamp',
        'end_time': 'timestamp',
        'level': 'string',
        'environment': 'string',
        'experiment_id': 'string',
        'experiment_name': 'string',
        'experiment_item_id': 'string',
        'experiment_dataset_id': 'string',
        'experiment_item_version': 'string',
        'input': 'json',
        'output': 'json',
        'expected_output': 'json',
        'metadata': 'json',
        'experiment_item_metadata': 'json',
        'experiment_metadata': 'json',
        'experiment_description': 'string',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        experiment_id,
        id as experiment_item_id,
        experiment_item_id as dataset_item_id,
        experiment_dataset_id as dataset_id,
        experiment_item_version as dataset_item_version,
        experiment_name,
        experiment_description,
        trace_id,
        start_time,
        end_time,
        coalesce(upper(level), 'DEFAULT') as level,
        coalesce(environment, 'default') as environment,
        input,
        output,
        expected_output,
        metadata,
        experiment_item_metadata as dataset_item_metadata,
        experiment_metadata,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
