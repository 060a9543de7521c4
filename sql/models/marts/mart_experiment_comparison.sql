-- mart_experiment_comparison: each candidate experiment against its dataset's baseline, per score,
-- from the item-by-item comparison in int_experiment_item_score_deltas.
-- grain: one row per baseline experiment, candidate experiment and score (name, source, data type)
-- key: project_id, dataset_id, baseline_experiment_id, candidate_experiment_id, score_name, source, data_type
-- The baseline is the dataset's first run unless the dbt var `experiment_baselines` names one
-- (baseline_choice says which). Items count as compared only when both runs ran the same version of the
-- dataset item and both have the score; the other items are counted by reason, and coverage is the
-- share of the baseline's items that were compared. win = the candidate scored higher on an item, loss
-- = lower, tie = equal; win_rate is wins over decided items (wins + losses), ties left out. The 95 %
-- confidence interval of the mean per-item delta (paired t interval) says whether the difference is
-- more than noise: is_significant when it excludes 0. For scores where lower is better, read wins as
-- losses. Nothing here adds up across rows.

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
        {{ langfuse_warehouse.any_value('baseline_choice') }} as baseline_choice,
        candidate_experiment_id,
        {{ langfuse_warehouse.any_value('candidate_experiment_name') }} as candidate_experiment_name,
        score_name,
        source,
        data_type,
        {{ langfuse_warehouse.count_where("comparison_status <> 'not_in_baseline'") }} as baseline_item_count,
        {{ langfuse_warehouse.count_where("comparison_status <> 'not_in_candidate'") }} as candidate_item_count,
        {{ langfuse_warehouse.count_where("comparison_status = 'compared'") }} as items_compared,
        {{ langfuse_warehouse.count_where("comparison_status = 'item_version_changed'") }} as items_version_changed,
        {{ langfuse_warehouse.count_where(
            "comparison_status in ('unscored_in_baseline', 'unscored_in_both')"
        ) }} as items_unscored_in_baseline,
        {{ langfuse_warehouse.count_where(
            "comparison_status in ('unscored_in_candidate', 'unscored_in_both')"
        ) }} as items_unscored_in_candidate,
        {{ langfuse_warehouse.count_where("comparison_status = 'not_in_candidate'") }} as items_not_in_candidate,
        {{ langfuse_warehouse.count_where("comparison_status = 'not_in_baseline'") }} as items_not_in_baseline,
        avg(case when comparison_status = 'compared' then baseline_value end) as baseline_avg_score,
        avg(case when comparison_status = 'compared' then candidate_value end) as candidate_avg_score,
        avg(score_delta) as avg_delta,
        {{ langfuse_warehouse.percentile('score_delta', 0.5) }} as median_delta,
        min(score_delta) as min_delta,
        max(score_delta) as max_delta,
        stddev_samp(score_delta) as stddev_delta,
        {{ langfuse_warehouse.count_where('score_delta > 0') }} as wins,
        {{ langfuse_warehouse.count_where('score_delta < 0') }} as losses,
        {{ langfuse_warehouse.count_where('score_delta = 0') }} as ties,
        avg(latency_delta_seconds) as avg_latency_delta_seconds,
        avg(cost_delta_usd) as avg_cost_delta_usd
    from deltas
    group by
        project_id, dataset_id, baseline_experiment_id, candidate_experiment_id, score_name, source, data_type
),

with_interval as (
    select
        *,
        stddev_delta / sqrt(items_compared) as stderr_delta,
        {{ langfuse_warehouse.t_critical_95('items_compared - 1') }} as t_critical_95
    from compared
),

final as (
    select
        with_interval.project_id,
        with_interval.dataset_id,
        datasets.dataset_name,
        with_interval.baseline_experiment_id,
        with_interval.baseline_experiment_name,
        with_interval.baseline_choice,
        with_interval.candidate_experiment_id,
        with_interval.candidate_experiment_name,
        with_interval.score_name,
        with_interval.source,
        with_interval.data_type,
        with_interval.baseline_item_count,
        with_interval.candidate_item_count,
        with_interval.items_compared,
        {{ langfuse_warehouse.ratio('with_interval.items_compared', 'with_interval.baseline_item_count') }} as coverage,
        with_interval.items_version_changed,
        with_interval.items_unscored_in_baseline,
        with_interval.items_unscored_in_candidate,
        with_interval.items_not_in_candidate,
        with_interval.items_not_in_baseline,
        with_interval.baseline_avg_score,
        with_interval.candidate_avg_score,
        with_interval.avg_delta,
        with_interval.median_delta,
        with_interval.min_delta,
        with_interval.max_delta,
        with_interval.stddev_delta,
        with_interval.stderr_delta,
        with_interval.avg_delta - with_interval.t_critical_95 * with_interval.stderr_delta as ci95_low_delta,
        with_interval.avg_delta + with_interval.t_critical_95 * with_interval.stderr_delta as ci95_high_delta,
        coalesce(
            with_interval.avg_delta - with_interval.t_critical_95 * with_interval.stderr_delta > 0
            or with_interval.avg_delta + with_interval.t_critical_95 * with_interval.stderr_delta < 0,
            false
        ) as is_significant,
        with_interval.wins,
        with_interval.losses,
        with_interval.ties,
        with_interval.wins + with_interval.losses as decided_items,
        {{ langfuse_warehouse.ratio('with_interval.wins', 'with_interval.wins + with_interval.losses') }} as win_rate,
        with_interval.avg_latency_delta_seconds,
        with_interval.avg_cost_delta_usd
    from with_interval
    left join datasets
        on with_interval.project_id = datasets.project_id
        and with_interval.dataset_id = datasets.dataset_id
)

select * from final
