-- mart_prompt_version_scores: numeric and boolean scores credited to each prompt version.
-- grain: one row per prompt name, prompt version, environment, score name, source and data type
-- key: project_id, prompt_name, prompt_version, environment, score_name, source, data_type
-- Credits come from int_prompt_version_score_credits: a score on a generation counts for that
-- generation's prompt version only; a score on a trace counts when the trace used this version alone.
-- Those are the *attributed* scores behind score_count and the averages. Trace scores of traces that
-- used several prompt versions are shared: counted apart (shared_score_count, shared_avg_score), never
-- mixed into avg_score. LLM-judge (EVAL), human (ANNOTATION) and API scores are separate rows, and so
-- are environments. For BOOLEAN scores avg_score is the true rate and there is no p50.
-- score_count, observation_score_count, trace_score_count and shared_score_count add up across rows;
-- averages, percentiles and scored_trace_count do not.

with

credits as (
    select * from {{ ref('int_prompt_version_score_credits') }}
),

version_scores as (
    select
        project_id,
        prompt_name,
        prompt_version,
        environment,
        score_name,
        source,
        data_type,
        {{ langfuse_warehouse.count_where("attribution <> 'trace_shared'") }} as score_count,
        {{ langfuse_warehouse.count_where("attribution = 'observation'") }} as observation_score_count,
        {{ langfuse_warehouse.count_where("attribution = 'trace'") }} as trace_score_count,
        count(distinct case when attribution <> 'trace_shared' then trace_id end) as scored_trace_count,
        avg(case when attribution <> 'trace_shared' then score_value end) as avg_score,
        {{ langfuse_warehouse.percentile(
            "case when attribution <> 'trace_shared' and data_type = 'NUMERIC' then score_value end", 0.5
        ) }} as p50_score,
        min(case when attribution <> 'trace_shared' then score_value end) as min_score,
        max(case when attribution <> 'trace_shared' then score_value end) as max_score,
        {{ langfuse_warehouse.count_where("attribution = 'trace_shared'") }} as shared_score_count,
        avg(case when attribution = 'trace_shared' then score_value end) as shared_avg_score
    from credits
    group by project_id, prompt_name, prompt_version, environment, score_name, source, data_type
)

select * from version_scores
