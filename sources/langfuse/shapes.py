"""Row reshaping where the API's shape does not fit a warehouse column for column.

Each function takes one row whose top-level keys are already snake_case and returns it reshaped.
The legacy (v3 self-hosted) shapes are mapped onto the v4 tables' columns, so the warehouse keeps
the same table names and meaning whichever API generation filled it.
"""

from __future__ import annotations

from typing import Any

import orjson

Row = dict[str, Any]

_SUBJECT_COLUMNS = ("trace_id", "observation_id", "session_id", "experiment_id")


def _typed_value(data_type: str | None, value: Any, string_value: Any) -> Row:
    """Split Langfuse's polymorphic score value into one typed column per kind of value."""
    numeric = boolean = None
    text = string_value
    if data_type == "NUMERIC":
        numeric = None if value is None else float(value)
    elif data_type == "BOOLEAN":
        if isinstance(value, bool):
            boolean = value
        elif value is not None:  # v2 sends 1/0 with stringValue "True"/"False"
            boolean = float(value) == 1.0
        if boolean is not None:
            numeric = 1.0 if boolean else 0.0
            text = text if text is not None else ("True" if boolean else "False")
    elif data_type == "CATEGORICAL":
        if isinstance(value, str):  # v3: the category label itself
            text = value
        elif value is not None:  # v2: the mapped numeric value beside stringValue
            numeric = float(value)
    elif value is not None:  # TEXT, CORRECTION and data types Langfuse adds later
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return {"value_numeric": numeric, "value_boolean": boolean, "value_string": text}


def score_v3(row: Row) -> Row:
    row.update(_typed_value(row.get("data_type"), row.pop("value", None), row.pop("string_value", None)))
    subject = row.pop("subject", None) or {}
    kind, subject_id = subject.get("kind"), subject.get("id")
    row["subject_kind"] = kind
    row["subject_id"] = subject_id
    row["trace_id"] = subject_id if kind == "trace" else subject.get("traceId")
    row["observation_id"] = subject_id if kind == "observation" else None
    row["session_id"] = subject_id if kind == "session" else None
    row["experiment_id"] = subject_id if kind == "experiment" else None
    return row


def score_v2(row: Row) -> Row:
    row.update(_typed_value(row.get("data_type"), row.pop("value", None), row.pop("string_value", None)))
    row["experiment_id"] = row.pop("dataset_run_id", None)
    row.pop("trace", None)  # the trace's user/tags copied onto the score: the marts join them instead
    for column in _SUBJECT_COLUMNS:
        row.setdefault(column, None)
    if row["observation_id"]:
        row["subject_kind"], row["subject_id"] = "observation", row["observation_id"]
    elif row["trace_id"]:
        row["subject_kind"], row["subject_id"] = "trace", row["trace_id"]
    elif row["session_id"]:
        row["subject_kind"], row["subject_id"] = "session", row["session_id"]
    elif row["experiment_id"]:
        row["subject_kind"], row["subject_id"] = "experiment", row["experiment_id"]
    return row


def _as_raw_text(value: Any) -> str | None:
    """v1 parses io into JSON; v2 serves the raw string. The warehouse keeps the raw string."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


_V1_RENAMES = {
    "calculated_input_cost": "input_cost",
    "calculated_output_cost": "output_cost",
    "calculated_total_cost": "total_cost",
}
_V1_DEPRECATED = ("usage", "unit", "prompt_tokens", "completion_tokens", "total_tokens")


def legacy_observation(row: Row) -> Row:
    row["input"] = _as_raw_text(row.get("input"))
    row["output"] = _as_raw_text(row.get("output"))
    for old, new in _V1_RENAMES.items():
        if old in row:
            row[new] = row.pop(old)
    for column in _V1_DEPRECATED:
        row.pop(column, None)
    usage = row.get("usage_details") or {}
    row["input_usage"] = usage.get("input")
    row["output_usage"] = usage.get("output")
    row["total_usage"] = usage.get("total")
    return row


def legacy_trace(row: Row) -> Row:
    # Id lists of the trace's observations and scores duplicate those tables and can be huge.
    for column in ("observations", "scores", "html_path", "external_id"):
        row.pop(column, None)
    return row


def legacy_dataset_run(row: Row) -> Row:
    row.setdefault("dataset_id", None)
    return row


def legacy_dataset_run_item(row: Row) -> Row:
    row["experiment_id"] = row.pop("dataset_run_id", None)
    row["experiment_name"] = row.pop("dataset_run_name", None)
    row["experiment_item_id"] = row.pop("dataset_item_id", None)
    return row
