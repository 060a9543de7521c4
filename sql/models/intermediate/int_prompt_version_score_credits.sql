-- int_prompt_version_score_credits: which prompt version each numeric or boolean score is credited to.
-- grain: one row per score and prompt version it is credited to
-- key: project_id, score_id, prompt_name, prompt_version
-- A score on one observation is credited to the prompt version that observation (a generation) used,
-- and to nothing else: attribution 'observation'. A score on a whole trace is credited to the version
-- the trace used when it used exactly one ('trace'); when the trace used several prompt versions it is
-- credited to each of them as 'trace_shared', and the marts keep shared credits apart, since nothing
-- says which version earned it. Scores on an observation that used no prompt, on sessions and on
-- experiments are credited to no version. environment is the scored generation's (the trace's).
-- score_value is the NUMERIC value, or 1/0 for a BOOLEAN score (so its average is a true rate).

with

generations as (
    select * from {{ ref('int_generations') }}
),

scores as (
    select * from {{ ref('stg_scores') }}
),

prompt_generations as (
    select
        project_id,
        trace_id,
        observation_id,
        environment,
        prompt_name,
        prompt_version
    from generations
    where prompt_name is not null
        and prompt_version is not null
),

trace_versions as (
    select
        project_id,
        trace_id,
        prompt_name,
        prompt_version,
        min(environment) as environment
    from prompt_generations
    group by project_id, trace_id, prompt_name, prompt_version
),

trace_version_counts as (
    select
        project_id,
        trace_id,
        count(*) as version_count
    from trace_versions
    group by project_id, trace_id
),

valued_scores as (
    select
        project_id,
        score_id,
        score_name,
        source,
        data_type,
        trace_id,
        observation_id,
        case
            when data_type = 'NUMERIC' then value_numeric
            when data_type = 'BOOLEAN' and value_boolean then 1.0
            when data_type = 'BOOLEAN' and not value_boolean then 0.0
        end as score_value
    from scores
    where data_type in ('NUMERIC', 'BOOLEAN')
        and trace_id is not null
),

observation_credits as (
    select
        valued_scores.project_id,
        valued_scores.score_id,
        prompt_generations.prompt_name,
        prompt_generations.prompt_version,
        prompt_generations.environment,
        valued_scores.score_name,
        valued_scores.source,
        valued_scores.data_type,
        valued_scores.trace_id,
        valued_scores.observation_id,
        'observation' as attribution,
        valued_scores.score_value
    from valued_scores
    inner join prompt_generations
        on valued_scores.project_id = prompt_generations.project_id
        and valued_scores.trace_id = prompt_generations.trace_id
        and valued_scores.observation_id = prompt_generations.observation_id
    where valued_scores.score_value is not null
),

trace_credits as (
    select
        valued_scores.project_id,
        valued_scores.score_id,
        trace_versions.prompt_name,
        trace_versions.prompt_version,
        trace_versions.environment,
        valued_scores.score_name,
        valued_scores.source,
        valued_scores.data_type,
        valued_scores.trace_id,
        valued_scores.observation_id,
        case when trace_version_counts.version_count = 1 then 'trace' else 'trace_shared' end as attribution,
        valued_scores.score_value
    from valued_scores
    inner join trace_versions
        on valued_scores.project_id = trace_versions.project_id
        and valued_scores.trace_id = trace_versions.trace_id
    inner join trace_version_counts
        on trace_versions.project_id = trace_version_counts.project_id
        and trace_versions.trace_id = trace_version_counts.trace_id
    where valued_scores.observation_id is null
        and valued_scores.score_value is not null
),

final as (
    select * from observation_credits
    union all
    select * from trace_credits
)

select * from final
