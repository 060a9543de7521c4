"""The synthetic data set: deterministic, complete at small sizes, referentially consistent, and shaped
exactly as the Langfuse API (and the official SDK's models) expect."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections import Counter
from pathlib import Path

import orjson
import pytest

from simulator.gen_catalog import Catalog
from simulator.gen_common import parse_iso_ms
from simulator.generator import DEFAULT_END, generate
from simulator.truth import ENTITY_FIELDS

SPEC_PATH = Path("/work/shared/langfuse-openapi.yml")
OBSERVATION_TYPES = {
    "SPAN",
    "GENERATION",
    "EVENT",
    "AGENT",
    "TOOL",
    "CHAIN",
    "RETRIEVER",
    "EVALUATOR",
    "EMBEDDING",
    "GUARDRAIL",
}
END_MS = parse_iso_ms("2026-11-16T00:00:00.000Z")


@pytest.fixture(scope="module")
def store():
    return generate(traces=200)


@pytest.fixture(scope="module")
def by_trace(store):
    grouped: dict[str, list[dict]] = {}
    for row in store.observations:
        grouped.setdefault(row["traceId"], []).append(row)
    return grouped


def fingerprint(store) -> dict[str, str]:
    return {name: hashlib.sha256(orjson.dumps(getattr(store, name))).hexdigest() for name in ENTITY_FIELDS}


# ----- determinism and size -------------------------------------------------------------------------
def test_the_same_arguments_give_byte_identical_data_and_another_seed_differs(store):
    assert fingerprint(generate(traces=200)) == fingerprint(store)
    other = fingerprint(generate(seed=7, traces=200))
    assert other["observations"] != fingerprint(store)["observations"]
    assert other["scores"] != fingerprint(store)["scores"]


@pytest.mark.parametrize("traces", [1, 37, 200, 1500])
def test_the_trace_count_is_exact_and_observations_average_about_eight(traces):
    data = generate(traces=traces)
    assert len(data.traces) == traces
    assert len({row["id"] for row in data.traces}) == traces
    if traces >= 200:
        assert 7 <= len(data.observations) / traces <= 10


def test_every_timestamp_is_before_the_fixed_end_and_inside_the_range(store):
    start_ms = END_MS - 28 * 86_400_000
    for row in store.observations:
        assert start_ms <= parse_iso_ms(row["startTime"]) < END_MS
        assert parse_iso_ms(row["updatedAt"]) <= END_MS
    for row in store.scores:
        assert parse_iso_ms(row["timestamp"]) <= END_MS and parse_iso_ms(row["updatedAt"]) <= END_MS
    assert DEFAULT_END.isoformat() == "2026-11-16T00:00:00+00:00"


def test_timestamps_have_millisecond_precision_and_a_z(store):
    for row in store.observations[:300] + store.scores[:100] + store.traces[:50]:
        for key in ("startTime", "timestamp", "createdAt", "updatedAt"):
            if row.get(key):
                assert len(row[key]) == 24 and row[key].endswith("Z") and row[key][19] == "."


# ----- trace shapes ---------------------------------------------------------------------------------
def test_all_observation_types_of_the_spec_appear(store):
    assert {row["type"] for row in store.observations} == OBSERVATION_TYPES


def test_rag_and_agent_trees_nest_as_an_llm_app_does(store, by_trace):
    parent_child = Counter()
    for rows in by_trace.values():
        types = {row["id"]: row["type"] for row in rows}
        for row in rows:
            if row["parentObservationId"] and not row["isRootObservation"]:  # an app root's parent is upstream
                parent_child[(types[row["parentObservationId"]], row["type"])] += 1
    for pair in [
        ("SPAN", "RETRIEVER"),
        ("CHAIN", "RETRIEVER"),
        ("RETRIEVER", "EMBEDDING"),
        ("SPAN", "GENERATION"),
        ("AGENT", "GENERATION"),
        ("AGENT", "TOOL"),
        ("TOOL", "CHAIN"),
        ("CHAIN", "GENERATION"),
        ("AGENT", "GUARDRAIL"),
    ]:
        assert parent_child[pair] > 0, pair


def test_each_trace_has_one_root_and_parents_live_in_the_same_trace(store, by_trace):
    app_roots = 0
    for trace in store.traces:
        rows = by_trace[trace["id"]]
        roots = [row for row in rows if row["isRootObservation"]]
        assert len(roots) == 1
        assert roots[0]["startTime"] == trace["timestamp"]
        starts = {row["id"]: row["startTime"] for row in rows}
        # An app root called from an upstream service keeps that service's span as its parent: a span
        # this project never receives.
        assert roots[0]["parentObservationId"] is None or roots[0]["parentObservationId"] not in starts
        app_roots += roots[0]["parentObservationId"] is not None
        for row in rows:
            if not row["isRootObservation"]:
                assert row["parentObservationId"] in starts
                assert row["startTime"] >= starts[row["parentObservationId"]]
    assert 0 < app_roots < 0.1 * len(store.traces)


def test_trace_attributes_are_copied_onto_every_observation(store, by_trace):
    for trace in store.traces:
        for row in by_trace[trace["id"]]:
            assert (row["traceName"], row["tags"], row["release"]) == (
                trace["name"],
                trace["tags"],
                trace["release"],
            )
            assert (row["userId"], row["sessionId"], row["environment"]) == (
                trace["userId"],
                trace["sessionId"],
                trace["environment"],
            )
            assert row["projectId"] == trace["projectId"] == "proj-demo"


def test_latency_and_time_to_first_token_follow_the_timestamps(store):
    for row in store.observations:
        start = parse_iso_ms(row["startTime"])
        if row["endTime"] is None:
            assert row["latency"] is None
        else:
            assert parse_iso_ms(row["endTime"]) >= start
            assert row["latency"] == (parse_iso_ms(row["endTime"]) - start) / 1000
        if row["completionStartTime"]:
            completion = parse_iso_ms(row["completionStartTime"])
            assert start <= completion <= parse_iso_ms(row["endTime"])
            assert row["timeToFirstToken"] == (completion - start) / 1000
        else:
            assert row["timeToFirstToken"] is None
        assert parse_iso_ms(row["createdAt"]) >= start and row["updatedAt"] >= row["createdAt"]


def test_levels_status_messages_and_still_running_observations(store):
    levels = Counter(row["level"] for row in store.observations)
    assert {"DEFAULT", "DEBUG", "WARNING", "ERROR"} <= set(levels)
    for row in store.observations:
        assert (row["statusMessage"] is not None) == (row["level"] in ("WARNING", "ERROR"))
    running = [row for row in store.observations if row["endTime"] is None]
    assert running and all(row["output"] is None for row in running)


# ----- models, usage, cost, prompts -------------------------------------------------------------------
def test_generation_costs_are_usage_times_the_matched_models_price(store):
    catalog = Catalog.from_store(store)
    models = {row["id"]: row for row in store.models}
    priced = 0
    for row in store.observations:
        if row["type"] not in ("GENERATION", "EMBEDDING") or row["endTime"] is None:
            continue
        assert row["model"] and row["usageDetails"]["total"] == sum(
            v for k, v in row["usageDetails"].items() if k != "total"
        )
        model = catalog.model_for(row["model"], parse_iso_ms(row["startTime"]))
        assert row["internalModelId"] == row["modelId"] == (model["id"] if model else None)
        if model is None:
            assert row["costDetails"] == {} and row["totalCost"] == 0
            continue
        priced += 1
        tier = next(
            t
            for t in models[row["internalModelId"]]["pricingTiers"]
            if t["name"] == row["usagePricingTierName"]
        )
        for key, cost in row["costDetails"].items():
            if key != "total":
                assert math.isclose(
                    cost, row["usageDetails"][key] * tier["prices"][key], rel_tol=1e-9, abs_tol=1e-12
                )
        parts = [v for k, v in row["costDetails"].items() if k != "total"]
        assert math.isclose(row["costDetails"]["total"], sum(parts), abs_tol=1e-11)
        assert row["totalCost"] == row["costDetails"]["total"]
        assert row["inputUsage"] == sum(v for k, v in row["usageDetails"].items() if k.startswith("input"))
        assert row["outputUsage"] == sum(v for k, v in row["usageDetails"].items() if k.startswith("output"))
        assert row["inputPrice"] is not None and float(row["inputPrice"]) == tier["prices"]["input"]
    assert priced > 100


def test_usage_includes_cache_and_reasoning_keys_and_a_large_context_tier(store):
    keys = {key for row in store.observations for key in row["usageDetails"]}
    assert {
        "input",
        "output",
        "total",
        "input_cached_tokens",
        "output_reasoning_tokens",
        "input_cache_read",
    } <= keys
    assert {row["usagePricingTierName"] for row in generate(traces=1500).observations} >= {
        "Standard",
        "Large Context",
    }


def test_the_mid_range_price_change_applies_by_start_time(store):
    llama = {row["id"]: row for row in store.models if row["modelName"] == "acme-llama-3-70b"}
    used = {row["internalModelId"] for row in store.observations if row["internalModelId"] in llama}
    assert used == set(llama)


def test_prompt_links_name_a_version_that_existed_at_the_time(store):
    prompts = {row["id"]: row for row in store.prompts}
    linked = [row for row in store.observations if row["promptId"]]
    assert len(linked) > len([r for r in store.observations if r["type"] == "GENERATION"]) / 2
    for row in linked:
        prompt = prompts[row["promptId"]]
        assert (prompt["name"], prompt["version"]) == (row["promptName"], row["promptVersion"])
        assert prompt["createdAt"] <= row["startTime"]


# ----- users, sessions, time ----------------------------------------------------------------------------
def test_environments_users_sessions_tags_and_releases(store):
    assert {"production", "staging", "dev", "sdk-experiment"} == {row["environment"] for row in store.traces}
    users = {row["userId"] for row in store.traces} - {None}
    assert 10 <= len(users) <= 30
    per_session = Counter(row["sessionId"] for row in store.traces if row["sessionId"])
    assert max(per_session.values()) >= 3
    assert {row["id"] for row in store.sessions} == set(per_session)
    for session in store.sessions:
        first = min(row["timestamp"] for row in store.traces if row["sessionId"] == session["id"])
        assert session["createdAt"] == first and set(session) == {
            "id",
            "createdAt",
            "projectId",
            "environment",
        }
    assert len({tag for row in store.traces for tag in row["tags"]}) >= 6
    assert len({row["release"] for row in store.traces}) >= 4


def test_start_times_tie_a_lot(store):
    per_ms = Counter(row["timestamp"] for row in store.traces)
    assert max(per_ms.values()) >= 20, "a burst of traces starting in the same millisecond"
    whole_seconds = sum(ts.endswith(".000Z") for ts in per_ms.elements())
    assert whole_seconds > len(store.traces) / 2
    observation_ties = Counter((row["traceId"], row["startTime"]) for row in store.observations)
    assert sum(count > 1 for count in observation_ties.values()) > 50  # a child starting with its parent


def test_some_rows_were_updated_well_after_ingestion(store):
    def moved(row):
        return parse_iso_ms(row["updatedAt"]) - parse_iso_ms(row["createdAt"]) > 60_000

    assert any(moved(row) for row in store.observations)
    assert any(moved(row) for row in store.scores)
    assert any(moved(row) for row in store.dataset_items)


def test_observation_ids_repeat_across_traces_as_v4_allows_but_never_within_one(store):
    keys = [(row["traceId"], row["id"]) for row in store.observations]
    assert len(set(keys)) == len(keys)
    assert len({row["id"] for row in store.observations}) < len(keys)


# ----- text -------------------------------------------------------------------------------------------
def test_text_has_cjk_emoji_rtl_and_combining_marks(store):
    blob = "".join(row["input"] or "" for row in store.observations) + "".join(
        row["output"] or "" for row in store.observations
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in blob)  # CJK
    assert any(ord(ch) > 0xFFFF for ch in blob)  # emoji outside the BMP
    assert any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in blob)  # Hebrew / Arabic
    assert any(unicodedata.combining(ch) for ch in blob)


def test_io_is_raw_json_or_plain_text_and_generations_carry_chat_messages(store):
    kinds = Counter()
    for row in store.observations:
        for value in (row["input"], row["output"]):
            if value is None:
                continue
            assert isinstance(value, str)
            try:
                kinds[type(orjson.loads(value)).__name__] += 1
            except orjson.JSONDecodeError:
                kinds["plain"] += 1
    assert {"dict", "list", "plain"} <= set(kinds)
    chats = [orjson.loads(row["input"]) for row in store.observations if row["name"] == "generate-answer"]
    assert all(
        isinstance(chat, list) and chat[0]["role"] == "system" and chat[-1]["role"] == "user"
        for chat in chats
    )


def test_metadata_is_nested_and_often_longer_than_the_api_cut(store):
    long_rows = [
        row
        for row in store.observations
        if any(isinstance(v, str) and len(v) > 200 for v in row["metadata"].values())
    ]
    assert len(long_rows) > len(store.observations) / 5
    assert any(isinstance(v, dict) for row in store.observations for v in row["metadata"].values())


def test_heavy_payloads_exist_but_are_rare(store):
    sizes = [len(row["output"] or "") for row in store.observations]
    heavy = [size for size in sizes if size > 100_000]
    assert 1 <= len(heavy) <= max(1, len(sizes) // 1000)
    typical = sorted(sizes)[len(sizes) // 2]
    assert typical < 5_000


# ----- scores -------------------------------------------------------------------------------------------
def test_scores_cover_every_data_type_source_and_subject(store):
    assert {row["dataType"] for row in store.scores} == {
        "NUMERIC",
        "CATEGORICAL",
        "BOOLEAN",
        "TEXT",
        "CORRECTION",
    }
    assert {row["source"] for row in store.scores} == {"EVAL", "API", "ANNOTATION"}
    assert {row["subject"]["kind"] for row in store.scores} == {
        "trace",
        "observation",
        "session",
        "experiment",
    }
    value_types = {"NUMERIC": float, "BOOLEAN": bool, "CATEGORICAL": str, "TEXT": str, "CORRECTION": str}
    for row in store.scores:
        assert type(row["value"]) is value_types[row["dataType"]]


def test_scores_point_at_existing_objects_configs_and_queues(store):
    traces = {row["id"] for row in store.traces}
    observations = {(row["traceId"], row["id"]) for row in store.observations}
    sessions = {row["id"] for row in store.sessions}
    experiments = {row["id"] for row in store.experiments}
    configs = {row["id"]: row for row in store.score_configs}
    queues = {row["id"] for row in store.annotation_queues}
    for row in store.scores:
        subject = row["subject"]
        exists = {
            "trace": lambda s: s["id"] in traces,
            "observation": lambda s: (s["traceId"], s["id"]) in observations,
            "session": lambda s: s["id"] in sessions,
            "experiment": lambda s: s["id"] in experiments,
        }[subject["kind"]]
        assert exists(subject), row
        if row["configId"]:
            assert configs[row["configId"]]["dataType"] == row["dataType"]
        if row["source"] == "ANNOTATION":
            assert row["authorUserId"] and row["queueId"] in queues
        assert row["timestamp"] <= row["createdAt"] <= row["updatedAt"]
    judged = [row for row in store.scores if row["source"] == "EVAL" and row["configId"]]
    assert judged and all(row["comment"] for row in judged)


# ----- experiments and datasets --------------------------------------------------------------------------
def test_experiments_are_consistent_with_their_items(store):
    items_by_experiment: dict[str, list[dict]] = {}
    for item in store.experiment_items:
        items_by_experiment.setdefault(item["experimentId"], []).append(item)
    for experiment in store.experiments:
        items = items_by_experiment[experiment["id"]]
        assert experiment["itemCount"] == len(items)
        assert experiment["startTime"] == min(item["startTime"] for item in items)
        assert experiment["endTime"] == max(item["endTime"] for item in items)
        assert all(
            score["subject"] == {"kind": "experiment", "id": experiment["id"]}
            for score in experiment["scores"]
        )
    per_dataset = Counter(row["datasetId"] for row in store.experiments)
    assert len(per_dataset) == 2 and min(per_dataset.values()) >= 2


def test_experiment_items_link_dataset_items_to_traces_whose_root_names_them(store):
    dataset_items = {row["id"]: row for row in store.dataset_items}
    roots = {row["traceId"]: row for row in store.observations if row["isRootObservation"]}
    for item in store.experiment_items:
        source = dataset_items[item["experimentItemId"]]
        assert source["datasetId"] == item["experimentDatasetId"]
        root = roots[item["traceId"]]
        assert item["id"] == root["id"] and item["startTime"] == root["startTime"]
        assert root["metadata"]["dataset_item_id"] == source["id"]
        assert root["metadata"]["experiment_id"] == item["experimentId"]
        assert item["experimentItemVersion"] <= item["startTime"]
        assert {score["subject"].get("traceId", score["subject"]["id"]) for score in item["scores"]} == {
            item["traceId"]
        }


def test_runs_on_one_dataset_share_items_so_they_compare_item_by_item(store):
    runs: dict[str, set[str]] = {}
    for item in store.experiment_items:
        runs.setdefault(item["experimentId"], set()).add(item["experimentItemId"])
    by_dataset: dict[str, list[set[str]]] = {}
    for experiment in store.experiments:
        by_dataset.setdefault(experiment["datasetId"], []).append(runs[experiment["id"]])
    for item_sets in by_dataset.values():
        assert len(set.intersection(*item_sets)) >= 2


def test_dataset_items_include_archived_edited_and_trace_sourced_ones(store):
    statuses = Counter(row["status"] for row in store.dataset_items)
    assert statuses["ARCHIVED"] >= 1 and statuses["ACTIVE"] > statuses["ARCHIVED"]
    trace_ids = {row["id"] for row in store.traces}
    sourced = [row for row in store.dataset_items if row["sourceTraceId"]]
    assert sourced and all(row["sourceTraceId"] in trace_ids for row in sourced)
    versions = Counter(
        item["experimentItemVersion"] != dataset["createdAt"]
        for item in store.experiment_items
        for dataset in store.dataset_items
        if dataset["id"] == item["experimentItemId"]
    )
    assert versions[True] >= 1, "a later run saw an edited item version"


# ----- catalog, comments, queues ---------------------------------------------------------------------------
def test_prompts_have_versions_types_labels_tags_config_and_commit_messages(store):
    assert {row["type"] for row in store.prompts} == {"text", "chat"}
    versions = Counter(row["name"] for row in store.prompts)
    assert len(versions) >= 4 and min(versions.values()) >= 2
    labels = {label for row in store.prompts for label in row["labels"]}
    assert {"production", "latest", "staging"} <= labels
    for name in versions:
        latest = [row for row in store.prompts if row["name"] == name and "latest" in row["labels"]]
        assert len(latest) == 1 and latest[0]["version"] == versions[name]
    assert all(row["tags"] and isinstance(row["config"], dict) for row in store.prompts)
    assert any(row["commitMessage"] for row in store.prompts) and any(
        row["commitMessage"] is None for row in store.prompts
    )


def test_models_and_score_configs_cover_their_variants(store):
    assert {row["isLangfuseManaged"] for row in store.models} == {True, False}
    assert any(row["startDate"] for row in store.models)
    for row in store.models:
        defaults = [tier for tier in row["pricingTiers"] if tier["isDefault"]]
        assert len(defaults) == 1 and defaults[0]["priority"] == 0 and defaults[0]["conditions"] == []
        assert {key: {"price": price} for key, price in defaults[0]["prices"].items()} == row["prices"]
    assert {row["dataType"] for row in store.score_configs} == {"NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT"}
    assert any(row["isArchived"] for row in store.score_configs)


def test_evaluators_and_rules_reference_each_other(store):
    evaluators = {row["id"]: row for row in store.evaluators}
    assert {row["type"] for row in store.evaluators} == {"llm_as_judge", "code"}
    for rule in store.evaluation_rules:
        for assignment in rule["evaluatorAssignments"]:
            listed = [
                a["evaluationRuleId"]
                for a in evaluators[assignment["evaluatorId"]]["evaluationRuleAssignments"]
            ]
            assert rule["id"] in listed
    assert {rule["enabled"] for rule in store.evaluation_rules} == {True, False}


def test_comments_and_queue_items_point_at_existing_objects(store):
    ids = {
        "TRACE": {row["id"] for row in store.traces},
        "OBSERVATION": {row["id"] for row in store.observations},
        "SESSION": {row["id"] for row in store.sessions},
        "PROMPT": {row["id"] for row in store.prompts},
    }
    assert {row["objectType"] for row in store.comments} == set(ids)
    for comment in store.comments:
        assert comment["objectId"] in ids[comment["objectType"]]
    queues = {row["id"] for row in store.annotation_queues}
    assert {row["status"] for row in store.annotation_queue_items} == {"PENDING", "COMPLETED"}
    assert {row["objectType"] for row in store.annotation_queue_items} == {"TRACE", "OBSERVATION", "SESSION"}
    for item in store.annotation_queue_items:
        assert item["queueId"] in queues and item["objectId"] in ids[item["objectType"]]
        assert (item["completedAt"] is not None) == (item["status"] == "COMPLETED")


# ----- shapes -----------------------------------------------------------------------------------------------
def test_every_entity_parses_with_the_official_sdk_models(store):
    from langfuse.api.annotation_queues.types.annotation_queue import AnnotationQueue
    from langfuse.api.annotation_queues.types.annotation_queue_item import AnnotationQueueItem
    from langfuse.api.commons.types.comment import Comment
    from langfuse.api.commons.types.dataset import Dataset
    from langfuse.api.commons.types.dataset_item import DatasetItem
    from langfuse.api.commons.types.model import Model
    from langfuse.api.commons.types.observation_v2 import ObservationV2
    from langfuse.api.commons.types.score_config import ScoreConfig
    from langfuse.api.core.pydantic_utilities import parse_obj_as
    from langfuse.api.evaluation_rules.types.evaluation_rule import EvaluationRule
    from langfuse.api.evaluators.types.evaluator import Evaluator
    from langfuse.api.experiments.types.experiment import Experiment
    from langfuse.api.experiments.types.experiment_item import ExperimentItem
    from langfuse.api.prompts.types.prompt import Prompt
    from langfuse.api.scores.types.score_v3 import ScoreV3

    types = {
        "observations": ObservationV2,
        "scores": ScoreV3,
        "experiments": Experiment,
        "experiment_items": ExperimentItem,
        "datasets": Dataset,
        "dataset_items": DatasetItem,
        "comments": Comment,
        "prompts": Prompt,
        "score_configs": ScoreConfig,
        "models": Model,
        "evaluators": Evaluator,
        "evaluation_rules": EvaluationRule,
        "annotation_queues": AnnotationQueue,
        "annotation_queue_items": AnnotationQueueItem,
    }
    samples = {
        "observations": store.observations[::7],
        # one score per variant: parsing the SDK's discriminated unions costs milliseconds per row
        "scores": list(
            {(r["dataType"], r["source"], r["subject"]["kind"]): r for r in store.scores}.values()
        ),
    }
    for name, model in types.items():
        rows = samples.get(name, getattr(store, name))
        assert rows, name
        for row in rows:
            parse_obj_as(model, orjson.loads(orjson.dumps(row)))  # as the HTTP layer would serve it
    parsed = parse_obj_as(
        ObservationV2, next(r for r in store.observations if r["type"] == "GENERATION" and r["endTime"])
    )
    assert parsed.model and parsed.usage_details and parsed.cost_details and parsed.prompt_name


def test_legacy_trace_and_session_rows_follow_the_spec_schemas(store):
    if not SPEC_PATH.exists():
        pytest.skip("the OpenAPI spec in /work/shared is not available")
    import yaml

    schemas = yaml.load(SPEC_PATH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))[
        "components"
    ]["schemas"]
    python_types = {"string": str, "boolean": bool, "array": list, "object": dict, "number": (int, float)}
    extras = {"Trace": {"projectId", "createdAt", "updatedAt", "bookmarked", "externalId"}, "Session": set()}
    for name, rows in (("Trace", store.traces), ("Session", store.sessions)):
        schema = schemas[name]
        assert set(rows[0]) == set(schema["properties"]) | extras[name]
        for row in rows:
            assert set(schema["required"]) <= set(row)
            for key, prop in schema["properties"].items():
                value = row.get(key)
                if value is None:
                    assert prop.get("nullable") or key not in schema["required"], (name, key)
                elif prop.get("type") in python_types:
                    assert isinstance(value, python_types[prop["type"]]), (name, key)
    assert all(row["externalId"] is None for row in store.traces)
