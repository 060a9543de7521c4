-- stg_dataset_items: dataset items, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per dataset item
-- key: project_id, dataset_item_id
-- deleted_at is null until the sync records a deletion in this table (the column is filled with nulls
-- when absent), so rows deleted upstream leave the marts as soon as it does.

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('dataset_items', {
        'project_id': 'string',
        'id': 'string',
        'dataset_id': 'string',
        'dataset_name': 'string',
        'status': 'string',
        'input': 'json',
        'expected_output': 'json',
        'metadata': 'json',
        'source_trace_id': 'string',
        'source_observation_id': 'string',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as dataset_item_id,
        dataset_id,
        dataset_name,
        upper(status) as status,
        input,
        expected_output,
        metadata,
        source_trace_id,
        source_observation_id,
        created_at,
        updated_at,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
