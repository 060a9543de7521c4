-- fct_traces: traces with their attributes, completeness, failure and spend.
-- grain: one row per trace
-- key: project_id, trace_id
-- Attributes, completeness and failure come from int_traces (root observation first); tokens and cost
-- are the sums over the trace's generations (int_generations: roll-up spans left out, so a cost copied
-- onto a parent span is not counted twice). Counts, tokens and cost add up across traces.

with

traces as (
    select * from {{ ref('int_traces') }}
),

generations as (
    select * from {{ ref('int_generations') }}
),

generation_totals as (
    select
        project_id,
        trace_id,
        count(*) as generation_count,
        count(distinct model_name) as distinct_model_count,
        {{ langfuse_warehouse.count_where('is_unpriced') }} as unpriced_generation_count,
        sum(input_tokens) as input_tokens,
        sum(cached_input_tokens) as cached_input_tokens,
        sum(output_tokens) as output_tokens,
        sum(reasoning_tokens) as reasoning_tokens,
        sum(total_tokens) as total_tokens,
        sum(input_cost_usd) as input_cost_usd,
        sum(output_cost_usd) as output_cost_usd,
        sum(total_cost_usd) as total_cost_usd
    from generations
    group by project_id, trace_id
),

final as (
    select
        traces.project_id,
        traces.trace_id,
        traces.trace_name,
        traces.user_id,
        traces.session_id,
        traces.environment,
        traces.release,
        traces.tags,
        traces.root_observation_id,
        traces.root_level,
        traces.start_time,
        traces.end_time,
        traces.trace_date,
        traces.is_complete,
        traces.latency_seconds,
        traces.is_failed,
        traces.has_errored_observation,
        traces.observation_count,
        coalesce(generation_totals.generation_count, 0) as generation_count,
        coalesce(generation_totals.unpriced_generation_count, 0) as unpriced_generation_count,
        traces.error_count,
        traces.warning_count,
        coalesce(generation_totals.distinct_model_count, 0) as distinct_model_count,
        cast(coalesce(generation_totals.input_tokens, 0) as bigint) as input_tokens,
        cast(coalesce(generation_totals.cached_input_tokens, 0) as bigint) as cached_input_tokens,
        cast(coalesce(generation_totals.output_tokens, 0) as bigint) as output_tokens,
        cast(coalesce(generation_totals.reasoning_tokens, 0) as bigint) as reasoning_tokens,
        cast(coalesce(generation_totals.total_tokens, 0) as bigint) as total_tokens,
        coalesce(generation_totals.input_cost_usd, 0) as input_cost_usd,
        coalesce(generation_totals.output_cost_usd, 0) as output_cost_usd,
        coalesce(generation_totals.total_cost_usd, 0) as total_cost_usd
    from traces
    left join generation_totals
        on traces.project_id = generation_totals.project_id
        and traces.trace_id = generation_totals.trace_id
)

select * from final
