-- stg_score_configs: score configurations (ranges and categories of scores), renamed and typed.
-- grain: one row per score config
-- key: project_id, score_config_id

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('score_configs', {
        'project_id': 'string',
        'id': 'string',
        'name': 'string',
        'data_type': 'string',
        'is_archived': 'boolean',
        'min_value': 'float',
        'max_value': 'float',
        'categories': 'json',
        'description': 'string',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as score_config_id,
        name as score_name,
        upper(data_type) as data_type,
        coalesce(is_archived, false) as is_archived,
        min_value,
        max_value,
        categories,
        description,
        created_at,
        updated_at,
        _dlt_load_id
    from source
)

select * from renamed
