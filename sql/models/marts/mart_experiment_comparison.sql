-- mart_experiment_comparison: candidate vs baseline experiment on the same dataset, per score name,
-- from per-dataset-item deltas (candidate minus baseline; the items are in int_experiment_item_score_deltas).
-- grain: one row per dataset, baseline experiment, candidate experiment and score name
-- key: project_id, dataset_id, baseline_experiment_id, candidate_experiment_id, score_name
-- win = the candidate scored higher on an item, loss = lower, tie = equal. For scores where lower is
-- better (error rates, hallucination), read wins as losses.

with

deltas as (
    select * from {{ ref('int_experiment_item_score_deltas') }}
),

datasets as (
    select * from {{ ref('stg_datasets') }}
),

compared as (
    select
        project_id,
        dataset_id,
        baseline_experiment_id,
        {{ langfuse_warehouse.any_value('baseline_experiment_name') }} as baseline_experiment_name,
        candidate_experiment_id,
        {{ langfuse_warehouse.any_value('candidate_experiment_name') }} as candidate_experiment_name,
        score_name,
        count(*) as items_compared,
        avg(baseline_value) as baseline_avg_score,
        avg(candidate_value) as candidate_avg_score,
        avg(score_delta) as avg_delta,
        {{ langfuse_warehouse.percentile('score_delta', 0.5) }} as median_delta,
        min(score_delta) as min_delta,
        max(score_delta) as max_delta,
        {{ langfuse_warehouse.count_where("score_delta > 0") }} as wins,
        {{ langfuse_warehouse.count_where("score_delta < 0") }} as losses,
        {{ langfuse_warehouse.count_where("score_delta = 0") }} as ties,
        avg(latency_delta_seconds) as avg_latency_delta_seconds,
        avg(cost_delta_usd) as avg_cost_delta_usd
    from deltas
    group by project_id, dataset_id, baseline_experiment_id, candidate_experiment_id, score_name
),

final as (
    select
        compared.project_id,
        compared.dataset_id,
        datasets.dataset_name,
        compared.baseline_experiment_id,
        compared.baseline_experiment_name,
        compared.candidate_experiment_id,
        compared.candidate_experiment_name,
        compared.score_name,
        compared.items_compared,
        compared.baseline_avg_score,
        compared.candidate_avg_score,
        compared.avg_delta,
        compared.median_delta,
        compared.min_delta,
        compared.max_delta,
        compared.wins,
        compared.losses,
        compared.ties,
        {{ langfuse_warehouse.ratio('compared.wins', 'compared.items_compared') }} as win_rate,
        compared.avg_latency_delta_seconds,
        compared.avg_cost_delta_usd
    from compared
    left join datasets
        on compared.project_id = datasets.project_id
        and compared.dataset_id = datasets.dataset_id
)

select * from final
