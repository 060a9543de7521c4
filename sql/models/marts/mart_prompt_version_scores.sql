-- mart_prompt_version_scores: numeric scores on the traces that used each prompt version.
-- grain: one row per prompt name, prompt version and score name
-- key: project_id, prompt_name, prompt_version, score_name
-- A score counts for a prompt version when its trace has at least one generation using that version
-- (whatever the score's subject within the trace); each score counts once per version.

with

generations as (
    select * from {{ ref('int_generations') }}
),

scores as (
    select * from {{ ref('stg_scores') }}
),

prompt_version_traces as (
    select distinct
        project_id,
        prompt_name,
        prompt_version,
        trace_id
    from generations
    where prompt_name is not null
        and prompt_version is not null
),

version_scores as (
    select
        prompt_version_traces.project_id,
        prompt_version_traces.prompt_name,
        prompt_version_traces.prompt_version,
        scores.score_name,
        {{ langfuse_warehouse.any_value('scores.data_type') }} as data_type,
        count(*) as score_count,
        count(distinct scores.trace_id) as scored_trace_count,
        avg(scores.value_numeric) as avg_score,
        {{ langfuse_warehouse.percentile('scores.value_numeric', 0.5) }} as p50_score,
        min(scores.value_numeric) as min_score,
        max(scores.value_numeric) as max_score
    from prompt_version_traces
    inner join scores
        on prompt_version_traces.project_id = scores.project_id
        and prompt_version_traces.trace_id = scores.trace_id
    where scores.value_numeric is not null
    group by
        prompt_version_traces.project_id,
        prompt_version_traces.prompt_name,
        prompt_version_traces.prompt_version,
        scores.score_name
)

select * from version_scores
