-- stg_models: model price definitions (Langfuse-managed and custom), renamed and typed.
-- grain: one row per model definition
-- key: project_id, model_id

with

-- dlt creates a column only once some row has a value: columns the raw table lacks come as typed nulls.
source as (
    {{ langfuse_warehouse.select_raw_columns('models', {
        'project_id': 'string',
        'id': 'string',
        'model_name': 'string',
        'match_pattern': 'string',
        'start_date': 'timestamp',
        'unit': 'string',
        'input_price': 'float',
        'output_price': 'float',
        'total_price': 'float',
        'tokenizer_id': 'string',
        'is_langfuse_managed': 'boolean',
        'created_at': 'timestamp',
        'prices': 'json',
        'pricing_tiers': 'json',
        '_dlt_load_id': 'string'
    }) }}
),

renamed as (
    select
        project_id,
        id as model_id,
        model_name,
        match_pattern,
        start_date,
        unit,
        input_price as input_price_usd,
        output_price as output_price_usd,
        total_price as total_price_usd,
        tokenizer_id,
        coalesce(is_langfuse_managed, false) as is_langfuse_managed,
        created_at,
        prices,
        pricing_tiers,
        _dlt_load_id
    from source
)

select * from renamed
