-- stg_experiments: experiments (Langfuse dataset runs), renamed and typed; rows deleted upstream are dropped.
-- grain: one row per experiment
-- key: project_id, experiment_id
-- deleted_at is null until the sync records a deletion in this table (the column is filled with nulls
-- when absent), so rows deleted upstream leave the marts as soon as it does.

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('experiments', {
        'project_id': 'string',
        'id': 'string',
        'name': 'string',
        'description': 'string',
        'dataset_id': 'string',
        'start_time': 'timestamp',
        'end_time': 'timestamp',
        'item_count': 'bigint',
        'metadata': 'json',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as experiment_id,
        name as experiment_name,
        description as experiment_description,
        dataset_id,
        start_time,
        end_time,
        item_count,
        metadata,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
