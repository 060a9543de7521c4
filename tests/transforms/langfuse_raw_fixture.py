"""A tiny raw `langfuse` schema, written by hand so every mart number can be checked by hand.

Production traffic (project p1):
  t1  2025-01-01 10:00  "chat"   user u1, session s1, production, tags [a, b]
      o1 SPAN 4 s (root)
      o2 GENERATION gpt-4o 2 s, ttft 0.5,  tokens 100/50/150, cost 0.001/0.002/0.003, prompt qa v1
      o3 GENERATION gpt-4o 1 s, ttft 0.25, tokens 200/100/300, cost 0.002/0.004/0.006, prompt qa v1, ERROR
  t2  2025-01-01 11:00  "chat"   user u1, session s1, production
      o1 SPAN 2 s (root)                    (same id as in t1: v4 ids are unique per trace only)
      o2 GENERATION gpt-4o-mini 1.5 s, ttft 0.5, tokens 10/20/30, cost 0.0001/0.0002/0.0003, prompt qa v2
      o3 GENERATION gpt-4o, cost 100, DELETED upstream: must vanish everywhere
  t3  2025-01-02 09:00  "search" user u2, no session, staging
      o1 GENERATION gpt-4o 3 s (root), ttft 1.0, tokens 50/50/100, cost 0.0005/0.001/0.0015

Scores: helpfulness (NUMERIC, API) t1 0.8, t2 0.4, t3 0.6 (+ a deleted 100 on t1);
correct (BOOLEAN, EVAL) t1/o2 true, t2/o2 false, t1 true; tone (CATEGORICAL, ANNOTATION) t1 friendly,
t2 friendly, t2 rude; satisfaction (NUMERIC, ANNOTATION) 5 on session s1.

Experiments on dataset ds1 "golden" (items di1..di3), 2025-01-03, one GENERATION gpt-4o trace per item:
  e1 "baseline"  latency 1/2/3 s, cost 0.01/0.02/0.03, accuracy 0.5/0.7/0.9, exact_match on di1 = true
  e2 "candidate" latency 2/2/2 s, cost 0.01 each,       accuracy 0.8/0.7/0.8
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb

PROJECT = "p1"

# Contract types. Some optional columns are deliberately left out (bookmarked, public, prices, queue_id,
# ...): dlt only creates a column once a row has a value, and staging must cope.
# fmt: off
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "observations": {
        "project_id": "VARCHAR", "id": "VARCHAR", "trace_id": "VARCHAR", "start_time": "TIMESTAMPTZ",
        "end_time": "TIMESTAMPTZ", "completion_start_time": "TIMESTAMPTZ", "parent_observation_id": "VARCHAR",
        "type": "VARCHAR", "name": "VARCHAR", "level": "VARCHAR", "environment": "VARCHAR",
        "user_id": "VARCHAR", "session_id": "VARCHAR", "trace_name": "VARCHAR", "tags": "JSON",
        "release": "VARCHAR", "is_root_observation": "BOOLEAN", "model": "VARCHAR",
        "usage_details": "JSON", "cost_details": "JSON", "input_usage": "BIGINT", "output_usage": "BIGINT",
        "total_usage": "BIGINT", "input_cost": "DOUBLE", "output_cost": "DOUBLE", "total_cost": "DOUBLE",
        "prompt_name": "VARCHAR", "prompt_version": "BIGINT", "latency": "DOUBLE",
        "time_to_first_token": "DOUBLE", "deleted_at": "TIMESTAMPTZ",
        "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
    "scores": {
        "project_id": "VARCHAR", "id": "VARCHAR", "name": "VARCHAR", "data_type": "VARCHAR",
        "source": "VARCHAR", "timestamp": "TIMESTAMPTZ", "environment": "VARCHAR", "value_numeric": "DOUBLE",
        "value_string": "VARCHAR", "value_boolean": "BOOLEAN", "subject_kind": "VARCHAR",
        "subject_id": "VARCHAR", "trace_id": "VARCHAR", "observation_id": "VARCHAR", "session_id": "VARCHAR",
        "deleted_at": "TIMESTAMPTZ", "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
    "experiments": {
        "project_id": "VARCHAR", "id": "VARCHAR", "name": "VARCHAR", "dataset_id": "VARCHAR",
        "start_time": "TIMESTAMPTZ", "item_count": "BIGINT", "metadata": "JSON",
        "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
    "experiment_items": {
        "project_id": "VARCHAR", "id": "VARCHAR", "trace_id": "VARCHAR", "start_time": "TIMESTAMPTZ",
        "end_time": "TIMESTAMPTZ", "environment": "VARCHAR", "experiment_id": "VARCHAR",
        "experiment_name": "VARCHAR", "experiment_item_id": "VARCHAR", "experiment_dataset_id": "VARCHAR",
        "expected_output": "JSON", "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
    "datasets": {
        "project_id": "VARCHAR", "id": "VARCHAR", "name": "VARCHAR", "created_at": "TIMESTAMPTZ",
        "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
    "models": {
        "project_id": "VARCHAR", "id": "VARCHAR", "model_name": "VARCHAR", "match_pattern": "VARCHAR",
        "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
    "prompts": {
        "project_id": "VARCHAR", "name": "VARCHAR", "version": "BIGINT", "labels": "JSON",
        "_dlt_load_id": "VARCHAR", "_dlt_id": "VARCHAR",
    },
}
# fmt: on

D1 = datetime(2025, 1, 1, tzinfo=UTC)
D2 = datetime(2025, 1, 2, tzinfo=UTC)
D3 = datetime(2025, 1, 3, tzinfo=UTC)


def at(day: datetime, hour: int, seconds: float = 0.0) -> datetime:
    return day + timedelta(hours=hour, seconds=seconds)


def _trace_fields(
    trace_id: str, name: str, user: str | None, session: str | None, env: str, tags=None
) -> dict:
    return {
        "project_id": PROJECT,
        "trace_id": trace_id,
        "trace_name": name,
        "user_id": user,
        "session_id": session,
        "environment": env,
        "tags": json.dumps(tags) if tags is not None else None,
    }


def _generation(model: str, tokens: tuple[int, int, int], cost: tuple[float, float, float]) -> dict:
    return {
        "type": "GENERATION",
        "model": model,
        "input_usage": tokens[0],
        "output_usage": tokens[1],
        "total_usage": tokens[2],
        "usage_details": json.dumps({"input": tokens[0], "output": tokens[1], "total": tokens[2]}),
        "input_cost": cost[0],
        "output_cost": cost[1],
        "total_cost": cost[2],
        "cost_details": json.dumps({"input": cost[0], "output": cost[1], "total": cost[2]}),
    }


def _timed(start: datetime, seconds: float, ttft: float | None = None) -> dict:
    # latency / time_to_first_token are left out on purpose: staging derives them from the timestamps.
    return {
        "start_time": start,
        "end_time": start + timedelta(seconds=seconds),
        "completion_start_time": start + timedelta(seconds=ttft) if ttft is not None else None,
    }


def observation_rows() -> list[dict]:
    # fmt: off
    t1 = _trace_fields("t1", "chat", "u1", "s1", "production", ["a", "b"]) | {"release": "v1"}
    t2 = _trace_fields("t2", "chat", "u1", "s1", "production")
    t3 = _trace_fields("t3", "search", "u2", None, "staging")
    rows = [
        t1 | {"id": "o1", "type": "SPAN", "name": "chat", "is_root_observation": True} | _timed(at(D1, 10), 4),
        t1 | {"id": "o2", "name": "llm", "parent_observation_id": "o1", "is_root_observation": False,
              "prompt_name": "qa", "prompt_version": 1}
           | _generation("gpt-4o", (100, 50, 150), (0.001, 0.002, 0.003)) | _timed(at(D1, 10, 1), 2, 0.5),
        t1 | {"id": "o3", "name": "llm", "parent_observation_id": "o1", "is_root_observation": False,
              "prompt_name": "qa", "prompt_version": 1, "level": "ERROR"}
           | _generation("gpt-4o", (200, 100, 300), (0.002, 0.004, 0.006)) | _timed(at(D1, 10, 3), 1, 0.25),
        t2 | {"id": "o1", "type": "SPAN", "name": "chat", "is_root_observation": True} | _timed(at(D1, 11), 2),
        t2 | {"id": "o2", "name": "llm", "parent_observation_id": "o1", "is_root_observation": False,
              "prompt_name": "qa", "prompt_version": 2}
           | _generation("gpt-4o-mini", (10, 20, 30), (0.0001, 0.0002, 0.0003)) | _timed(at(D1, 11, 0.5), 1.5, 0.5),
        t2 | {"id": "o3", "name": "llm", "parent_observation_id": "o1", "is_root_observation": False,
              "prompt_name": "qa", "prompt_version": 2, "deleted_at": at(D2, 0)}
           | _generation("gpt-4o", (1000, 1000, 2000), (50.0, 50.0, 100.0)) | _timed(at(D1, 11, 1), 30, 10),
        t3 | {"id": "o1", "name": "search", "is_root_observation": True}
           | _generation("gpt-4o", (50, 50, 100), (0.0005, 0.001, 0.0015)) | _timed(at(D2, 9), 3, 1.0),
    ]
    for experiment, latencies, costs in (("e1", (1, 2, 3), (0.01, 0.02, 0.03)), ("e2", (2, 2, 2), (0.01, 0.01, 0.01))):
        for n, (latency, cost) in enumerate(zip(latencies, costs, strict=True), start=1):
            trace = _trace_fields(f"t-{experiment}-{n}", "qa-task", None, None, "sdk-experiment")
            rows.append(
                trace | {"id": "root", "name": "qa-task", "is_root_observation": True}
                | _generation("gpt-4o", (10, 10, 20), (cost / 2, cost / 2, cost))
                | _timed(at(D3, 12, 10 * n), latency)
            )
    # fmt: on
    return rows


def _score(score_id: str, name: str, data_type: str, source: str, when: datetime, **fields) -> dict:
    return {
        "project_id": PROJECT,
        "id": score_id,
        "name": name,
        "data_type": data_type,
        "source": source,
        "timestamp": when,
        "environment": "production",
    } | fields


def _on_trace(trace_id: str) -> dict:
    return {"subject_kind": "trace", "subject_id": trace_id, "trace_id": trace_id}


def _on_observation(trace_id: str, observation_id: str) -> dict:
    return {
        "subject_kind": "observation",
        "subject_id": observation_id,
        "trace_id": trace_id,
        "observation_id": observation_id,
    }


def _boolean(value: bool) -> dict:
    return {"value_numeric": 1.0 if value else 0.0, "value_string": str(value), "value_boolean": value}


def score_rows() -> list[dict]:
    # fmt: off
    rows = [
        _score("sc1", "helpfulness", "NUMERIC", "API", at(D1, 12), value_numeric=0.8, **_on_trace("t1")),
        _score("sc2", "helpfulness", "NUMERIC", "API", at(D1, 12), value_numeric=0.4, **_on_trace("t2")),
        _score("sc3", "helpfulness", "NUMERIC", "API", at(D2, 12), value_numeric=0.6, **_on_trace("t3")),
        _score("sc4", "correct", "BOOLEAN", "EVAL", at(D1, 13), **_boolean(True), **_on_observation("t1", "o2")),
        _score("sc5", "correct", "BOOLEAN", "EVAL", at(D1, 13), **_boolean(False), **_on_observation("t2", "o2")),
        _score("sc6", "correct", "BOOLEAN", "EVAL", at(D1, 13), **_boolean(True), **_on_trace("t1")),
        _score("sc7", "tone", "CATEGORICAL", "ANNOTATION", at(D1, 14), value_string="friendly", **_on_trace("t1")),
        _score("sc8", "tone", "CATEGORICAL", "ANNOTATION", at(D1, 14), value_string="friendly", **_on_trace("t2")),
        _score("sc9", "tone", "CATEGORICAL", "ANNOTATION", at(D1, 14), value_string="rude", **_on_trace("t2")),
        _score("sc10", "helpfulness", "NUMERIC", "API", at(D1, 12), value_numeric=100.0, deleted_at=at(D2, 0),
               **_on_trace("t1")),
        _score("sc11", "satisfaction", "NUMERIC", "ANNOTATION", at(D2, 8), value_numeric=5.0,
               subject_kind="session", subject_id="s1", session_id="s1"),
    ]
    accuracy = {"e1": (0.5, 0.7, 0.9), "e2": (0.8, 0.7, 0.8)}
    for experiment, values in accuracy.items():
        for n, value in enumerate(values, start=1):
            rows.append(
                _score(f"acc-{experiment}-{n}", "accuracy", "NUMERIC", "EVAL", at(D3, 13), value_numeric=value,
                       environment="sdk-experiment", **_on_trace(f"t-{experiment}-{n}"))
            )
    rows.append(_score("exact-e1-1", "exact_match", "BOOLEAN", "EVAL", at(D3, 13), environment="sdk-experiment",
                       **_boolean(True), **_on_trace("t-e1-1")))
    # fmt: on
    return rows


def experiment_rows() -> list[dict]:
    return [
        {
            "project_id": PROJECT,
            "id": "e1",
            "name": "baseline",
            "dataset_id": "ds1",
            "start_time": at(D3, 12),
            "item_count": 3,
        },
        {
            "project_id": PROJECT,
            "id": "e2",
            "name": "candidate",
            "dataset_id": "ds1",
            "start_time": at(D3, 12),
            "item_count": 3,
        },
    ]


def experiment_item_rows() -> list[dict]:
    names = {"e1": "baseline", "e2": "candidate"}
    return [
        {
            "project_id": PROJECT,
            "id": f"ei-{experiment}-{n}",
            "trace_id": f"t-{experiment}-{n}",
            "start_time": at(D3, 12, 10 * n),
            "environment": "sdk-experiment",
            "experiment_id": experiment,
            "experiment_name": names[experiment],
            "experiment_item_id": f"di{n}",
            "experiment_dataset_id": "ds1",
        }
        for experiment in ("e1", "e2")
        for n in (1, 2, 3)
    ]


def dataset_rows() -> list[dict]:
    return [{"project_id": PROJECT, "id": "ds1", "name": "golden", "created_at": at(D1, 0)}]


def model_rows() -> list[dict]:
    # The fixture's observations name no internal_model_id: every generation is '(unmatched)' in mart_cost_daily.
    return [{"project_id": PROJECT, "id": "m-gpt", "model_name": "gpt-4o", "match_pattern": "(?i)^gpt-4o$"}]


def prompt_rows() -> list[dict]:
    return [
        {"project_id": PROJECT, "name": "qa", "version": 1, "labels": json.dumps(["production"])},
        {"project_id": PROJECT, "name": "qa", "version": 2, "labels": json.dumps(["latest"])},
    ]


ROWS = {
    "observations": observation_rows,
    "scores": score_rows,
    "experiments": experiment_rows,
    "experiment_items": experiment_item_rows,
    "datasets": dataset_rows,
    "models": model_rows,
    "prompts": prompt_rows,
}


def create_raw_schema(
    con: duckdb.DuckDBPyConnection, schema: str = "langfuse", without: tuple[str, ...] = ()
) -> None:
    """Create the raw tables (all but `without`) and fill them with the rows above."""
    con.execute(f"create schema if not exists {schema}")
    for table, columns in TABLE_COLUMNS.items():
        if table in without:
            continue
        ddl = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
        con.execute(f'create or replace table {schema}."{table}" ({ddl})')
        names = list(columns)
        rows = [
            [row.get(name, "load-1" if name == "_dlt_load_id" else None) for name in names]
            for row in ROWS[table]()
        ]
        placeholders = ", ".join("?" for _ in names)
        quoted = ", ".join(f'"{name}"' for name in names)
        con.executemany(f'insert into {schema}."{table}" ({quoted}) values ({placeholders})', rows)
