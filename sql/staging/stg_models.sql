-- stg_models: model price definitions (Langfuse-managed and custom), renamed and typed.
-- grain: one row per model definition
-- key: project_id, model_id

with

source as (
    select * from models
),

-- Optional columns may be missing from the raw table (dlt adds a column on its first value).
expected_columns as (
    select
        null::varchar as project_id,
        null::varchar as id,
        null::varchar as model_name,
        null::varchar as match_pattern,
        null::timestamptz as start_date,
        null::varchar as unit,
        null::double as input_price,
        null::double as output_price,
        null::double as total_price,
        null::varchar as tokenizer_id,
        null::boolean as is_langfuse_managed,
        null::timestamptz as created_at,
        null::json as prices,
        null::json as pricing_tiers,
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
        id::varchar as model_id,
        model_name::varchar as model_name,
        match_pattern::varchar as match_pattern,
        start_date::timestamptz as start_date,
        unit::varchar as unit,
        input_price::double as input_price_usd,
        output_price::double as output_price_usd,
        total_price::double as total_price_usd,
        tokenizer_id::varchar as tokenizer_id,
        coalesce(is_langfuse_managed::boolean, false) as is_langfuse_managed,
        created_at::timestamptz as created_at,
        prices::json as prices,
        pricing_tiers::json as pricing_tiers,
        _dlt_load_id::varchar as _dlt_load_id
    from all_columns
)

select * from renamed
