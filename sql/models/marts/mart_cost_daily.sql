-- mart_cost_daily: model usage and spend per day, model and environment.
-- grain: one row per project, UTC day, model and environment
-- key: project_id, generation_date, model_name, environment
-- Costs are USD as calculated by Langfuse (or as sent by the SDK); tokens and costs add up across rows.

-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = {'table': 'observations', 'day': 'start_time'} %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_changed_days',
    unique_key='generation_date',
    on_schema_change='fail',
    meta={'changed_days': changed_days},
) }}

with

generations as (
    select * from {{ ref('int_generations') }}
    where true {{ langfuse_warehouse.changed_days_filter('generation_date', changed_days) }}
),

daily as (
    select
        project_id,
        generation_date,
        model_name,
        environment,
        count(*) as generation_count,
        count(distinct trace_id) as trace_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        coalesce(sum(input_tokens), 0)::bigint as input_tokens,
        coalesce(sum(output_tokens), 0)::bigint as output_tokens,
        coalesce(sum(total_tokens), 0)::bigint as total_tokens,
        coalesce(sum(input_cost_usd), 0) as input_cost_usd,
        coalesce(sum(output_cost_usd), 0) as output_cost_usd,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd
    from generations
    where generation_date is not null
    group by project_id, generation_date, model_name, environment
),

final as (
    select
        *,
        total_cost_usd / generation_count as avg_cost_per_generation_usd
    from daily
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from final
