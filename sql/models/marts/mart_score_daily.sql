-- mart_score_daily: score volume and value distribution per day of the scored activity, for
-- quality-over-time dashboards.
-- grain: one row per project, UTC day of the scored activity, environment, score name, subject kind,
-- source and data type
-- key: project_id, subject_date, environment, score_name, subject_kind, source, data_type
-- subject_date is the day of what was scored (fct_scores), so an annotation made two days later counts
-- on the day of its trace. Sources (EVAL, ANNOTATION, API) and subjects (observation, trace, session,
-- experiment) of one score name are kept apart: an LLM judge and a human are different instruments.
-- Numeric statistics are for NUMERIC scores only; BOOLEAN scores have true/false counts and a true
-- rate (no percentiles of 0/1); CATEGORICAL ones are split in mart_score_categories_daily.
-- score_count, numeric_value_count, true_count and false_count add up across rows; trace_count,
-- averages, percentiles and rates do not (recompute them from fct_scores for a wider slice).

-- A table, not incremental: it groups by the scored trace's day, while changes are tracked by the
-- score's own day; rebuilt from fct_scores (incremental) on every run.

with

scores as (
    select * from {{ ref('fct_scores') }}
),

daily as (
    select
        project_id,
        subject_date,
        environment,
        score_name,
        subject_kind,
        source,
        data_type,
        count(*) as score_count,
        count(distinct trace_id) as trace_count,
        {{ langfuse_warehouse.count_where("data_type = 'NUMERIC' and numeric_value is not null") }} as numeric_value_count,
        avg(case when data_type = 'NUMERIC' then numeric_value end) as avg_value,
        min(case when data_type = 'NUMERIC' then numeric_value end) as min_value,
        max(case when data_type = 'NUMERIC' then numeric_value end) as max_value,
        {{ langfuse_warehouse.percentile("case when data_type = 'NUMERIC' then numeric_value end", 0.5) }} as p50_value,
        stddev_samp(case when data_type = 'NUMERIC' then numeric_value end) as stddev_value,
        {{ langfuse_warehouse.count_where("data_type = 'BOOLEAN' and boolean_value") }} as true_count,
        {{ langfuse_warehouse.count_where("data_type = 'BOOLEAN' and not boolean_value") }} as false_count
    from scores
    group by project_id, subject_date, environment, score_name, subject_kind, source, data_type
),

final as (
    select
        *,
        {{ langfuse_warehouse.ratio('true_count', 'true_count + false_count') }} as true_rate
    from daily
)

select * from final
