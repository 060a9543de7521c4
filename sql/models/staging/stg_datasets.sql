-- stg_datasets: datasets, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per dataset
-- key: project_id, dataset_id
-- deleted_at is null until the sync records a deletion in this table (the column is filled with nulls
-- when absent), so rows deleted upstream leave the marts as soon as it does.

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('datasets', {
        'project_id': 'string',
        'id': 'string',
        'name': 'string',
        'description': 'string',
        'metadata': 'json',
        'input_schema': 'json',
        'expected_output_schema': 'json',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as dataset_id,
        name as dataset_name,
        description as dataset_description,
        metadata,
        input_schema,
        expected_output_schema,
        created_at,
        updated_at,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
