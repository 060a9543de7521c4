-- mart_prompt_versions: how each prompt version performs in production: volume, latency, spend
-- and the average of each numeric score on the traces that used it.
-- grain: one row per prompt name and version
-- key: project_id, prompt_name, prompt_version
-- avg_scores maps score name to average value; mart_prompt_version_scores has one row per score name.

with

generations as (
    select * from {{ ref('int_generations') }}
),

version_scores as (
    select * from {{ ref('mart_prompt_version_scores') }}
),

version_usage as (
    select
        project_id,
        prompt_name,
        prompt_version,
        {{ langfuse_warehouse.any_value('prompt_id') }} as prompt_id,
        count(*) as generation_count,
        count(distinct trace_id) as trace_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        min(start_time) as first_used_at,
        max(start_time) as last_used_at,
        avg(latency_seconds) as avg_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        {{ langfuse_warehouse.percentile('time_to_first_token_seconds', 0.5) }} as p50_time_to_first_token_seconds,
        coalesce(sum(input_tokens), 0)::bigint as input_tokens,
        coalesce(sum(output_tokens), 0)::bigint as output_tokens,
        coalesce(sum(total_tokens), 0)::bigint as total_tokens,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd
    from generations
    where prompt_name is not null
        and prompt_version is not null
    group by project_id, prompt_name, prompt_version
),

scores_per_version as (
    select
        project_id,
        prompt_name,
        prompt_version,
        {{ langfuse_warehouse.map_agg_where_not_null('score_name', 'avg_score') }} as avg_scores
    from version_scores
    group by project_id, prompt_name, prompt_version
),

final as (
    select
        version_usage.project_id,
        version_usage.prompt_name,
        version_usage.prompt_version,
        version_usage.prompt_id,
        version_usage.generation_count,
        version_usage.trace_count,
        version_usage.error_count,
        version_usage.first_used_at,
        version_usage.last_used_at,
        version_usage.avg_latency_seconds,
        version_usage.p50_latency_seconds,
        version_usage.p95_latency_seconds,
        version_usage.p50_time_to_first_token_seconds,
        version_usage.input_tokens,
        version_usage.output_tokens,
        version_usage.total_tokens,
        version_usage.total_cost_usd,
        version_usage.total_cost_usd / version_usage.generation_count as avg_cost_per_generation_usd,
        scores_per_version.avg_scores
    from version_usage
    left join scores_per_version
        on version_usage.project_id = scores_per_version.project_id
        and version_usage.prompt_name = scores_per_version.prompt_name
        and version_usage.prompt_version = scores_per_version.prompt_version
)

select * from final
