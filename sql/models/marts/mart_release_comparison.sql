-- mart_release_comparison: each release of an application against the release before it, per
-- environment and trace name: did the new release fail more, get slower or cost more?
-- grain: one row per project, environment, trace name and release
-- key: project_id, environment, trace_name, release
-- Releases are ordered by their first trace in that environment and trace name; previous_release is
-- the one before (null for the first). Traces without a release count under '(none)' and are left out
-- of the ordering (they have no previous release and are no one's previous release). Latency
-- percentiles are over complete traces (complete_trace_count). *_change columns are this release's
-- value minus the previous release's. trace_count, failed_trace_count and total_cost_usd add up across
-- releases; rates, percentiles, averages and changes do not.

with

traces as (
    select * from {{ ref('fct_traces') }}
),

per_release as (
    select
        project_id,
        environment,
        coalesce(trace_name, '(none)') as trace_name,
        coalesce(release, '(none)') as release,
        min(start_time) as first_trace_at,
        max(start_time) as last_trace_at,
        count(*) as trace_count,
        {{ langfuse_warehouse.count_where('is_complete') }} as complete_trace_count,
        {{ langfuse_warehouse.count_where('is_failed') }} as failed_trace_count,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        sum(total_cost_usd) as total_cost_usd
    from traces
    group by project_id, environment, coalesce(trace_name, '(none)'), coalesce(release, '(none)')
),

with_rates as (
    select
        *,
        {{ langfuse_warehouse.ratio('failed_trace_count', 'trace_count') }} as failure_rate,
        {{ langfuse_warehouse.ratio('total_cost_usd', 'trace_count') }} as avg_cost_per_trace_usd
    from per_release
),

ordered as (
    select
        *,
        case when release <> '(none)' then row_number() over (
            partition by project_id, environment, trace_name, case when release = '(none)' then 1 else 0 end
            order by first_trace_at, release
        ) end as release_rank
    from with_rates
),

final as (
    select
        current_release.project_id,
        current_release.environment,
        current_release.trace_name,
        current_release.release,
        current_release.release_rank,
        current_release.first_trace_at,
        current_release.last_trace_at,
        current_release.trace_count,
        current_release.complete_trace_count,
        current_release.failed_trace_count,
        current_release.failure_rate,
        current_release.p50_latency_seconds,
        current_release.p95_latency_seconds,
        current_release.total_cost_usd,
        current_release.avg_cost_per_trace_usd,
        previous_release.release as previous_release,
        previous_release.trace_count as previous_trace_count,
        previous_release.failure_rate as previous_failure_rate,
        previous_release.p50_latency_seconds as previous_p50_latency_seconds,
        previous_release.p95_latency_seconds as previous_p95_latency_seconds,
        previous_release.avg_cost_per_trace_usd as previous_avg_cost_per_trace_usd,
        current_release.failure_rate - previous_release.failure_rate as failure_rate_change,
        current_release.p50_latency_seconds - previous_release.p50_latency_seconds as p50_latency_change_seconds,
        current_release.p95_latency_seconds - previous_release.p95_latency_seconds as p95_latency_change_seconds,
        current_release.avg_cost_per_trace_usd - previous_release.avg_cost_per_trace_usd
            as avg_cost_per_trace_change_usd
    from ordered as current_release
    left join ordered as previous_release
        on current_release.project_id = previous_release.project_id
        and current_release.environment = previous_release.environment
        and current_release.trace_name = previous_release.trace_name
        and previous_release.release_rank = current_release.release_rank - 1
)

select * from final
