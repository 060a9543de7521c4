-- mart_experiment_summary: how each experiment scored, one row per score, with the experiment's size,
-- failures, latency and cost alongside.
-- grain: one row per experiment and score (name, source, data type)
-- key: project_id, experiment_id, score_name, source, data_type
-- Item scores come from int_experiment_item_scores: sources and data types apart, NUMERIC values
-- averaged, BOOLEAN scores as the fraction true (avg_score is the true rate; no p50 or stddev),
-- CATEGORICAL and TEXT scores with no numeric statistics. scored_item_share is scored items over all
-- items of the experiment. item_count, failures, latency and cost describe the whole experiment and
-- repeat on each score's row: never sum them across rows (dim_experiments has them once).

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
        source,
        data_type,
        count(*) as scored_item_count,
        avg(numeric_value) as avg_score,
        min(numeric_value) as min_score,
        max(numeric_value) as max_score,
        -- A median of 0/1 values says nothing a true rate does not: NUMERIC scores only.
        {{ langfuse_warehouse.percentile("case when data_type = 'NUMERIC' then numeric_value end", 0.5) }} as p50_score,
        stddev_samp(case when data_type = 'NUMERIC' then numeric_value end) as stddev_score
    from item_scores
    group by project_id, experiment_id, score_name, source, data_type
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
        score_totals.source,
        score_totals.data_type,
        experiments.item_count,
        score_totals.scored_item_count,
        {{ langfuse_warehouse.ratio('score_totals.scored_item_count', 'experiments.item_count') }} as scored_item_share,
        score_totals.avg_score,
        score_totals.min_score,
        score_totals.max_score,
        score_totals.p50_score,
        score_totals.stddev_score,
        experiments.failed_item_count,
        experiments.failure_rate,
        experiments.avg_latency_seconds,
        experiments.p95_latency_seconds,
        experiments.total_cost_usd,
        {{ langfuse_warehouse.ratio('experiments.total_cost_usd', 'experiments.item_count') }} as avg_cost_per_item_usd
    from score_totals
    inner join experiments
        on score_totals.project_id = experiments.project_id
        and score_totals.experiment_id = experiments.experiment_id
)

select * from final
