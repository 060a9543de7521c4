-- stg_scores: scores as synced, renamed and typed; rows deleted upstream are dropped.
-- grain: one row per score
-- key: project_id, score_id

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('scores', {
        'project_id': 'string',
        'id': 'string',
        'name': 'string',
        'data_type': 'string',
        'source': 'string',
        'timestamp': 'timestamp',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'environment': 'string',
        'value_numeric': 'float',
        'value_string': 'string',
        'value_boolean': 'boolean',
        'comment': 'string',
        'config_id': 'string',
        'metadata': 'json',
        'subject_kind': 'string',
        'subject_id': 'string',
        'trace_id': 'string',
        'observation_id': 'string',
        'session_id': 'string',
        'experiment_id': 'string',
        'author_user_id': 'string',
        'queue_id': 'string',
        'deleted_at': 'timestamp',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as score_id,
        name as score_name,
        upper(data_type) as data_type,
        upper(source) as source,
        "timestamp" as score_timestamp,
        created_at,
        updated_at,
        coalesce(environment, 'default') as environment,
        value_numeric,
        value_string,
        case
            when upper(data_type) = 'BOOLEAN'
                then coalesce(value_boolean, value_numeric = 1, lower(value_string) = 'true')
        end as value_boolean,
        comment,
        config_id,
        metadata,
        lower(subject_kind) as subject_kind,
        subject_id,
        trace_id,
        observation_id,
        session_id,
        experiment_id,
        author_user_id,
        queue_id,
        _dlt_load_id
    from source
    where deleted_at is null
)

select * from renamed
