-- mart_score_categories_daily: how CATEGORICAL scores split across their categories, per day.
-- grain: one row per project, UTC day, score name, source and category
-- key: project_id, score_date, score_name, source, category
-- share is the category's fraction of that day's scores of that name and source (shares sum to 1).

-- Incremental: each run rebuilds the UTC days with raw rows changed since the last (macros/incremental.sql).
{% set changed_days = {'table': 'scores', 'day': 'timestamp', 'through_traces': true} %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_changed_days',
    unique_key='score_date',
    on_schema_change='fail',
    meta={'changed_days': changed_days},
) }}

with

scores as (
    select * from {{ ref('fct_scores') }}
    where true {{ langfuse_warehouse.changed_days_filter('score_date', changed_days) }}
),

category_counts as (
    select
        project_id,
        score_date,
        score_name,
        source,
        categorical_value as category,
        count(*) as score_count
    from scores
    where data_type = 'CATEGORICAL'
        and categorical_value is not null
    group by project_id, score_date, score_name, source, categorical_value
),

with_day_totals as (
    select
        *,
        (sum(score_count) over (partition by project_id, score_date, score_name, source))::bigint as day_score_count
    from category_counts
),

final as (
    select
        project_id,
        score_date,
        score_name,
        source,
        category,
        score_count,
        day_score_count,
        {{ langfuse_warehouse.ratio('score_count', 'day_score_count') }} as share
    from with_day_totals
)

select
    *,
    -- The incremental watermark (macros/incremental.sql).
    {{ langfuse_warehouse.changed_through(changed_days) }} as _changed_through
from final
