-- stg_prompts: prompt versions, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per prompt version
-- key: project_id, prompt_name, prompt_version
-- deleted_at is null until the sync records a deletion in this table (the column is filled with nulls
-- when absent), so rows deleted upstream leave the marts as soon as it does.

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('prompts', {
        'project_id': 'string',
        'name': 'string',
        'version': 'bigint',
        'type': 'string',
        'prompt': 'json',
        'config': 'json',
        'labels': 'json',
        'tags': 'json',
        'commit_message': 'string',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        name as prompt_name,
        version as prompt_version,
        lower(type) as prompt_type,
        prompt,
        config,
        {{ langfuse_warehouse.json_string_array('labels') }} as labels,
        {{ langfuse_warehouse.json_string_array('tags') }} as tags,
        commit_message,
        created_at,
        updated_at,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
