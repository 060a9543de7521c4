"""What the sync reads: one declaration per Langfuse resource, read by the one fetch engine.

A declaration says where a resource lives (path, pagination, page size, field groups), how rows are
keyed in the warehouse, which time column bounds its incremental windows and through which query
parameters, and whether its requests fan out from a parent resource. Columns are named as Langfuse
names them, in snake_case; ``columns`` types the ones that are not text (everything else, including
fields Langfuse adds tomorrow, lands as text or JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sources.langfuse import shapes

Paging = Literal["cursor", "offset", "single"]
V4: frozenset[str] = frozenset({"v4"})
LEGACY: frozenset[str] = frozenset({"legacy"})
BOTH: frozenset[str] = V4 | LEGACY


@dataclass(frozen=True)
class TimeWindow:
    """The event-time column a resource is windowed on and the API's bounds for it ([from, to))."""

    cursor_column: str
    from_param: str
    to_param: str


@dataclass(frozen=True)
class ChildRequest:
    path_params: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ResourceSpec:
    name: str  # warehouse table name
    path: str  # below /api/public; {placeholders} are filled from a parent row
    primary_key: tuple[str, ...]  # project_id is prepended by the engine
    paging: Paging
    max_page_size: int
    profiles: frozenset[str]
    window: TimeWindow | None = None
    # A parameter the server requires even for a full read (experiments need fromStartTime).
    required_from_param: str | None = None
    fields: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None  # name of the spec whose rows this one fans out from
    expand: Callable[[dict[str, Any]], Iterable[ChildRequest]] | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # snake_case column -> dlt data type
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # on the snake_case row
    is_table: bool = True  # False for an index that only feeds children (prompt names)
    # Newer than some servers a sync meets (evaluators and rules moved from /unstable to /v2 with SDK 5;
    # annotation queues arrived late in v3): a 404 means "not on this server", not a failed sync.
    optional: bool = False
    # An offset list served newest first on its window column (the legacy v3 lists): read as first
    # pages of a shrinking window (``paginators.newest_first_pages``), never by page number.
    newest_first: bool = False
    # Query parameters that order rows sharing one timestamp by a unique key, where the API has them.
    tie_order: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


_TS = "timestamp"
_JSON = "json"
_BIG = "bigint"
_DBL = "double"
_BOOL = "bool"

_CREATED_UPDATED = {"created_at": _TS, "updated_at": _TS}

OBSERVATION_COLUMNS = {
    "start_time": _TS,
    "end_time": _TS,
    "completion_start_time": _TS,
    **_CREATED_UPDATED,
    "bookmarked": _BOOL,
    "public": _BOOL,
    "is_root_observation": _BOOL,
    "tags": _JSON,
    "metadata": _JSON,
    "model_parameters": _JSON,
    "usage_details": _JSON,
    "cost_details": _JSON,
    "input_usage": _BIG,
    "output_usage": _BIG,
    "total_usage": _BIG,
    "input_cost": _DBL,
    "output_cost": _DBL,
    "total_cost": _DBL,
    "input_price": _DBL,
    "output_price": _DBL,
    "total_price": _DBL,
    "prompt_version": _BIG,
    "latency": _DBL,
    "time_to_first_token": _DBL,
    "deleted_at": _TS,
}

SCORE_COLUMNS = {
    "timestamp": _TS,
    **_CREATED_UPDATED,
    "value_numeric": _DBL,
    "value_boolean": _BOOL,
    "metadata": _JSON,
    "deleted_at": _TS,
}

EXPERIMENT_COLUMNS = {"start_time": _TS, "end_time": _TS, "item_count": _BIG, "metadata": _JSON, **_CREATED_UPDATED}

EXPERIMENT_ITEM_COLUMNS = {
    "start_time": _TS,
    "end_time": _TS,
    "experiment_item_version": _TS,
    "input": _JSON,
    "output": _JSON,
    "expected_output": _JSON,
    "metadata": _JSON,
    "experiment_item_metadata": _JSON,
    "experiment_metadata": _JSON,
    **_CREATED_UPDATED,
}

OBSERVATION_FIELD_GROUPS = "core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context"


def _prompt_versions(row: dict[str, Any]) -> Iterable[ChildRequest]:
    for version in row.get("versions") or []:
        yield ChildRequest(path_params={"promptName": row["name"]}, params={"version": version})


def _queue_items(row: dict[str, Any]) -> Iterable[ChildRequest]:
    yield ChildRequest(path_params={"queueId": row["id"]})


