-- mart_score_categories_daily: how CATEGORICAL scores split across their categories, per day of the
-- scored activity.
-- grain: one row per project, UTC day of the scored activity, environment, score name, subject kind,
-- source and category
-- key: project_id, subject_date, environment, score_name, subject_kind, source, category
-- share is the category's fraction of that day's scores of that name, subject kind, source and
-- environment (shares sum to 1 over the categories of one such slice). score_count adds up across
-- rows; share and day_score_count do not.

-- A table, not incremental: it groups by the scored trace's day, while changes are tracked by the
-- score's own day; rebuilt from fct_scores (incremental) on every run.

with

scores as (
    select * from {{ ref('fct_scores') }}
),

category_counts as (
    select
        project_id,
        subject_date,
        environment,
        score_name,
        subject_kind,
        source,
        categorical_value as category,
        count(*) as score_count
    from scores
    where data_type = 'CATEGORICAL'
        and categorical_value is not null
    group by project_id, subject_date, environment, score_name, subject_kind, source, categorical_value
),

with_day_totals as (
    select
        *,
        cast(sum(score_count) over (
            partition by project_id, subject_date, environment, score_name, subject_kind, source
        ) as bigint) as day_score_count
    from category_counts
),

final as (
    select
        project_id,
        subject_date,
        environment,
        score_name,
        subject_kind,
        source,
        category,
        score_count,
        day_score_count,
        {{ langfuse_warehouse.ratio('score_count', 'day_score_count') }} as share
    from with_day_totals
)

select * from final
