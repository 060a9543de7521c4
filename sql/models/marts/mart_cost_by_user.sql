-- mart_cost_by_user: model usage and spend per day, environment and end user.
-- grain: one row per project, UTC day, environment and user
-- key: project_id, generation_date, environment, user_id
-- user_id is the trace's user (root observation first, as in fct_traces), '(none)' for traces without
-- one; generations are those of int_generations (spans, tools and events are not generations).
-- generation_count, tokens and costs add up across rows. trace_count and session_count are distinct
-- counts: they do not add up across days (a trace or session can span midnight; count fct_traces or
-- dim_sessions instead).


-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = langfuse_warehouse.incremental_by_changed_days('observations', 'start_time', unique_key='generation_date') %}

with

generations as (
    select * from {{ ref('int_generations') }}
    where true {{ langfuse_warehouse.changed_days_filter('generation_date', changed_days) }}
),

daily as (
    select
        project_id,
        generation_date,
        environment,
        user_id,
        count(distinct trace_id) as trace_count,
        count(distinct session_id) as session_count,
        count(*) as generation_count,
        {{ langfuse_warehouse.count_where('is_unpriced') }} as unpriced_generation_count,
        count(distinct case when model_name <> '(none)' then model_name end) as distinct_model_count,
        cast(coalesce(sum(input_tokens), 0) as bigint) as input_tokens,
        cast(coalesce(sum(output_tokens), 0) as bigint) as output_tokens,
        cast(coalesce(sum(total_tokens), 0) as bigint) as total_tokens,
        coalesce(sum(input_cost_usd), 0) as input_cost_usd,
        coalesce(sum(output_cost_usd), 0) as output_cost_usd,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd
    from generations
    where generation_date is not null
    group by project_id, generation_date, environment, user_id
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from daily
