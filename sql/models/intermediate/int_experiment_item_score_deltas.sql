-- int_experiment_item_score_deltas: for every ordered pair of experiments on the same dataset, each
-- dataset item both ran, and each numeric score both have: the candidate's value minus the baseline's.
-- grain: one row per dataset item, baseline experiment, candidate experiment and score name
-- key: project_id, dataset_id, baseline_experiment_id, candidate_experiment_id, dataset_item_id, score_name
-- Both orders of a pair are present, so a dashboard picks the baseline with a single filter. An item run
-- several times in one experiment contributes its average.

with

experiment_items as (
    select * from {{ ref('fct_experiment_items') }}
),

item_scores as (
    select * from {{ ref('int_experiment_item_scores') }}
),

per_dataset_item as (
    select
        experiment_items.project_id,
        experiment_items.dataset_id,
        experiment_items.experiment_id,
        {{ langfuse_warehouse.any_value('experiment_items.experiment_name') }} as experiment_name,
        experiment_items.dataset_item_id,
        item_scores.score_name,
        avg(item_scores.numeric_value) as score_value,
        avg(experiment_items.latency_seconds) as latency_seconds,
        avg(experiment_items.total_cost_usd) as cost_usd
    from experiment_items
    inner join item_scores
        on experiment_items.project_id = item_scores.project_id
        and experiment_items.experiment_id = item_scores.experiment_id
        and experiment_items.experiment_item_id = item_scores.experiment_item_id
    where item_scores.numeric_value is not null
        and experiment_items.dataset_id is not null
        and experiment_items.dataset_item_id is not null
    group by
        experiment_items.project_id,
        experiment_items.dataset_id,
        experiment_items.experiment_id,
        experiment_items.dataset_item_id,
        item_scores.score_name
),

paired as (
    select
        baseline.project_id,
        baseline.dataset_id,
        baseline.experiment_id as baseline_experiment_id,
        baseline.experiment_name as baseline_experiment_name,
        candidate.experiment_id as candidate_experiment_id,
        candidate.experiment_name as candidate_experiment_name,
        baseline.dataset_item_id,
        baseline.score_name,
        baseline.score_value as baseline_value,
        candidate.score_value as candidate_value,
        candidate.score_value - baseline.score_value as score_delta,
        baseline.latency_seconds as baseline_latency_seconds,
        candidate.latency_seconds as candidate_latency_seconds,
        candidate.latency_seconds - baseline.latency_seconds as latency_delta_seconds,
        baseline.cost_usd as baseline_cost_usd,
        candidate.cost_usd as candidate_cost_usd,
        candidate.cost_usd - baseline.cost_usd as cost_delta_usd
    from per_dataset_item as baseline
    inner join per_dataset_item as candidate
        on baseline.project_id = candidate.project_id
        and baseline.dataset_id = candidate.dataset_id
        and baseline.dataset_item_id = candidate.dataset_item_id
        and baseline.score_name = candidate.score_name
        and baseline.experiment_id <> candidate.experiment_id
)

select * from paired