def _dataset_runs(row: dict[str, Any]) -> Iterable[ChildRequest]:
    yield ChildRequest(path_params={"datasetName": row["name"]})


def _run_items(row: dict[str, Any]) -> Iterable[ChildRequest]:
    yield ChildRequest(params={"datasetId": row["dataset_id"], "runName": row["name"]})


# --- resources both API generations serve the same way ------------------------------------------

SHARED: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        name="datasets", path="/v2/datasets", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=BOTH,
        columns={"metadata": _JSON, "input_schema": _JSON, "expected_output_schema": _JSON, **_CREATED_UPDATED},
        description="Datasets (full refresh, merged).",
    ),
    ResourceSpec(
        name="dataset_items", path="/dataset-items", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=BOTH,
        columns={"input": _JSON, "expected_output": _JSON, "metadata": _JSON, "media_references": _JSON,
                 **_CREATED_UPDATED},
        description="Dataset items; the API lists ACTIVE items only.",
    ),
    ResourceSpec(
        name="comments", path="/comments", primary_key=("id",), paging="offset", max_page_size=100,
        profiles=BOTH, columns=_CREATED_UPDATED,
        description="Comments on traces, observations, sessions and prompts.",
    ),
    ResourceSpec(
        name="prompt_names", path="/v2/prompts", primary_key=("name",), paging="offset",
        max_page_size=100, profiles=BOTH,
        window=TimeWindow(
            cursor_column="last_updated_at", from_param="fromUpdatedAt", to_param="toUpdatedAt"
        ), is_table=False,
        description="Index of prompt names and their versions changed in the window.",
    ),
    ResourceSpec(
        name="prompts", path="/v2/prompts/{promptName}", primary_key=("name", "version"), paging="single",
        max_page_size=1, profiles=BOTH,
        parent="prompt_names", expand=_prompt_versions,
        columns={"version": _BIG, "prompt": _JSON, "config": _JSON, "labels": _JSON, "tags": _JSON,
                 "resolution_graph": _JSON, **_CREATED_UPDATED},
        description="Every version of every prompt, with its content (incremental on updatedAt).",
    ),
    ResourceSpec(
        name="score_configs", path="/score-configs", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=BOTH,
        columns={"is_archived": _BOOL, "min_value": _DBL, "max_value": _DBL, "categories": _JSON,
                 **_CREATED_UPDATED},
    ),
    ResourceSpec(
        name="models", path="/models", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=BOTH,
        columns={"start_date": _TS, "created_at": _TS, "input_price": _DBL, "output_price": _DBL,
                 "total_price": _DBL, "is_langfuse_managed": _BOOL, "tokenizer_config": _JSON,
                 "prices": _JSON, "pricing_tiers": _JSON},
        description="Model definitions with prices and pricing tiers, Langfuse-managed ones included.",
    ),
    ResourceSpec(
        name="annotation_queues", path="/annotation-queues", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=BOTH,
        columns={"score_config_ids": _JSON, **_CREATED_UPDATED},
        optional=True,
    ),
    ResourceSpec(
        name="annotation_queue_items", path="/annotation-queues/{queueId}/items", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=BOTH,
        parent="annotation_queues", expand=_queue_items,
        columns={"completed_at": _TS, **_CREATED_UPDATED},
        optional=True,
    ),
)

# --- Langfuse Cloud and self-hosted v4 ------------------------------------------------------------

