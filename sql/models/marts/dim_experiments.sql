-- dim_experiments: experiments (dataset runs) with their size, speed and spend.
-- grain: one row per experiment
-- key: project_id, experiment_id

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

item_totals as (
    select
        project_id,
        experiment_id,
        count(*) as item_count,
        {{ langfuse_warehouse.count_where("has_error") }} as items_with_error_count,
        avg(latency_seconds) as avg_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.5) }} as p50_latency_seconds,
        {{ langfuse_warehouse.percentile('latency_seconds', 0.95) }} as p95_latency_seconds,
        sum(total_tokens)::bigint as total_tokens,
        sum(total_cost_usd) as total_cost_usd,
        min(start_time) as first_item_at,
        max(start_time) as last_item_at
    from experiment_items
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
        coalesce(item_totals.items_with_error_count, 0) as items_with_error_count,
        item_totals.avg_latency_seconds,
        item_totals.p50_latency_seconds,
        item_totals.p95_latency_seconds,
        item_totals.total_tokens,
        item_totals.total_cost_usd,
        item_totals.first_item_at,
        item_totals.last_item_at
    from experiments
    left join datasets
        on experiments.project_id = datasets.project_id
        and experiments.dataset_id = datasets.dataset_id
    left join item_totals
        on experiments.project_id = item_totals.project_id
        and experiments.experiment_id = item_totals.experiment_id
)

select * from final
