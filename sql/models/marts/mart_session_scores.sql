-- mart_session_scores: how each session was scored, counting the scores given to the session itself
-- and those given to its traces and their observations, kept apart by subject kind.
-- grain: one row per project, session, score name, subject kind, source and data type
-- key: project_id, session_id, score_name, subject_kind, source, data_type
-- subject_kind 'session' rows are scores of the whole conversation; 'trace' and 'observation' rows
-- roll up the scores of the session's traces. avg_value is for NUMERIC scores; BOOLEAN scores have
-- true/false counts and a true rate; CATEGORICAL and TEXT scores only a count. score_count, true_count
-- and false_count add up across rows; averages and rates do not.

with

scores as (
    select * from {{ ref('fct_scores') }}
),

sessions as (
    select * from {{ ref('dim_sessions') }}
),

session_scores as (
    select
        project_id,
        session_id,
        score_name,
        subject_kind,
        source,
        data_type,
        count(*) as score_count,
        count(distinct trace_id) as scored_trace_count,
        avg(case when data_type = 'NUMERIC' then numeric_value end) as avg_value,
        min(case when data_type = 'NUMERIC' then numeric_value end) as min_value,
        max(case when data_type = 'NUMERIC' then numeric_value end) as max_value,
        {{ langfuse_warehouse.count_where("data_type = 'BOOLEAN' and boolean_value") }} as true_count,
        {{ langfuse_warehouse.count_where("data_type = 'BOOLEAN' and not boolean_value") }} as false_count
    from scores
    where session_id is not null
    group by project_id, session_id, score_name, subject_kind, source, data_type
),

final as (
    select
        session_scores.project_id,
        session_scores.session_id,
        sessions.user_id,
        sessions.environment,
        sessions.session_date,
        sessions.trace_count,
        session_scores.score_name,
        session_scores.subject_kind,
        session_scores.source,
        session_scores.data_type,
        session_scores.score_count,
        session_scores.scored_trace_count,
        session_scores.avg_value,
        session_scores.min_value,
        session_scores.max_value,
        session_scores.true_count,
        session_scores.false_count,
        {{ langfuse_warehouse.ratio('session_scores.true_count', 'session_scores.true_count + session_scores.false_count') }}
            as true_rate
    from session_scores
    left join sessions
        on session_scores.project_id = sessions.project_id
        and session_scores.session_id = sessions.session_id
)

select * from final
