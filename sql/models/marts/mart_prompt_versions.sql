-- mart_prompt_versions: how each prompt version performs, per environment: volume, failures, latency,
-- spend, its labels, and the average of each score attributed to it.
-- grain: one row per prompt name, prompt version and environment
-- key: project_id, prompt_name, prompt_version, environment
-- labels are the version's labels now (e.g. production, latest), from the prompts table;
-- is_production_label says whether it is the version served as 'production'. avg_scores
-- maps '<score name> (<SOURCE>)' to the average of the scores attributed to this version in this
-- environment (rules in int_prompt_version_score_credits; shared trace scores are left out; a BOOLEAN
-- score's average is its true rate). generation_count, error_count, tokens and cost add up across
-- rows; trace_count, latencies and averages do not. The p50/p95 latencies come with
-- timed_generation_count, the number of generations they were computed from.

with

generations as (
    select * from {{ ref('int_generations') }}
),

credits as (
    select * from {{ ref('int_prompt_version_score_credits') }}
),

prompts as (
    select * from {{ ref('stg_prompts') }}
),

version_usage as (
    select
        project_id,
        prompt_name,
        prompt_version,
        environment,
        {{ langfuse_warehouse.any_value('prompt_id') }} as prompt_id,
        count(*) as generation_count,
        count(distinct trace_id) as trace_count,
        {{ langfuse_warehouse.count_where("level = 'ERROR'") }} as error_count,
        min(start_time) as first_used_at,
        max(start_time) as last_used_at,
        count(latency_seconds) as timed_generation_count,
        avg(latency_seconds) as avg_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        {{ langfuse_warehouse.percentile('time_to_first_token_seconds', 0.5) }} as p50_time_to_first_token_seconds,
        cast(coalesce(sum(input_tokens), 0) as bigint) as input_tokens,
        cast(coalesce(sum(output_tokens), 0) as bigint) as output_tokens,
        cast(coalesce(sum(total_tokens), 0) as bigint) as total_tokens,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd
    from generations
    where prompt_name is not null
        and prompt_version is not null
    group by project_id, prompt_name, prompt_version, environment
),

score_averages as (
    select
        project_id,
        prompt_name,
        prompt_version,
        environment,
        score_name || ' (' || source || ')' as score_key,
        avg(score_value) as avg_score
    from credits
    where attribution <> 'trace_shared'
    group by project_id, prompt_name, prompt_version, environment, score_name, source
),

scores_per_version as (
    select
        project_id,
        prompt_name,
        prompt_version,
        environment,
        {{ langfuse_warehouse.map_agg_where_not_null('score_key', 'avg_score') }} as avg_scores
    from score_averages
    group by project_id, prompt_name, prompt_version, environment
),

final as (
    select
        version_usage.project_id,
        version_usage.prompt_name,
        version_usage.prompt_version,
        version_usage.environment,
        version_usage.prompt_id,
        prompts.labels,
        coalesce('production' = any(prompts.labels), false) as is_production_label,
        version_usage.generation_count,
        version_usage.trace_count,
        version_usage.error_count,
        {{ langfuse_warehouse.ratio('version_usage.error_count', 'version_usage.generation_count') }} as error_rate,
        version_usage.first_used_at,
        version_usage.last_used_at,
        version_usage.timed_generation_count,
        version_usage.avg_latency_seconds,
        version_usage.p50_latency_seconds,
        version_usage.p95_latency_seconds,
        version_usage.p50_time_to_first_token_seconds,
        version_usage.input_tokens,
        version_usage.output_tokens,
        version_usage.total_tokens,
        version_usage.total_cost_usd,
        {{ langfuse_warehouse.ratio('version_usage.total_cost_usd', 'version_usage.generation_count') }} as avg_cost_per_generation_usd,
        scores_per_version.avg_scores
    from version_usage
    left join prompts
        on version_usage.project_id = prompts.project_id
        and version_usage.prompt_name = prompts.prompt_name
        and version_usage.prompt_version = prompts.prompt_version
    left join scores_per_version
        on version_usage.project_id = scores_per_version.project_id
        and version_usage.prompt_name = scores_per_version.prompt_name
        and version_usage.prompt_version = scores_per_version.prompt_version
        and version_usage.environment = scores_per_version.environment
)

select * from final
