-- dim_experiments: experiments (dataset runs) with their size, failures, speed, spend and the scores
-- given to the experiment as a whole.
-- grain: one row per experiment
-- key: project_id, experiment_id
-- failed_item_count counts items whose run failed (fct_experiment_items.is_failed); failure_rate is
-- that over item_count. experiment_scores maps '<score name> (<SOURCE>)' to the average of the scores
-- whose subject is the experiment itself (NUMERIC values; BOOLEAN as the fraction true); per-item
-- scores are in mart_experiment_summary. Counts, tokens and cost add up across experiments; rates,
-- latencies and scores do not. Latency percentiles come with timed_item_count beside them.

with

experiments as (
    select * from {{ ref('stg_experiments') }}
),

datasets as (
    select * from {{ ref('stg_datasets') }}
),

experiment_items as (
    select * from {{ ref('fct_experiment_items') }}
),

scores as (
    select * from {{ ref('stg_scores') }}
),

item_totals as (
    select
        project_id,
        experiment_id,
        count(*) as item_count,
        {{ langfuse_warehouse.count_where('is_failed') }} as failed_item_count,
        {{ langfuse_warehouse.count_where('has_errored_observation') }} as items_with_error_count,
        count(latency_seconds) as timed_item_count,
        avg(latency_seconds) as avg_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(total_cost_usd) as total_cost_usd,
        min(start_time) as first_item_at,
        max(start_time) as last_item_at
    from experiment_items
    group by project_id, experiment_id
),

experiment_score_values as (
    select
        project_id,
        experiment_id,
        score_name || ' (' || source || ')' as score_key,
        avg(
            case
                when data_type = 'NUMERIC' then value_numeric
                when data_type = 'BOOLEAN' and value_boolean then 1.0
                when data_type = 'BOOLEAN' and not value_boolean then 0.0
            end
        ) as score_value
    from scores
    where experiment_id is not null
        and trace_id is null
        and data_type in ('NUMERIC', 'BOOLEAN')
    group by project_id, experiment_id, score_name, source
),

experiment_scores as (
    select
        project_id,
        experiment_id,
        {{ langfuse_warehouse.map_agg_where_not_null('score_key', 'score_value') }} as experiment_scores
    from experiment_score_values
    group by project_id, experiment_id
),

final as (
    select
        experiments.project_id,
        experiments.experiment_id,
        experiments.experiment_name,
        experiments.experiment_description,
        experiments.dataset_id,
        datasets.dataset_name,
        experiments.start_time,
        experiments.end_time,
        experiments.metadata,
        coalesce(item_totals.item_count, 0) as item_count,
        coalesce(item_totals.failed_item_count, 0) as failed_item_count,
        {{ langfuse_warehouse.ratio('item_totals.failed_item_count', 'item_totals.item_count') }} as failure_rate,
        coalesce(item_totals.items_with_error_count, 0) as items_with_error_count,
        coalesce(item_totals.timed_item_count, 0) as timed_item_count,
        item_totals.avg_latency_seconds,
        item_totals.p50_latency_seconds,
        item_totals.p95_latency_seconds,
        item_totals.total_tokens,
        item_totals.total_cost_usd,
        item_totals.first_item_at,
        item_totals.last_item_at,
        experiment_scores.experiment_scores
    from experiments
    left join datasets
        on experiments.project_id = datasets.project_id
        and experiments.dataset_id = datasets.dataset_id
    left join item_totals
        on experiments.project_id = item_totals.project_id
        and experiments.experiment_id = item_totals.experiment_id
    left join experiment_scores
        on experiments.project_id = experiment_scores.project_id
        and experiments.experiment_id = experiment_scores.experiment_id
)

select * from final
