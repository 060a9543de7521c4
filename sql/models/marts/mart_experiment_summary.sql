-- mart_experiment_summary: how each experiment scored, one row per score name, with the
-- experiment's size, latency and cost alongside.
-- grain: one row per experiment and score name
-- key: project_id, experiment_id, score_name
-- item_count, avg_latency_seconds and total_cost_usd describe the whole experiment and repeat on each
-- score name's row: never sum them across score names (dim_experiments has them once).

with

experiments as (
    select * from {{ ref('dim_experiments') }}
),

item_scores as (
    select * from {{ ref('int_experiment_item_scores') }}
),

score_totals as (
    select
        project_id,
        experiment_id,
        score_name,
        {{ langfuse_warehouse.any_value('data_type') }} as data_type,
        count(*) as scored_item_count,
        avg(numeric_value) as avg_score,
        min(numeric_value) as min_score,
        max(numeric_value) as max_score,
        {{ langfuse_warehouse.percentile('numeric_value', 0.5) }} as p50_score,
        stddev_samp(numeric_value) as stddev_score
    from item_scores
    group by project_id, experiment_id, score_name
),

final as (
    select
        score_totals.project_id,
        score_totals.experiment_id,
        experiments.experiment_name,
        experiments.dataset_id,
        experiments.dataset_name,
        experiments.start_time as experiment_start_time,
        score_totals.score_name,
        score_totals.data_type,
        experiments.item_count,
        score_totals.scored_item_count,
        score_totals.avg_score,
        score_totals.min_score,
        score_totals.max_score,
        score_totals.p50_score,
        score_totals.stddev_score,
        experiments.avg_latency_seconds,
        experiments.p95_latency_seconds,
        experiments.total_cost_usd,
        experiments.total_cost_usd / nullif(experiments.item_count, 0) as avg_cost_per_item_usd
    from score_totals
    inner join experiments
        on score_totals.project_id = experiments.project_id
        and score_totals.experiment_id = experiments.experiment_id
)

select * from final