V4_ONLY: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        name="observations", path="/v2/observations", primary_key=("trace_id", "id"), paging="cursor",
        max_page_size=1000, profiles=V4,
        window=TimeWindow(
            cursor_column="start_time", from_param="fromStartTime", to_param="toStartTime"
        ),
        fields=OBSERVATION_FIELD_GROUPS, columns=OBSERVATION_COLUMNS,
        description="Every observation (span, generation, event, tool, agent…) with all field groups; "
        "traces and sessions are their groupings.",
    ),
    ResourceSpec(
        name="scores", path="/v3/scores", primary_key=("id",), paging="cursor",
        max_page_size=100, profiles=V4,
        window=TimeWindow(
            cursor_column="timestamp", from_param="fromTimestamp", to_param="toTimestamp"
        ),
        fields="details,subject,annotation", columns=SCORE_COLUMNS, shape=shapes.score_v3,
        description="Scores of every data type with the typed value split into columns and the subject.",
    ),
    ResourceSpec(
        name="experiments", path="/experiments", primary_key=("id",), paging="cursor",
        max_page_size=100, profiles=V4,
        required_from_param="fromStartTime", fields="core,metadata", columns=EXPERIMENT_COLUMNS,
        description="Experiments (dataset runs), read in full: their item counts span all time.",
    ),
    ResourceSpec(
        name="experiment_items", path="/experiment-items", primary_key=("experiment_id", "id"), paging="cursor",
        max_page_size=100, profiles=V4,
        window=TimeWindow(
            cursor_column="start_time", from_param="fromStartTime", to_param="toStartTime"
        ),
        fields="core,dataset,io,metadata,itemMetadata,experimentMetadata", columns=EXPERIMENT_ITEM_COLUMNS,
        description="Experiment items: dataset item × experiment, with the trace that ran it.",
    ),
    ResourceSpec(
        name="evaluators", path="/v2/evaluators", primary_key=("id",), paging="cursor",
        max_page_size=100, profiles=V4,
        # The v2 shape (SDK 5.x), not the spec's /unstable one (evaluationRuleCount, mapping, scope).
        columns={"version": _BIG, "variables": _JSON, "output_definition": _JSON, "model_config": _JSON,
                 "variable_mapping": _JSON, "evaluation_rule_assignments": _JSON, "prompt": _JSON,
                 "created_by": _JSON, "version_created_by": _JSON, "paused_at": _TS, "version_created_at": _TS,
                 **_CREATED_UPDATED},
        optional=True,
    ),
    ResourceSpec(
        name="evaluation_rules", path="/v2/evaluation-rules", primary_key=("id",), paging="cursor",
        max_page_size=100, profiles=V4,
        # The v2 shape: evaluatorAssignments, not the spec's evaluator/target/status/mapping.
        columns={"evaluator_assignments": _JSON, "enabled": _BOOL, "sampling": _DBL, "filter": _JSON,
                 "created_by": _JSON, **_CREATED_UPDATED},
        optional=True,
    ),
)

# --- self-hosted Langfuse v3 (the legacy read API) --------------------------------------------------

LEGACY_ONLY: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        name="traces", path="/traces", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=LEGACY,
        window=TimeWindow(
            cursor_column="timestamp", from_param="fromTimestamp", to_param="toTimestamp"
        ), fields="core,io,metrics",
        newest_first=True, tie_order={"orderBy": "id.asc"},
        columns={"timestamp": _TS, **_CREATED_UPDATED, "input": _JSON, "output": _JSON, "metadata": _JSON,
                 "tags": _JSON, "public": _BOOL, "bookmarked": _BOOL, "latency": _DBL, "total_cost": _DBL,
                 "deleted_at": _TS},
        shape=shapes.legacy_trace,
    ),
    ResourceSpec(
        name="observations", path="/observations", primary_key=("trace_id", "id"), paging="offset",
        max_page_size=100, profiles=LEGACY,
        window=TimeWindow(
            cursor_column="start_time", from_param="fromStartTime", to_param="toStartTime"
        ), columns=OBSERVATION_COLUMNS,
        shape=shapes.legacy_observation, newest_first=True,
    ),
    ResourceSpec(
        name="sessions", path="/sessions", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=LEGACY,
        window=TimeWindow(
            cursor_column="created_at", from_param="fromTimestamp", to_param="toTimestamp"
        ), columns={"created_at": _TS},
        newest_first=True,
    ),
    ResourceSpec(
        name="scores", path="/v2/scores", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=LEGACY,
        window=TimeWindow(
            cursor_column="timestamp", from_param="fromTimestamp", to_param="toTimestamp"
        ), columns=SCORE_COLUMNS,
        shape=shapes.score_v2, newest_first=True,
    ),
    ResourceSpec(
        name="experiments", path="/datasets/{datasetName}/runs", primary_key=("id",), paging="offset",
        max_page_size=100, profiles=LEGACY,
        parent="datasets", expand=_dataset_runs, columns=EXPERIMENT_COLUMNS, shape=shapes.legacy_dataset_run,
    ),
    ResourceSpec(
        name="experiment_items", path="/dataset-run-items", primary_key=("experiment_id", "id"), paging="offset",
        max_page_size=100, profiles=LEGACY,
        parent="experiments", expand=_run_items, columns=EXPERIMENT_ITEM_COLUMNS,
        shape=shapes.legacy_dataset_run_item,
    ),
)


def specs_for(profile: str) -> dict[str, ResourceSpec]:
    """All declarations one API generation serves, by name (parents before children)."""
    chosen = [s for s in (*SHARED, *V4_ONLY, *LEGACY_ONLY) if profile in s.profiles]
    return {s.name: s for s in chosen}


def table_names(profile: str) -> list[str]:
    return [name for name, spec in specs_for(profile).items() if spec.is_table]

