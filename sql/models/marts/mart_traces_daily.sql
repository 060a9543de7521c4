-- mart_traces_daily: what users experienced per day, environment and trace name: volume, failures,
-- end-to-end latency and spend per trace.
-- grain: one row per project, UTC day (of the trace's start), environment and trace name
-- key: project_id, trace_date, environment, trace_name
-- A trace is one request end to end (fct_traces). failed_trace_count counts traces whose root
-- observation is at level ERROR (the request failed); traces_with_error_count counts traces where any
-- observation errored, recovered or not. Latency percentiles are over complete traces only
-- (complete_trace_count of them); an unfinished trace has no latency yet. trace_name is '(none)' when
-- the trace has none. Counts, tokens and costs add up across rows; rates, averages and percentiles do
-- not.

with

traces as (
    select * from {{ ref('fct_traces') }}
),

daily as (
    select
        project_id,
        trace_date,
        environment,
        coalesce(trace_name, '(none)') as trace_name,
        count(*) as trace_count,
        {{ langfuse_warehouse.count_where('is_complete') }} as complete_trace_count,
        {{ langfuse_warehouse.count_where('is_failed') }} as failed_trace_count,
        {{ langfuse_warehouse.count_where('has_errored_observation') }} as traces_with_error_count,
        avg(latency_seconds) as avg_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.9) }} as p90_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.99) }} as p99_latency_seconds,
        max(latency_seconds) as max_latency_seconds,
        sum(generation_count) as generation_count,
        sum(unpriced_generation_count) as unpriced_generation_count,
        sum(input_tokens) as input_tokens,
        sum(cached_input_tokens) as cached_input_tokens,
        sum(output_tokens) as output_tokens,
        sum(reasoning_tokens) as reasoning_tokens,
        sum(total_tokens) as total_tokens,
        sum(total_cost_usd) as total_cost_usd
    from traces
    where trace_date is not null
    group by project_id, trace_date, environment, coalesce(trace_name, '(none)')
),

final as (
    select
        project_id,
        trace_date,
        environment,
        trace_name,
        trace_count,
        complete_trace_count,
        failed_trace_count,
        {{ langfuse_warehouse.ratio('failed_trace_count', 'trace_count') }} as failure_rate,
        traces_with_error_count,
        {{ langfuse_warehouse.ratio('traces_with_error_count', 'trace_count') }} as error_trace_rate,
        avg_latency_seconds,
        p50_latency_seconds,
        p90_latency_seconds,
        p95_latency_seconds,
        p99_latency_seconds,
        max_latency_seconds,
        cast(generation_count as bigint) as generation_count,
        cast(unpriced_generation_count as bigint) as unpriced_generation_count,
        cast(input_tokens as bigint) as input_tokens,
        cast(cached_input_tokens as bigint) as cached_input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(reasoning_tokens as bigint) as reasoning_tokens,
        cast(total_tokens as bigint) as total_tokens,
        total_cost_usd,
        {{ langfuse_warehouse.ratio('total_cost_usd', 'trace_count') }} as avg_cost_per_trace_usd
    from daily
)

select * from final
