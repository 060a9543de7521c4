"""Run syncs against the simulator and compare a warehouse with the simulator's ground truth."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from pipelines.sync import SyncOptions, SyncReport, run_sync
from simulator import Simulator
from simulator.endpoints.observations import cut_metadata, parse_metadata
from sources.langfuse import LangfuseProject
from sources.langfuse.arrow import snake_case_keys
from sources.langfuse.http import RetryPolicy
from sources.langfuse.specs import specs_for
from sources.langfuse.windows import parse_ts

FAST_RETRIES = RetryPolicy(max_retries=8, backoff_base=0.01, backoff_cap=0.05, retry_after_cap=0.05)


def options(sim: Simulator, workdir: Path, **overrides: Any) -> SyncOptions:
    settings: dict[str, Any] = dict(
        projects=[LangfuseProject(sim.base_url, sim.public_key, sim.secret_key)],
        database=str(workdir / "warehouse.duckdb"),
        pipelines_dir=str(workdir / "dlt"),
        settle_delay=timedelta(0),
        retry=FAST_RETRIES,
        timeout=10.0,
    )
    settings.update(overrides)
    return SyncOptions(**settings)


def sync(sim: Simulator, workdir: Path, **overrides: Any) -> SyncReport:
    return run_sync(options(sim, workdir, **overrides))


def table_rows(workdir: Path, table: str, schema: str = "langfuse") -> list[dict[str, Any]]:
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        result = con.sql(f'select * from {schema}."{table}"')
        names = result.columns
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def count(workdir: Path, table: str) -> int:
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f'select count(*) from langfuse."{table}"').fetchall()[0][0]


# --- what the API serves for each resource, in warehouse shape -----------------------------------

_TRUTH_SOURCE = {  # warehouse table -> ground-truth list
    "observations": "observations", "scores": "scores", "experiments": "experiments",
    "experiment_items": "experiment_items", "datasets": "datasets", "dataset_items": "dataset_items",
    "comments": "comments", "prompts": "prompts", "score_configs": "score_configs", "models": "models",
    "evaluators": "evaluators", "evaluation_rules": "evaluation_rules",
    "annotation_queues": "annotation_queues", "annotation_queue_items": "annotation_queue_items",
}


def expected_rows(truth: dict[str, list[dict]], table: str, project_id: str) -> dict[tuple, dict[str, Any]]:
    spec = specs_for("v4")[table]
    out = {}
    for original in truth[_TRUTH_SOURCE[table]]:
        row = dict(original)
        if table == "dataset_items" and row.get("status") != "ACTIVE":
            continue  # the list endpoint serves ACTIVE items only
        if table == "observations":
            row["metadata"] = cut_metadata(row.get("metadata"))
        if table == "experiments":
            row.pop("scores", None)  # not requested: scores are synced from /v3/scores
        if table == "experiment_items":
            row.pop("scores", None)
        row = snake_case_keys(row)
        if spec.shape is not None:
            row = spec.shape(row)
        row["project_id"] = project_id
        out[tuple(row[k] for k in ("project_id", *spec.primary_key))] = row
    return out


def _same(expected: Any, actual: Any, data_type: str | None) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if data_type == "timestamp":
        return parse_ts(expected) == (actual if isinstance(actual, datetime) else parse_ts(str(actual)))
    if data_type == "json":
        return expected == json.loads(actual)
    if isinstance(expected, float) or isinstance(actual, float):
        return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, (dict, list)):
        return expected == (json.loads(actual) if isinstance(actual, str) else actual)
    return expected == actual


def differences(workdir: Path, truth: dict[str, list[dict]], table: str, project_id: str, *,
                ignore: tuple[str, ...] = (), uncut_metadata_ok: bool = False) -> list[str]:
    """Every row and every column the API returns, compared; an empty list means identical.

    ``ignore`` names columns a source cannot give (the blob-storage export lacks some); with
    ``uncut_metadata_ok`` an observation may hold its whole metadata (the export's) or the API's cut.
    """
    spec = specs_for("v4")[table]
    expected = expected_rows(truth, table, project_id)
    if uncut_metadata_ok and table == "observations":
        uncut = {(project_id, o["traceId"], o["id"]): parse_metadata(o.get("metadata")) for o in truth["observations"]}
    rows = table_rows(workdir, table)
    actual = {tuple(r[k] for k in ("project_id", *spec.primary_key)): r for r in rows}
    problems = []
    if len(rows) != len(actual):
        problems.append(f"{table}: {len(rows) - len(actual)} rows duplicate a primary key")
    missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
    if missing:
        problems.append(f"{table}: {len(missing)} rows missing, e.g. {sorted(missing)[:3]}")
    if extra:
        problems.append(f"{table}: {len(extra)} unexpected rows, e.g. {sorted(extra)[:3]}")
    for key in expected.keys() & actual.keys():
        for column, value in expected[key].items():
            if column in ignore:
                continue
            if uncut_metadata_ok and column == "metadata" and _same(uncut[key], actual[key][column], "json"):
                continue
            if column not in actual[key]:
                if value is not None:
                    problems.append(f"{table}: column {column} missing (value {value!r})")
                continue
            if not _same(value, actual[key][column], spec.columns.get(column)):
                problems.append(f"{table}{key}: {column} expected {value!r}, got {actual[key][column]!r}")
        if len(problems) > 20:
            break
    return problems
