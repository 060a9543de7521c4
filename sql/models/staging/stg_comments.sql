-- stg_comments: comments on traces, observations, sessions and prompts, renamed and typed.
-- grain: one row per comment
-- key: project_id, comment_id

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('comments', {
        'project_id': 'string',
        'id': 'string',
        'object_type': 'string',
        'object_id': 'string',
        'content': 'string',
        'author_user_id': 'string',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as comment_id,
        upper(object_type) as object_type,
        object_id,
        content,
        author_user_id,
        created_at,
        updated_at,
        _dlt_load_id
    from source
)

select * from renamed
