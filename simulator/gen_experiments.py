"""Dataset items and experiments (dataset runs) whose items are traces in ``sdk-experiment``.

Item history is simulated so that runs differ: some items are edited between runs (the later run
sees a newer ``experimentItemVersion``), some are archived (later runs skip them, the store keeps them
ARCHIVED), and some are copied from production traces (``sourceTraceId``). Every dataset with runs has
at least two, so that runs can be compared item by item.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from simulator import gen_text as text
from simulator.gen_common import MS_PER_HOUR, MS_PER_MINUTE, cuid, iso_ms, parse_iso_ms, trace_id, uuid_str
from simulator.gen_scores import ScoreFactory, experiment_subject, observation_subject, trace_subject
from simulator.gen_traces import BuiltTrace, TraceAttrs, TraceFactory
from simulator.store import Row

EXPERIMENT_ENVIRONMENT = "sdk-experiment"  # what the SDK's run_experiment tags its traces with
# dataset name -> (trace shape, run time as fractions of the range, model per run)
RUN_PLANS: dict[str, tuple[str, list[float], list[str]]] = {
    "support-faq": (
        "rag",
        [0.30, 0.60, 0.88],
        ["gpt-4o-mini", "gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022"],
    ),
    "agent-tasks": ("agent", [0.50, 0.80], ["o3-mini", "gpt-4o"]),
}
EDIT_FRACTION = 0.45
ARCHIVE_FRACTION = 0.70


@dataclass
class ItemHistory:
    row: Row
    created_ms: int
    edited_ms: int | None = None
    archived_ms: int | None = None

    def visible_at(self, ms: int) -> bool:
        return self.created_ms <= ms and (self.archived_ms is None or self.archived_ms > ms)

    def version_at(self, ms: int) -> int:
        return self.edited_ms if self.edited_ms is not None and self.edited_ms <= ms else self.created_ms


@dataclass
class ExperimentRows:
    dataset_items: list[Row] = field(default_factory=list)
    experiments: list[Row] = field(default_factory=list)
    experiment_items: list[Row] = field(default_factory=list)
    traces: list[BuiltTrace] = field(default_factory=list)
    scores: list[Row] = field(default_factory=list)


def experiment_trace_count(items_per_dataset: int) -> int:
    """Upper bound on traces the experiments create (each run covers at most every item)."""
    return sum(len(fractions) for _, fractions, _ in RUN_PLANS.values()) * items_per_dataset


def build_experiments(
    rng: random.Random,
    datasets: list[Row],
    factory: TraceFactory,
    scores: ScoreFactory,
    production: list[BuiltTrace],
    items_per_dataset: int,
    start_ms: int,
    end_ms: int,
    release: str,
) -> ExperimentRows:
    out = ExperimentRows()
    span = end_ms - start_ms
    for dataset in datasets:
        count = items_per_dataset if dataset["name"] in RUN_PLANS else max(3, items_per_dataset // 4)
        histories = _items(rng, dataset, count, production, start_ms, span, end_ms)
        out.dataset_items.extend(history.row for history in histories)
        plan = RUN_PLANS.get(dataset["name"])
        if plan is None:
            continue
        shape, fractions, models = plan
        for run_index, (fraction, model) in enumerate(zip(fractions, models, strict=True)):
            run_ms = start_ms + int(span * fraction)
            _run(rng, out, dataset, histories, factory, scores, shape, run_index, run_ms, model, release)
    return out


def _items(
    rng: random.Random,
    dataset: Row,
    count: int,
    production: list[BuiltTrace],
    start_ms: int,
    span: int,
    end_ms: int,
) -> list[ItemHistory]:
    histories = []
    base = parse_iso_ms(dataset["createdAt"])
    for index in range(count):
        created = base + index * 10 * MS_PER_MINUTE
        source_trace = source_observation = None
        if production and index % 4 == 3:  # copied from a production trace ("add to dataset")
            built = rng.choice(production)
            source_trace = built.trace["id"]
            answers = [row for row in built.observations if row["type"] == "GENERATION"]
            source_observation = answers[-1]["id"] if answers and rng.random() < 0.5 else None
            created = min(
                parse_iso_ms(built.trace["updatedAt"]) + rng.randint(MS_PER_HOUR, 24 * MS_PER_HOUR), end_ms
            )
        history = ItemHistory({}, created)
        if index % 7 == 2:
            history.edited_ms = max(created, start_ms + int(span * EDIT_FRACTION)) + rng.randint(
                0, MS_PER_HOUR
            )
        if index % 9 == 4:
            history.archived_ms = max(created, start_ms + int(span * ARCHIVE_FRACTION)) + rng.randint(
                0, MS_PER_HOUR
            )
        updated = max(t for t in (created, history.edited_ms, history.archived_ms) if t is not None)
        question = text.QUESTIONS[index % len(text.QUESTIONS)]
        history.row = {
            "id": uuid_str(rng),
            "status": "ARCHIVED" if history.archived_ms is not None else "ACTIVE",
            "input": {"question": question, "locale": rng.choice(["en", "ja", "es", "ar"])}
            if dataset["name"] != "agent-tasks"
            else {"task": question, "tools": rng.sample(text.TOOL_NAMES, 2)},
            "expectedOutput": {"answer": text.ANSWER_SENTENCES[index % len(text.ANSWER_SENTENCES)]}
            if index % 5
            else text.ANSWER_SENTENCES[index % len(text.ANSWER_SENTENCES)],
            "metadata": {
                "difficulty": rng.choice(["easy", "medium", "hard"]),
                "topic": rng.choice(["billing", "shipping", "account", "配送"]),
                "reviewed": history.edited_ms is not None,
            },
            "sourceTraceId": source_trace,
            "sourceObservationId": source_observation,
            "datasetId": dataset["id"],
            "datasetName": dataset["name"],
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "mediaReferences": [],
        }
        histories.append(history)
    return histories


def _run(
    rng: random.Random,
    out: ExperimentRows,
    dataset: Row,
    histories: list[ItemHistory],
    factory: TraceFactory,
    scores: ScoreFactory,
    shape: str,
    run_index: int,
    run_ms: int,
    model: str,
    release: str,
) -> None:
    experiment_id = cuid(rng)
    name = f"{dataset['name']} · {model} · run {run_index + 1}"
    description = (
        None
        if run_index == 1
        else f"Nightly eval of {dataset['name']} with {model} (prompt v{run_index + 2})."
    )
    metadata = {
        "model": model,
        "prompt": {"name": "rag-answer" if shape == "rag" else "agent-system", "version": run_index + 2},
        "git_sha": f"{rng.getrandbits(40):010x}",
        "temperature": 0.2,
    }
    quality = 0.6 + 0.12 * run_index  # later runs are better, so item-by-item deltas are visible
    item_rows: list[Row] = []
    accuracies: list[float] = []
    visible = [history for history in histories if history.visible_at(run_ms)]
    step_ms = rng.randint(2_000, 6_000)
    for position, history in enumerate(visible):
        item = history.row
        start = (
            run_ms + (position // 4) * step_ms + (0 if rng.random() < 0.5 else rng.randint(1, 3))
        )  # 4 concurrent workers
        root_metadata = {
            "experiment_id": experiment_id,
            "experiment_name": name,
            "experiment_item_id": item["id"],
            "dataset_item_id": item["id"],
            "dataset_id": dataset["id"],
        }
        attrs = TraceAttrs(
            trace_id(rng),
            "experiment-item-run",
            EXPERIMENT_ENVIRONMENT,
            None,
            None,
            ["experiment", dataset["name"]],
            release,
            None,
            start,
            metadata=root_metadata,
        )
        plan = factory.plan_rag() if shape == "rag" else factory.plan_agent()
        answer_text = item["expectedOutput"] if rng.random() < quality else {"answer": text.answer(rng, 1)}
        built = factory.build(attrs, plan, root_io=(item["input"], {"output": answer_text}))
        out.traces.append(built)
        root = built.root
        accuracy = round(min(1.0, max(0.0, rng.gauss(quality, 0.15))), 3)
        accuracies.append(accuracy)
        end_ms = parse_iso_ms(root["endTime"])
        item_scores = [
            scores.score(
                name="accuracy",
                data_type="NUMERIC",
                value=accuracy,
                source="EVAL",
                subject=trace_subject(root["traceId"]),
                environment=EXPERIMENT_ENVIRONMENT,
                timestamp_ms=end_ms + rng.randint(1_000, 30_000),
                comment=rng.choice(text.JUDGE_REASONS),
            ),
            scores.score(
                name="exact_match",
                data_type="BOOLEAN",
                value=answer_text == item["expectedOutput"],
                source="EVAL",
                subject=observation_subject(root),
                environment=EXPERIMENT_ENVIRONMENT,
                timestamp_ms=end_ms + rng.randint(1_000, 30_000),
            ),
        ]
        out.scores.extend(item_scores)
        item_rows.append(
            {
                "id": root["id"],
                "traceId": root["traceId"],
                "startTime": root["startTime"],
                "endTime": root["endTime"],
                "level": root["level"],
                "environment": EXPERIMENT_ENVIRONMENT,
                "experimentId": experiment_id,
                "experimentName": name,
                "experimentItemId": item["id"],
                "experimentDatasetId": dataset["id"],
                "experimentItemVersion": iso_ms(history.version_at(run_ms)),
                "input": item["input"],
                "output": {"output": answer_text},
                "expectedOutput": item["expectedOutput"],
                "metadata": dict(root["metadata"]),
                "experimentItemMetadata": item["metadata"],
                "experimentMetadata": metadata,
                "experimentDescription": description,
                "scores": [dict(score) for score in item_scores],
            }
        )
    out.experiment_items.extend(item_rows)
    last_end = max(parse_iso_ms(row["endTime"]) for row in item_rows)
    run_scores = [
        scores.score(
            name="avg_accuracy",
            data_type="NUMERIC",
            value=round(sum(accuracies) / len(accuracies), 4),
            source="API",
            subject=experiment_subject(experiment_id),
            environment=EXPERIMENT_ENVIRONMENT,
            timestamp_ms=last_end + 5_000,
        ),
        scores.score(
            name="regression",
            data_type="BOOLEAN",
            value=run_index == 0,
            source="API",
            subject=experiment_subject(experiment_id),
            environment=EXPERIMENT_ENVIRONMENT,
            timestamp_ms=last_end + 5_000,
        ),
    ]
    if run_index == 0:
        run_scores.append(
            scores.score(
                name="verdict",
                data_type="CATEGORICAL",
                value="needs-work",
                source="API",
                subject=experiment_subject(experiment_id),
                environment=EXPERIMENT_ENVIRONMENT,
                timestamp_ms=last_end + 6_000,
            )
        )
    out.scores.extend(run_scores)
    out.experiments.append(
        {
            "id": experiment_id,
            "name": name,
            "description": description,
            "startTime": min(row["startTime"] for row in item_rows),
            "endTime": max(row["endTime"] for row in item_rows),
            "itemCount": len(item_rows),
            "datasetId": dataset["id"],
            "metadata": metadata,
            "scores": [dict(score) for score in run_scores],
        }
    )
