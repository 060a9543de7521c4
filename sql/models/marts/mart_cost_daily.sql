-- mart_cost_daily: model usage and spend per day, environment and model.
-- grain: one row per project, UTC day, environment, matched model and model name as sent
-- key: project_id, generation_date, environment, matched_model_name, model_name
-- matched_model_name is the model Langfuse matched and priced (internal_model_id → models;
-- '(unmatched)' when none): group by it
-- for spend per model, since SDKs send one model under several names ('anthropic/claude-3-5-sonnet-...'
-- and 'claude-3-5-sonnet-...'); model_name keeps the name as sent. unpriced_generation_count counts
-- generations with no matched model and no cost sent: their cost 0 means "no price", not "free".
-- Costs are USD as calculated by Langfuse (or as sent by the SDK). generation_count, error_count,
-- tokens and costs add up across rows; trace_count is a distinct count and does not (a trace calls
-- several models); rates and averages do not.


-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = langfuse_warehouse.incremental_by_changed_days('observations', 'start_time', unique_key='generation_date') %}

with

generations as (
    select * from {{ ref('int_generations') }}
    where true {{ langfuse_warehouse.changed_days_filter('generation_date', changed_days) }}
),

models as (
    select * from {{ ref('stg_models') }}
),

matched as (
    select
        generations.*,
        coalesce(models.model_name, '(unmatched)') as matched_model_name
    from generations
    left join models
        on generations.project_id = models.project_id
        and generations.internal_model_id = models.model_id
),

daily as (
    select
        project_id,
        generation_date,
        environment,
        matched_model_name,
        model_name,
        count(*) as generation_count,
        count(distinct trace_id) as trace_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        {{ langfuse_warehouse.count_where('is_unpriced') }} as unpriced_generation_count,
        cast(coalesce(sum(case when is_unpriced then total_tokens end), 0) as bigint) as unpriced_tokens,
        cast(coalesce(sum(input_tokens), 0) as bigint) as input_tokens,
        cast(coalesce(sum(cached_input_tokens), 0) as bigint) as cached_input_tokens,
        cast(coalesce(sum(output_tokens), 0) as bigint) as output_tokens,
        cast(coalesce(sum(reasoning_tokens), 0) as bigint) as reasoning_tokens,
        cast(coalesce(sum(total_tokens), 0) as bigint) as total_tokens,
        coalesce(sum(input_cost_usd), 0) as input_cost_usd,
        coalesce(sum(output_cost_usd), 0) as output_cost_usd,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd
    from matched
    where generation_date is not null
    group by project_id, generation_date, environment, matched_model_name, model_name
),

final as (
    select
        *,
        -- Share of input tokens served from the provider's prompt cache.
        {{ langfuse_warehouse.ratio('cached_input_tokens', 'input_tokens') }} as cache_hit_rate,
        {{ langfuse_warehouse.ratio('error_count', 'generation_count') }} as error_rate,
        {{ langfuse_warehouse.ratio('total_cost_usd', 'generation_count - unpriced_generation_count') }}
            as avg_cost_per_priced_generation_usd
    from daily
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from final
