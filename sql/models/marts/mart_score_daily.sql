-- mart_score_daily: score volume and value distribution per day, for score-over-time dashboards.
-- grain: one row per project, UTC day, score name, source and data type
-- key: project_id, score_date, score_name, source, data_type
-- Percentiles do not add up across rows: filter to one score name, never sum or average them.

with

scores as (
    select * from {{ ref('fct_scores') }}
),

daily as (
    select
        project_id,
        score_date,
        score_name,
        source,
        data_type,
        count(*) as score_count,
        count(distinct trace_id) as trace_count,
        -- Numeric statistics cover NUMERIC and BOOLEAN (1/0) scores and CATEGORICAL mapped values.
        count(value_numeric) as numeric_value_count,
        avg(value_numeric) as avg_value,
        min(value_numeric) as min_value,
        max(value_numeric) as max_value,
        {{ langfuse_warehouse.percentile('value_numeric', 0.5) }} as p50_value,
        stddev_samp(value_numeric) as stddev_value,
        {{ langfuse_warehouse.count_where("boolean_value") }} as true_count,
        {{ langfuse_warehouse.count_where("not boolean_value") }} as false_count,
        avg(case when boolean_value then 1.0 when not boolean_value then 0.0 end) as true_rate
    from scores
    group by project_id, score_date, score_name, source, data_type
)

select * from daily
